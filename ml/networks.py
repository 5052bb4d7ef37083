"""The three MTCNN networks (PNet, RNet, ONet) as compiled TensorFlow graphs.

The weights are the `mtcnn` package's own; the layers are rewritten as plain TensorFlow ops so
that each stage is one graph call with no Keras layer dispatch, traced once for any input size.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from mtcnn.utils.tensorflow import load_weights

_IMAGES = tf.TensorSpec((None, None, None, 3), tf.float32)
_SIZE = tf.TensorSpec((2,), tf.int32)
_BOXES = tf.TensorSpec((None, 4), tf.float32)
_INDICES = tf.TensorSpec((None,), tf.int32)


def _conv(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor) -> tf.Tensor:
    return tf.nn.bias_add(tf.nn.conv2d(x, kernel, 1, "VALID"), bias)


def _blocked_kernel(kernel: np.ndarray) -> np.ndarray:
    """A 3x3 kernel rearranged to act on 2x2 pixel blocks (``space_to_depth``): a 2x2 kernel
    over blocks whose output block holds four outputs of the original, channels (dy, dx, out)."""
    _, _, inputs, outputs = kernel.shape
    blocked = np.zeros((2, 2, 2, 2, inputs, 2, 2, outputs), np.float32)
    for by, bx, sy, sx, dy, dx in itertools.product(range(2), repeat=6):
        ky, kx = 2 * by + sy - dy, 2 * bx + sx - dx
        if 0 <= ky <= 2 and 0 <= kx <= 2:
            blocked[by, bx, sy, sx, :, dy, dx, :] = kernel[ky, kx]
    return blocked.reshape(2, 2, 4 * inputs, 4 * outputs)


def _blocks(x: tf.Tensor, blocked: tf.Tensor) -> tf.Tensor:
    # The first layer's 3 input channels make a slow oneDNN convolution; the 12 channels of
    # 2x2 blocks make a fast one, about twice as fast overall though it multiplies some zeros.
    height, width = tf.shape(x)[1], tf.shape(x)[2]
    x = tf.pad(x, [[0, 0], [0, height % 2], [0, width % 2], [0, 0]])
    return tf.nn.conv2d(tf.nn.space_to_depth(x, 2), blocked, 1, "VALID")


def _stem_conv(x: tf.Tensor, blocked: tf.Tensor, bias: tf.Tensor) -> tf.Tensor:
    """The first 3x3 valid convolution, computed on 2x2 blocks."""
    height, width = tf.shape(x)[1], tf.shape(x)[2]
    y = tf.nn.depth_to_space(_blocks(x, blocked), 2)
    return tf.nn.bias_add(y[:, : height - 2, : width - 2], bias)


def _stem_conv_pool(
    x: tf.Tensor, blocked: tf.Tensor, bias: tf.Tensor, alpha: tf.Tensor
) -> tf.Tensor:
    """PNet's first block: 3x3 valid convolution, PReLU, then 2x2 max pooling ('SAME'), which
    on 2x2 blocks is the maximum over each block's four outputs."""
    height, width = tf.shape(x)[1], tf.shape(x)[2]
    y = _prelu(tf.nn.bias_add(_blocks(x, blocked), tf.tile(bias, [4])), tf.tile(alpha, [1, 1, 4]))
    shape = tf.shape(y)
    y = tf.reshape(y, [shape[0], shape[1], shape[2], 4, bias.shape[0]])

    def without_padding() -> tf.Tensor:
        # With an odd side the convolution has an odd size, and the last pooling window holds
        # one real output, not two: mask the block position computed from padding.
        last_row = tf.equal(tf.range(shape[1]), shape[1] - 1)[:, None, None] & (height % 2 == 1)
        last_col = tf.equal(tf.range(shape[2]), shape[2] - 1)[None, :, None] & (width % 2 == 1)
        padded = (last_row & tf.constant([False, False, True, True])) | (
            last_col & tf.constant([False, True, False, True])
        )
        return tf.where(padded[None, :, :, :, None], tf.constant(-np.inf), y)

    odd = tf.logical_or(height % 2 == 1, width % 2 == 1)
    return tf.reduce_max(tf.cond(odd, without_padding, lambda: y), axis=3)


def _prelu(x: tf.Tensor, alpha: tf.Tensor) -> tf.Tensor:
    return tf.maximum(x, 0.0) + alpha * tf.minimum(x, 0.0)


def _dense(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor) -> tf.Tensor:
    return tf.nn.bias_add(tf.matmul(x, kernel), bias)


def _flatten_transposed(x: tf.Tensor) -> tf.Tensor:
    # The Caffe-trained weights expect (width, height, channels) order, as the package's Permute.
    x = tf.transpose(x, [0, 2, 1, 3])
    return tf.reshape(x, [tf.shape(x)[0], x.shape[1] * x.shape[2] * x.shape[3]])


def _face_probability(logits: tf.Tensor) -> tf.Tensor:
    return tf.nn.softmax(logits)[..., 1]


