"""The MTCNN detector: the package's answers, the same faces batched or one by one, and boxes
mapped back to full resolution under the size cap. Real model, real photos; no database."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from ml.capping import detection_size
from ml.detector import DEFAULT_MAX_SIDE, MTCNNDetector, face_from_mtcnn
from ml.matching import box_iou, matched_faces, same_faces
from tests.conftest import EXPECTED_FACES, FACES_DIR


def load(name: str, size: tuple[int, int] | None = None) -> np.ndarray:
    with Image.open(FACES_DIR / name) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        return np.asarray(ImageOps.pad(image, size) if size else image)


@pytest.fixture(scope="module")
def detector() -> MTCNNDetector:
    return MTCNNDetector()


@pytest.fixture(scope="module")
def uncapped() -> MTCNNDetector:
    return MTCNNDetector(max_side=None)


def test_finds_the_known_faces_on_the_test_photos(detector):
    names = list(EXPECTED_FACES)
    found = detector.detect([load(name) for name in names])
    assert {name: len(faces) for name, faces in zip(names, found)} == EXPECTED_FACES
    # ivan.jpg: one person and, as the package also reports, a false face at 0.855.
    assert min(face.confidence for face in found[names.index("ivan.jpg")]) < 0.9


def test_answers_are_the_plain_mtcnn_loop_answers(uncapped):
    from mtcnn import MTCNN

    plain = MTCNN()
    for name in ("multiface.jpg", "ivan.jpg", "kate_siegel.jpg", "no-faces.jpg"):
        image = load(name)
        expected = [face_from_mtcnn(item) for item in plain.detect_faces(image)]
        ours = uncapped.detect([image])[0]
        assert len(ours) == len(expected), name
        assert matched_faces(expected, ours) == matched_faces(expected, expected), name
        assert matched_faces(ours, expected) == matched_faces(ours, ours), name


def test_batched_path_gives_the_single_path_faces(detector):
    # Same-size images share every graph call; the others go through alone, in the same call.
    images = [load(name, (640, 480)) for name in EXPECTED_FACES] + [load("ivan.jpg")]
    images.insert(2, load("multiface.jpg"))
    batched = detector.detect(images)
    single = [detector.detect([image])[0] for image in images]
    assert all(map(same_faces, batched, single))
    assert sum(len(faces) for faces in batched) > len(images)


def test_size_cap_maps_boxes_back_to_full_resolution(uncapped):
    image = load("multiface.jpg")  # 1200x630
    height, width = image.shape[:2]
    # Each pixel doubled: the cap's area resize gives back the very same pixels to detect on.
    doubled = np.asarray(Image.fromarray(image).resize((2 * width, 2 * height), Image.NEAREST))
    capped = MTCNNDetector(max_side=width)
    assert detection_size(2 * height, 2 * width, width) == (height, width)

    expected = uncapped.detect([image])[0]
    found = capped.detect([doubled])[0]
    assert len(found) == len(expected) == 6
    for small, large in zip(expected, found, strict=True):
        assert abs(large.x - 2 * small.x) <= 1 and abs(large.width - 2 * small.width) <= 1
        assert abs(large.y - 2 * small.y) <= 1 and abs(large.height - 2 * small.height) <= 1
        for name, (x, y) in small.landmarks.items():
            assert abs(large.landmarks[name][0] - 2 * x) <= 1
            assert abs(large.landmarks[name][1] - 2 * y) <= 1
        assert large.confidence == pytest.approx(small.confidence, abs=1e-4)


def test_size_cap_keeps_the_faces_of_a_large_photo(detector, uncapped):
    image = load("paul_rudd.jpg")  # 1638x2048: above the default cap
    assert max(image.shape) > DEFAULT_MAX_SIDE
    (capped,), (full,) = detector.detect([image]), uncapped.detect([image])
    assert box_iou(capped[0], full[0]) >= 0.9 and len(capped) == len(full) == 1


def test_images_too_small_for_a_face_have_none(detector):
    tiny = np.full((10, 14, 3), 200, dtype=np.uint8)
    assert detector.detect([tiny, load("no-faces.jpg")]) == [[], []]


def test_detection_size_keeps_the_aspect_ratio():
    assert detection_size(1080, 1920, 1920) == (1080, 1920)
    assert detection_size(3024, 4032, 1920) == (1440, 1920)
    assert detection_size(4032, 3024, None) == (4032, 3024)
    assert detection_size(5000, 3, 1000) == (1000, 1)


def test_arrays_that_are_not_rgb_uint8_are_refused(detector):
    with pytest.raises(ValueError, match="RGB uint8"):
        detector.detect([np.zeros((20, 20), dtype=np.uint8)])
    with pytest.raises(ValueError, match="RGB uint8"):
        detector.detect([np.zeros((20, 20, 3), dtype=np.float32)])
