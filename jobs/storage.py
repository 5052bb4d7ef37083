"""The object store holding every input image: a local folder by default, S3 in production.

Keys are laid out by date, account and job (``inputs/2026/11/25/<user>/<job>.jpg``); each
object carries its content type and SHA-256.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from jobs.errors import StoreUnavailable

EXTENSIONS = {
    "JPEG": "jpg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "BMP": "bmp",
    "TIFF": "tiff",
}


class ObjectMissing(Exception):
    """The object is not in the store (deleted, or never written)."""


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes, *, content_type: str, sha256: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def check(self) -> None: ...
    def describe(self) -> str: ...


def input_key(*, created_at: datetime, user_id: int, job_id: str, image_format: str) -> str:
    """Where a job's input image lives in the store."""
    extension = EXTENSIONS.get(image_format, "bin")
    return f"inputs/{created_at:%Y/%m/%d}/{user_id}/{job_id}.{extension}"


class LocalObjectStore:
    """Objects as files under a folder; metadata in a JSON file beside each one."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return f"local folder {self.root}"

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"object key escapes the store: {key!r}")
        return path

    def put(self, key: str, data: bytes, *, content_type: str, sha256: str) -> None:
        path = self._path(key)
        meta = json.dumps({"content_type": content_type, "sha256": sha256, "size": len(data)})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write_atomically(path, data)
            self._write_atomically(path.with_name(path.name + ".meta.json"), meta.encode())
        except OSError as exc:  # full, read-only, not ours: the store is unavailable, 503
            self._discard(path)
            raise StoreUnavailable(f"Could not write {key} to the store: {exc.strerror}") from exc

    @staticmethod
    def _write_atomically(path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc
        except OSError as exc:  # unreadable for now (permissions, I/O): not missing
            raise StoreUnavailable(f"Could not read {key} from the store: {exc.strerror}") from exc

    def metadata(self, key: str) -> dict:
        path = self._path(key)
        try:
            return json.loads(path.with_name(path.name + ".meta.json").read_text())
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".meta.json").unlink(missing_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"Could not delete {key}: {exc.strerror}") from exc

    @staticmethod
    def _discard(path: Path) -> None:
        for leftover in (path, path.with_name(path.name + ".meta.json")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".check-"):
                pass
        except OSError as exc:
            raise StoreUnavailable(
                f"Object store folder {self.root} is not writable: {exc}"
            ) from exc


@functools.cache
def get_object_store() -> ObjectStore:
    """The configured store: S3 when S3_BUCKET is set, else the local folder."""
    if settings.S3_BUCKET:
        from jobs.storage_s3 import S3ObjectStore

        return S3ObjectStore(
            bucket=settings.S3_BUCKET,
            prefix=settings.S3_PREFIX,
            endpoint_url=settings.S3_ENDPOINT_URL,
        )
    return LocalObjectStore(settings.OBJECT_STORE_DIR)


@receiver(setting_changed)
def _reset_store(setting: str, **kwargs) -> None:
    if setting in {"S3_BUCKET", "S3_PREFIX", "S3_ENDPOINT_URL", "OBJECT_STORE_DIR"}:
        get_object_store.cache_clear()
