"""One detector per worker process, loaded once (at process start under prefork)."""

from __future__ import annotations

import os
import threading

from celery.signals import worker_process_init
from django.conf import settings

from ml.detector import Detector

_lock = threading.Lock()
_detector: Detector | None = None


def get_detector() -> Detector:
    """This process's detector, loading the model on first use."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from ml.detector import MTCNNDetector
                from ml.runtime import configure_tensorflow

                configure_tensorflow(threads=settings.WORKER_TF_THREADS)
                _detector = MTCNNDetector(max_side=settings.DETECT_MAX_SIDE or None)
    return _detector


@worker_process_init.connect
def _prepare_pool_process(**kwargs) -> None:
    if settings.WORKER_NICE > 0:
        os.nice(settings.WORKER_NICE)
    # Only the detection worker pays for TensorFlow; the webhook/event worker never loads it.
    if settings.WORKER_PRELOAD_MODEL:
        get_detector()
