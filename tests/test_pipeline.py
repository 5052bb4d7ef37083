"""End to end through a real worker: HTTP submit, Redis, Celery, MTCNN, poll."""

import io

import pytest
from PIL import Image

from jobs.models import Job
from jobs.storage import get_object_store
from tests.conftest import EXPECTED_FACES, submit_and_wait, submit_image, wait_for_job
from tests.images import encode, multi_picture_jpeg, with_exif_orientation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]

LANDMARKS = {"left_eye", "right_eye", "nose", "mouth_left", "mouth_right"}


@pytest.mark.parametrize("name", sorted(EXPECTED_FACES))
def test_test_photos_get_their_faces(account, photo, name):
    _, _, client = account
    job = submit_and_wait(client, photo(name))
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["face_count"] == EXPECTED_FACES[name] == len(result["faces"])
    assert result["model"]["name"] == "mtcnn" and result["model"]["version"] == "1.0.0"
    width, height = job["image"]["width"], job["image"]["height"]
    for face in result["faces"]:
        box = face["box"]
        assert 0 <= box["x"] < width and 0 <= box["y"] < height
        assert box["width"] > 0 and box["height"] > 0
        assert 0.0 < face["confidence"] <= 1.0
        assert set(face["landmarks"]) == LANDMARKS
    assert job["finished_at"] is not None and job["error"] is None


def test_min_confidence_filters_without_changing_faces(account, photo):
    _, _, client = account
    all_faces = submit_and_wait(client, photo("ivan.jpg"))["result"]["faces"]
    confident = submit_and_wait(client, photo("ivan.jpg"), min_confidence=0.9)
    assert all_faces[0]["confidence"] > 0.9
    assert confident["result"]["faces"] == [f for f in all_faces if f["confidence"] >= 0.9]
    assert confident["result"]["face_count"] == 1


def test_min_face_size_filters_small_faces(account, photo):
    _, _, client = account
    faces = submit_and_wait(client, photo("multiface.jpg"))["result"]["faces"]
    threshold = sorted(min(f["box"]["width"], f["box"]["height"]) for f in faces)[3]
    filtered = submit_and_wait(client, photo("multiface.jpg"), min_face_size=threshold)
    expected = [f for f in faces if min(f["box"]["width"], f["box"]["height"]) >= threshold]
    assert filtered["result"]["faces"] == expected and len(expected) < len(faces)


def test_exif_rotated_photo_gives_boxes_in_displayed_pixels(account, photo):
    _, _, client = account
    upright = submit_and_wait(client, photo("kate_siegel.jpg"))
    rotated = submit_and_wait(client, with_exif_orientation(photo("kate_siegel.jpg"), 6))
    assert (rotated["image"]["width"], rotated["image"]["height"]) == (1125, 1612)
    a, b = upright["result"]["faces"][0]["box"], rotated["result"]["faces"][0]["box"]
    for field in ("x", "y", "width", "height"):
        assert abs(a[field] - b[field]) <= 0.05 * a["width"], (a, b)


def test_a_phones_multi_picture_jpeg_gets_the_photos_faces(account, photo):
    _, _, client = account
    job = submit_and_wait(client, multi_picture_jpeg(photo("ivan.jpg")))
    assert job["status"] == "succeeded", job
    assert job["image"]["format"] == "JPEG"
    assert job["result"]["face_count"] == EXPECTED_FACES["ivan.jpg"]


def test_grayscale_and_transparent_png_are_processed(account, photo):
    _, _, client = account
    source = Image.open(io.BytesIO(photo("multiface.jpg")))
    gray = submit_and_wait(client, encode(source.convert("L"), "PNG"), "g.png")
    rgba = source.convert("RGBA")
    rgba.putalpha(255)
    alpha = submit_and_wait(client, encode(rgba, "PNG"), "a.png")
    assert gray["status"] == alpha["status"] == "succeeded"
    assert gray["result"]["face_count"] >= 5
    assert alpha["result"]["face_count"] == 6


def test_broken_stored_image_fails_the_job_and_the_worker_goes_on(account, photo):
    _, _, client = account
    job_id = submit_image(client, photo("no-faces.jpg"))["id"]
    job = wait_for_job(client, job_id)
    # Corrupt a stored input behind the API's back, then replay the job.
    job_row = Job.objects.get(pk=job_id)
    get_object_store().put(job_row.object_key, b"garbage", content_type="image/jpeg", sha256="0")
    Job.objects.filter(pk=job_id).update(status="queued", faces=None, face_count=None)
    from jobs.services import enqueue_detection

    enqueue_detection(job_id)
    failed = wait_for_job(client, job_id)
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "unsupported_media_type"
    assert job["status"] == "succeeded"
    after = submit_and_wait(client, photo("ivan.jpg"))
    assert after["status"] == "succeeded"


def test_events_are_recorded_with_the_outcome(account, photo):
    from insights.models import OutboxEvent

    _, _, client = account
    job_id = submit_and_wait(client, photo("multiface.jpg"))["id"]
    types = set(OutboxEvent.objects.filter(data__job_id=job_id).values_list("type", flat=True))
    assert types == {"job.submitted", "input.received", "output.produced"}
    received = OutboxEvent.objects.get(type="input.received", data__job_id=job_id).data
    assert received["width"] == 1200 and received["height"] == 630
    assert (
        0 < received["brightness"] < 255 and received["contrast"] > 0 and received["sharpness"] > 0
    )
    produced = OutboxEvent.objects.get(type="output.produced", data__job_id=job_id).data
    assert produced["face_count"] == 6 and len(produced["confidences"]) == 6
    assert produced["min_confidence"] <= produced["mean_confidence"] <= produced["max_confidence"]
    assert produced["inference_ms"] > 0 and produced["total_ms"] >= produced["inference_ms"]