def _pnet(w: list[tf.Tensor], x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    x = _stem_conv_pool(x, w[0], w[1], w[2])
    x = _prelu(_conv(x, w[3], w[4]), w[5])
    x = _prelu(_conv(x, w[6], w[7]), w[8])
    return _conv(x, w[9], w[10]), _face_probability(_conv(x, w[11], w[12]))


def _rnet(w: list[tf.Tensor], x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    x = tf.nn.max_pool2d(_prelu(_stem_conv(x, w[0], w[1]), w[2]), 3, 2, "SAME")
    x = tf.nn.max_pool2d(_prelu(_conv(x, w[3], w[4]), w[5]), 3, 2, "VALID")
    x = _prelu(_conv(x, w[6], w[7]), w[8])
    x = _prelu(_dense(_flatten_transposed(x), w[9], w[10]), w[11])
    return _dense(x, w[12], w[13]), _face_probability(_dense(x, w[14], w[15]))


def _onet(w: list[tf.Tensor], x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    x = tf.nn.max_pool2d(_prelu(_stem_conv(x, w[0], w[1]), w[2]), 3, 2, "SAME")
    x = tf.nn.max_pool2d(_prelu(_conv(x, w[3], w[4]), w[5]), 3, 2, "VALID")
    x = tf.nn.max_pool2d(_prelu(_conv(x, w[6], w[7]), w[8]), 2, 2, "SAME")
    x = _prelu(_conv(x, w[9], w[10]), w[11])
    x = _prelu(_dense(_flatten_transposed(x), w[12], w[13]), w[14])
    offsets, landmarks = _dense(x, w[15], w[16]), _dense(x, w[17], w[18])
    return offsets, landmarks, _face_probability(_dense(x, w[19], w[20]))


@dataclass(frozen=True)
class Networks:
    """Compiled graph calls; each takes and returns tensors, and is traced once for any size.

    - ``scan(images, size, levels, threshold)``: uint8 images, normalised and resized to
      ``size``, then PNet over each pyramid level (``levels``: (L, 2) sizes). Returns the
      normalised images and, for every window whose face probability is above ``threshold``:
      its level, its ``[image, y, x]`` in the level's output map, and ``[probability, 4 offsets]``.
    - ``rnet(images, boxes, indices)`` and ``onet(...)``: the networks on crops of the
      normalised images (``crop_and_resize`` boxes); (offsets, [landmarks,] probability).
    """

    scan: tf.types.experimental.ConcreteFunction
    rnet: tf.types.experimental.ConcreteFunction
    onet: tf.types.experimental.ConcreteFunction


def _weights(name: str) -> list[tf.Tensor]:
    arrays = [np.asarray(array, dtype=np.float32) for array in load_weights(name)]
    arrays[0] = _blocked_kernel(arrays[0])
    return [tf.constant(array) for array in arrays]


def _normalise(images: tf.Tensor, size: tf.Tensor) -> tf.Tensor:
    # (x - 127.5) / 128 is exact in float32 for uint8 input: the package's float64 values.
    # Under the size cap, the uint8 image is resized first: a 40 MP photo in float32 would
    # take 480 MB for a moment.
    same = tf.reduce_all(tf.equal(tf.shape(images)[1:3], size))
    pixels = tf.cond(
        same,
        lambda: tf.cast(images, tf.float32),
        lambda: tf.image.resize(images, size, method="area"),
    )
    return (pixels - 127.5) / 128.0


def _scan(
    weights: list[tf.Tensor],
    images: tf.Tensor,
    size: tf.Tensor,
    levels: tf.Tensor,
    threshold: tf.Tensor,
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    # One graph call for the whole pyramid: the levels loop inside TensorFlow, and only the
    # windows above the threshold come back to Python.
    x = _normalise(images, size)

    def scan_level(level, found_levels, found_windows, found_values):
        offsets, probability = _pnet(weights, tf.image.resize(x, levels[level], method="area"))
        windows = tf.where(probability > threshold)  # row-major order, as NumPy's nonzero
        values = tf.concat(
            [tf.gather_nd(probability, windows)[:, None], tf.gather_nd(offsets, windows)], axis=1
        )
        return (
            level + 1,
            found_levels.write(level, tf.fill([tf.shape(windows)[0]], level)),
            found_windows.write(level, tf.cast(windows, tf.int32)),
            found_values.write(level, values),
        )

    count = tf.shape(levels)[0]
    _, found_levels, found_windows, found_values = tf.while_loop(
        lambda level, *_: level < count,
        scan_level,
        (
            tf.constant(0),
            tf.TensorArray(tf.int32, size=count, element_shape=[None]),
            tf.TensorArray(tf.int32, size=count, element_shape=[None, 3]),
            tf.TensorArray(tf.float32, size=count, element_shape=[None, 5]),
        ),
    )
    return x, found_levels.concat(), found_windows.concat(), found_values.concat()


def load_networks() -> Networks:
    """Build the graphs over the package's PNet, RNet and ONet weights."""
    pnet_w, rnet_w, onet_w = _weights("pnet.lz4"), _weights("rnet.lz4"), _weights("onet.lz4")

    def scan(images, size, levels, threshold):
        return _scan(pnet_w, images, size, levels, threshold)

    def rnet(images: tf.Tensor, boxes: tf.Tensor, indices: tf.Tensor):
        return _rnet(rnet_w, tf.image.crop_and_resize(images, boxes, indices, (24, 24)))

    def onet(images: tf.Tensor, boxes: tf.Tensor, indices: tf.Tensor):
        return _onet(onet_w, tf.image.crop_and_resize(images, boxes, indices, (48, 48)))

    scan_inputs = (
        tf.TensorSpec((None, None, None, 3), tf.uint8),
        _SIZE,
        tf.TensorSpec((None, 2), tf.int32),
        tf.TensorSpec((), tf.float32),
    )
    # Plain graphs, no AutoGraph: nothing here needs Python control flow converted.
    return Networks(
        scan=tf.function(scan, autograph=False).get_concrete_function(*scan_inputs),
        rnet=tf.function(rnet, autograph=False).get_concrete_function(_IMAGES, _BOXES, _INDICES),
        onet=tf.function(onet, autograph=False).get_concrete_function(_IMAGES, _BOXES, _INDICES),
    )
