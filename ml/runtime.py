"""TensorFlow process settings. Must run before TensorFlow executes its first operation."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

# glibc's mallopt(3) parameters.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def configure_tensorflow(*, threads: int) -> None:
    """Size TensorFlow's thread pools for one worker process, quiet its start-up logs, and keep
    freed memory for reuse (`keep_freed_memory`).

    On a machine shared by several worker processes, one intra-op thread each avoids the
    oversubscription that TensorFlow's default (one thread per core, per process) causes.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    keep_freed_memory()
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        # Already initialised in this process (for instance by an earlier call): keep it.
        pass


def keep_freed_memory() -> bool:
    """Let glibc's malloc reuse freed blocks of up to 32 MB instead of returning them to the
    system; False where the C library is not glibc.

    TensorFlow allocates every intermediate tensor afresh. By default glibc maps large blocks
    straight from the system and unmaps them when freed, so each layer of each network pays
    page faults on new memory: about 12% of a detection's time, measured at 640x480. The
    price is up to 256 MB of freed memory kept by the process.
    """
    path = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(path) if path else None
        mallopt = libc.mallopt if libc else None
    except (OSError, AttributeError):
        return False
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 * 2**20) and mallopt(_M_TRIM_THRESHOLD, 256 * 2**20))
