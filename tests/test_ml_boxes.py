"""Box arithmetic between the MTCNN stages: the package's answers, in bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from mtcnn.utils.bboxes import smart_nms_from_bboxes

from ml import boxes


def random_rows(rng: np.random.Generator, count: int, *, extent: float = 500) -> np.ndarray:
    x1, y1 = rng.uniform(0, extent, count), rng.uniform(0, extent, count)
    width, height = rng.uniform(-2, 80, count), rng.uniform(-2, 80, count)
    scores = np.round(rng.uniform(0, 1, count), 2)  # ties, as saturated scores make them
    return np.stack([rng.integers(0, 2, count), x1, y1, x1 + width, y1 + height, scores], axis=1)


@pytest.mark.parametrize("method", ["union", "min"])
def test_suppression_keeps_the_rows_the_package_keeps(method):
    rng = np.random.default_rng(7)
    for count in (2, 30, 300, 2500):
        rows = random_rows(rng, count)
        expected = smart_nms_from_bboxes(rows.copy(), threshold=0.5, method=method)
        assert np.array_equal(boxes.suppress(rows, threshold=0.5, method=method), expected)


def test_suppression_of_a_crowd_stays_in_bounded_memory():
    # 40 000 candidates: the package's all-pairs matrices would take over 50 GB.
    rows = random_rows(np.random.default_rng(3), 40_000, extent=4000)
    tracemalloc.start()
    try:
        kept = boxes.suppress(rows, threshold=0.5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0 < len(kept) < len(rows)
    assert peak < 300 * 2**20


def test_square_boxes_keep_their_centre():
    rows = np.array([[0, 10.0, 20.0, 30.0, 60.0, 0.9]])
    square = boxes.to_square(rows)[0]
    assert square[3] - square[1] == square[4] - square[2] == 40
    assert (square[1] + square[3]) / 2 == 20 and (square[2] + square[4]) / 2 == 40
