"""TensorFlow process settings. Must run before TensorFlow executes its first operation."""

from __future__ import annotations

import os


def configure_tensorflow(*, threads: int) -> None:
    """Size TensorFlow's thread pools for one worker process and quiet its start-up logs.

    On a machine shared by several worker processes, one intra-op thread each avoids the
    oversubscription that TensorFlow's default (one thread per core, per process) causes.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        # Already initialised in this process (for instance by an earlier call): keep it.
        pass
