"""Dataset exports built from real jobs (real worker, real model, test photos), read back."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

from accounts.models import User
from jobs.datasets import services as datasets_services
from jobs.datasets.selection import Selection
from jobs.datasets.services import export_key, run_export
from jobs.models import DatasetExport, Job
from jobs.storage import ObjectMissing, get_object_store
from tests.conftest import submit_and_wait, wait_until
from tests.images import with_exif_orientation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]

MISSED = {"x": 5, "y": 5, "width": 40, "height": 40}
LANDMARKS = ["left_eye", "right_eye", "nose", "mouth_left", "mouth_right"]


def run_job(client, data: bytes) -> dict:
    """Submit an image over the API and wait for the worker's result."""
    job = submit_and_wait(client, data)
    assert job["status"] == "succeeded", job
    return job


def give_feedback(client, job: dict, body: dict) -> None:
    response = client.post(f"/api/v1/jobs/{job['id']}/feedback", body, format="json")
    assert response.status_code == 201, response.content


def export(path: Path | str, *options: str) -> tuple[dict[str, bytes], str, str]:
    """Run the command; returns the archive's members, its stdout and its stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("export_dataset", "--output", str(path), *options, stdout=out, stderr=err)
    data = Path(path).read_bytes() if not str(path).startswith("store://") else None
    if data is None:
        data = get_object_store().get(str(path)[len("store://") :])
    return read_archive(data), out.getvalue(), err.getvalue()


def read_archive(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {member.name: archive.extractfile(member).read() for member in archive}


def check_manifest(members: dict[str, bytes]) -> dict:
    """The manifest lists every other member with its true SHA-256 and size."""
    manifest = json.loads(members["manifest.json"])
    assert set(manifest["files"]) == set(members) - {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256(members[name]).hexdigest(), name
        assert entry["size_bytes"] == len(members[name])
    return manifest


def load_coco(data: bytes, tmp_path: Path) -> dict:
    """Load the COCO file with pycocotools when it is installed, else check its schema."""
    path = tmp_path / "instances.json"
    path.write_bytes(data)
    document = json.loads(data)
    try:
        from pycocotools.coco import COCO
    except ImportError:
        assert {"images", "annotations", "categories"} <= set(document)
        for image in document["images"]:
            assert {"id", "file_name", "width", "height"} <= set(image)
        for annotation in document["annotations"]:
            assert {"id", "image_id", "category_id", "bbox", "area", "iscrowd"} <= set(annotation)
        return document
    coco = COCO(str(path))
    assert sorted(coco.getImgIds()) == [image["id"] for image in document["images"]]
    assert coco.loadCats(coco.getCatIds())[0]["keypoints"] == LANDMARKS
    for image in document["images"]:
        loaded = coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
        assert loaded == [a for a in document["annotations"] if a["image_id"] == image["id"]]
    return document


def annotations_of(document: dict, job_id: str) -> list[dict]:
    image = next(image for image in document["images"] if image["job_id"] == job_id)
    return [a for a in document["annotations"] if a["image_id"] == image["id"]]


def parse_wider(text: str) -> dict[str, list[list[int]]]:
    """WIDER FACE bbx_gt: path, count, count box lines (one line of zeros when count is 0)."""
    lines = iter(text.splitlines())
    boxes = {}
    for path in lines:
        count = int(next(lines))
        rows = [[int(v) for v in next(lines).split()] for _ in range(max(count, 1))]
        assert all(len(row) == 10 for row in rows)
        boxes[path] = [row[:4] for row in rows[:count]]
    return boxes


def model_box(face: dict) -> list[int]:
    box = face["box"]
    return [box["x"], box["y"], box["width"], box["height"]]


def test_coco_export_holds_the_job_results_with_feedback_applied(account, photo, tmp_path):
    _, _, client = account
    group = run_job(client, photo("multiface.jpg"))
    ivan = run_job(client, photo("ivan.jpg"))
    empty = run_job(client, photo("no-faces.jpg"))
    ivan_faces = ivan["result"]["faces"]
    poster = [i for i, face in enumerate(ivan_faces) if face["confidence"] < 0.9]
    assert len(poster) == 1  # MTCNN's false face in the background (testdata/README.md)
    give_feedback(
        client, ivan, {"correct": False, "false_positives": poster, "missed_faces": [MISSED]}
    )
    give_feedback(client, group, {"correct": True})

    members, out, err = export(tmp_path / "faces.tar.gz", "--format", "coco")

    manifest = check_manifest(members)
    assert "exporting" in err and "3/3" in err
    assert "Exported 3 images with 8 faces" in out
    assert manifest["counts"]["images"] == 3 and manifest["counts"]["annotations"] == 8
    assert manifest["counts"]["feedback_faces"] == 1
    assert manifest["counts"]["removed_false_positives"] == 1
    assert manifest["selection"]["order"] == "newest" and manifest["format"] == "coco"
    document = load_coco(members[manifest["annotations"]], tmp_path)
    for job, name in ((group, "multiface.jpg"), (ivan, "ivan.jpg"), (empty, "no-faces.jpg")):
        image = next(i for i in document["images"] if i["job_id"] == job["id"])
        assert members[image["file_name"]] == photo(name)  # file_name is the archive path
        assert (image["width"], image["height"]) == (job["image"]["width"], job["image"]["height"])

    group_annotations = annotations_of(document, group["id"])
    assert [a["bbox"] for a in group_annotations] == [
        model_box(f) for f in group["result"]["faces"]
    ]
    for annotation, face in zip(group_annotations, group["result"]["faces"], strict=True):
        expected = [v for name in LANDMARKS for v in (*face["landmarks"][name], 2)]
        assert annotation["keypoints"] == expected and annotation["num_keypoints"] == 5
        assert annotation["score"] == face["confidence"] and annotation["source"] == "model"
        assert annotation["area"] == face["box"]["width"] * face["box"]["height"]
        assert annotation["category_id"] == 1 and annotation["iscrowd"] == 0

    kept, added = annotations_of(document, ivan["id"])
    real_face = ivan_faces[1 - poster[0]]
    assert kept["bbox"] == model_box(real_face) and kept["source"] == "model"
    assert added["bbox"] == [5, 5, 40, 40] and added["source"] == "feedback"
    assert added["num_keypoints"] == 0 and added["keypoints"] == [0] * 15
    assert added["score"] is None
    assert annotations_of(document, empty["id"]) == []


def test_wider_export_parses_with_feedback_applied(account, photo, tmp_path):
    _, _, client = account
    ivan = run_job(client, photo("ivan.jpg"))
    empty = run_job(client, photo("no-faces.jpg"))
    faces = ivan["result"]["faces"]
    poster = [i for i, face in enumerate(faces) if face["confidence"] < 0.9]
    give_feedback(
        client, ivan, {"correct": False, "false_positives": poster, "missed_faces": [MISSED]}
    )

    members, _, _ = export(tmp_path / "faces.tar.gz", "--format", "wider")

    manifest = check_manifest(members)
    boxes = parse_wider(members[manifest["annotations"]].decode())
    assert set(boxes) == {entry["file"] for entry in manifest["images"]} <= set(members)
    by_job = {entry["job_id"]: entry["file"] for entry in manifest["images"]}
    kept = [model_box(face) for i, face in enumerate(faces) if i not in poster]
    assert boxes[by_job[ivan["id"]]] == [*kept, [5, 5, 40, 40]]
    assert boxes[by_job[empty["id"]]] == []


def test_exif_rotated_input_is_exported_upright(account, photo, tmp_path):
    _, _, client = account
    job = run_job(client, with_exif_orientation(photo("kate_siegel.jpg"), 6))

    members, _, _ = export(tmp_path / "faces.tar.gz")

    manifest = check_manifest(members)
    (entry,) = manifest["images"]
    assert entry["reencoded"] is True and manifest["counts"]["reencoded_images"] == 1
    stored = Image.open(io.BytesIO(members[entry["file"]]))
    # Without applying any EXIF tag, the pixels are the size the boxes refer to.
    assert stored.size == (job["image"]["width"], job["image"]["height"]) == (1125, 1612)
    assert stored.getexif().get(0x0112, 1) == 1


def test_active_order_puts_uncertain_and_negative_feedback_first(account, photo, tmp_path):
    _, _, client = account
    wrong = run_job(client, photo("no-faces.jpg"))
    give_feedback(client, wrong, {"correct": False, "missed_faces": [MISSED]})
    unsure = run_job(client, photo("ivan.jpg"))  # one face at 0.855, in the uncertain band
    sure = run_job(client, photo("no-faces.jpg"))  # newest, no face, no feedback

    newest, _, _ = export(tmp_path / "newest.tar.gz", "--format", "coco")
    active, _, _ = export(tmp_path / "active.tar.gz", "--order", "active")
    limited, _, _ = export(tmp_path / "limited.tar.gz", "--order", "active", "--limit", "2")

    order = [e["job_id"] for e in check_manifest(newest)["images"]]
    assert order == [sure["id"], unsure["id"], wrong["id"]]
    manifest = check_manifest(active)
    assert [e["job_id"] for e in manifest["images"]] == [wrong["id"], unsure["id"], sure["id"]]
    priorities = [e["priority"] for e in manifest["images"]]
    assert priorities[0]["negative_feedback"] and priorities[0]["corrected_faces"] == 1
    assert priorities[1]["uncertain_faces"] == 1 and not priorities[1]["negative_feedback"]
    assert priorities[2] == {
        "negative_feedback": False,
        "corrected_faces": 0,
        "uncertain_faces": 0,
        "lowest_confidence": 1.0,
    }
    coco = json.loads(active[manifest["annotations"]])
    assert [i["job_id"] for i in coco["images"]] == [wrong["id"], unsure["id"], sure["id"]]
    manifest = check_manifest(limited)
    assert [e["job_id"] for e in manifest["images"]] == [wrong["id"], unsure["id"]]
    assert manifest["selection"]["limit"] == 2 and manifest["selection"]["order"] == "active"


def test_feedback_only_and_date_range_select_jobs(account, photo, tmp_path):
    _, _, client = account
    old = run_job(client, photo("no-faces.jpg"))
    recent = run_job(client, photo("no-faces.jpg"))
    unrated = run_job(client, photo("no-faces.jpg"))
    give_feedback(client, old, {"correct": True})
    give_feedback(client, recent, {"correct": True})
    Job.objects.filter(pk=old["id"]).update(created_at=datetime(2020, 6, 1, tzinfo=UTC))

    def exported(*options: str, output: str | Path = tmp_path / "x.tar.gz") -> list[str]:
        members, _, _ = export(output, *options)
        return sorted(e["job_id"] for e in check_manifest(members)["images"])

    assert exported() == sorted([old["id"], recent["id"], unrated["id"]])
    assert exported("--with-feedback-only") == sorted([old["id"], recent["id"]])
    assert exported("--with-feedback-only", "--since", "2021-01-01") == [recent["id"]]
    assert exported("--until", "2021-01-01", output="store://exports/old.tar.gz") == [old["id"]]


def test_deleted_jobs_and_accounts_never_appear(account, make_account, api_client, photo, tmp_path):
    _, _, client = account
    kept = run_job(client, photo("no-faces.jpg"))
    deleted_job = run_job(client, photo("no-faces.jpg"))
    assert client.delete(f"/api/v1/jobs/{deleted_job['id']}").status_code == 204

    gone_user, gone_key = make_account()
    gone_client = api_client(gone_key)
    gone = run_job(gone_client, photo("no-faces.jpg"))
    give_feedback(gone_client, gone, {"correct": True})
    assert gone_client.delete("/api/v1/accounts/me").status_code == 202
    wait_until(lambda: not User.objects.filter(pk=gone_user.pk).exists(), message="not purged")

    leaving_user, leaving_key = make_account()
    leaving = run_job(api_client(leaving_key), photo("no-faces.jpg"))
    # The state between DELETE /accounts/me and its purge: deletion requested, rows still here.
    User.objects.filter(pk=leaving_user.pk).update(
        is_active=False, deletion_requested_at=timezone.now()
    )
    assert Job.objects.filter(pk=leaving["id"]).exists()

    members, _, _ = export(tmp_path / "faces.tar.gz")

    manifest = check_manifest(members)
    assert [e["job_id"] for e in manifest["images"]] == [kept["id"]]
    assert [name for name in members if name.startswith("images/")] == [
        manifest["images"][0]["file"]
    ]


def test_staff_api_runs_the_export_through_the_worker(
    account, make_account, api_client, photo, tmp_path
):
    _, _, client = account
    job = run_job(client, photo("no-faces.jpg"))
    give_feedback(client, job, {"correct": False, "missed_faces": [MISSED]})
    run_job(client, photo("no-faces.jpg"))  # no feedback: left out below
    _, staff_key = make_account(staff=True)
    staff = api_client(staff_key)

    body = {"format": "wider", "with_feedback_only": True, "since": "2020-01-01T00:00:00Z"}
    response = staff.post("/api/v1/datasets/exports", body, format="json")
    assert response.status_code == 202, response.content
    started = response.json()
    assert started["status"] == "queued" and response["Location"] == started["links"]["self"]
    url = f"/api/v1/datasets/exports/{started['id']}"
    wait_until(lambda: staff.get(url).json()["status"] in ("succeeded", "failed"), timeout=120)
    done = staff.get(url).json()
    assert done["status"] == "succeeded", done
    assert done["selection"]["with_feedback_only"] is True and done["format"] == "wider"
    assert done["selection"]["since"] == "2020-01-01T00:00:00+00:00"
    assert done["counts"]["images"] == 1 and done["counts"]["feedback_faces"] == 1
    archive = done["archive"]
    assert archive["location"] == f"store://{archive['key']}"
    assert (
        archive["key"]
        == f"exports/{started['created_at'][:10].replace('-', '/')}/{started['id']}.tar.gz"
    )
    data = get_object_store().get(archive["key"])
    assert hashlib.sha256(data).hexdigest() == archive["sha256"]
    assert len(data) == archive["size_bytes"]
    members = read_archive(data)
    manifest = check_manifest(members)
    assert [e["job_id"] for e in manifest["images"]] == [job["id"]]

    # The same work as the command: the same annotations for the same selection.
    by_command, _, _ = export(
        tmp_path / "same.tar.gz",
        "--format",
        "wider",
        "--with-feedback-only",
        "--since",
        "2020-01-01",
    )
    assert by_command[manifest["annotations"]] == members[manifest["annotations"]]


def test_export_api_is_staff_only(account, make_account, api_client):
    _, _, client = account
    response = client.post("/api/v1/datasets/exports", {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    _, staff_key = make_account(staff=True)
    staff = api_client(staff_key)
    missing = staff.get("/api/v1/datasets/exports/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    bad = staff.post(
        "/api/v1/datasets/exports", {"uncertain_low": 0.9, "uncertain_high": 0.5}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_selection"
    assert (
        client.get("/api/v1/datasets/exports/00000000-0000-0000-0000-000000000000").status_code
        == 403
    )
    assert api_client().post("/api/v1/datasets/exports", {}, format="json").status_code == 401


@pytest.mark.parametrize(
    "options",
    [
        ["--output", "store://../escape.tar.gz"],
        ["--output", "x.tar.gz", "--since", "yesterday"],
        ["--output", "x.tar.gz", "--limit", "0"],
        ["--output", "x.tar.gz", "--since", "2026-02-01", "--until", "2026-01-01"],
    ],
)
def test_bad_command_options_are_refused(options):
    with pytest.raises(CommandError):
        call_command("export_dataset", *options, stdout=io.StringIO(), stderr=io.StringIO())


def queued_export(requested_by) -> DatasetExport:
    """An export row, run below by calling the service (no message: no worker races it)."""
    export = DatasetExport(
        requested_by=requested_by, format="wider", selection=Selection().as_dict()
    )
    export.output_key = export_key(export)
    export.save(force_insert=True)
    return export


def test_an_export_past_its_time_limit_fails_with_a_reason(account, photo, settings):
    # The I/O worker's thread pool does not enforce Celery's time limits: the export does.
    user, _, client = account
    run_job(client, photo("no-faces.jpg"))
    export = queued_export(user)
    settings.DATASET_EXPORT_TIME_LIMIT = -1  # already past, at the first job
    run_export(export.pk)
    export.refresh_from_db()
    assert export.status == "failed"
    assert export.error.startswith("ExportTimedOut: the export ran past DATASET_EXPORT_TIME_LIMIT")


def test_a_run_that_was_taken_over_does_not_record_its_outcome(account, photo, monkeypatch):
    user, _, client = account
    run_job(client, photo("no-faces.jpg"))
    export = queued_export(user)
    real = datasets_services.export_dataset

    def taken_over_meanwhile(**kwargs):
        result = real(**kwargs)
        # Another worker reran the export (its claim: a later started_at) while this one ran.
        DatasetExport.objects.filter(pk=export.pk).update(started_at=timezone.now())
        return result

    monkeypatch.setattr(datasets_services, "export_dataset", taken_over_meanwhile)
    run_export(export.pk)
    export.refresh_from_db()
    assert export.status == "running" and export.finished_at is None


def test_deleting_an_account_withdraws_the_exports_holding_its_images(
    account, make_account, api_client, photo
):
    leaving, leaving_key = make_account()
    staying, _, staying_client = account
    run_job(api_client(leaving_key), photo("no-faces.jpg"))
    kept_job = run_job(staying_client, photo("no-faces.jpg"))
    give_feedback(staying_client, kept_job, {"correct": True})
    both = queued_export(staying)
    run_export(both.pk)
    only_staying = queued_export(staying)
    only_staying.selection = Selection(with_feedback_only=True).as_dict()
    only_staying.save(update_fields=["selection"])
    run_export(only_staying.pk)
    both.refresh_from_db()
    only_staying.refresh_from_db()
    assert both.status == only_staying.status == "succeeded"
    assert sorted(both.account_ids) == sorted([leaving.pk, staying.pk])
    assert only_staying.account_ids == [staying.pk]

    assert api_client(leaving_key).delete("/api/v1/accounts/me").status_code == 202
    wait_until(lambda: not User.objects.filter(pk=leaving.pk).exists(), message="not purged")
    both.refresh_from_db()
    only_staying.refresh_from_db()
    assert both.status == "withdrawn" and both.sha256 == "" and "deleted" in both.error
    with pytest.raises(ObjectMissing):
        get_object_store().get(both.output_key)
    assert only_staying.status == "succeeded"
    assert get_object_store().get(only_staying.output_key)
