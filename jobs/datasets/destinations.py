"""Where a finished archive goes: a local file, or the object store (``store://KEY``)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jobs.storage import get_object_store

STORE_SCHEME = "store://"
CONTENT_TYPE = "application/gzip"


@dataclass(frozen=True)
class Destination:
    """Exactly one of a local path and an object-store key."""

    path: Path | None = None
    store_key: str | None = None

    @classmethod
    def parse(cls, text: str) -> Destination:
        """``store://exports/x.tar.gz`` is a key in the object store, anything else a path."""
        if text.startswith(STORE_SCHEME):
            key = text[len(STORE_SCHEME) :]
            if not key or key.startswith("/") or ".." in key.split("/") or key.endswith("/"):
                raise ValueError(f"not a valid object-store key: {key!r}")
            return cls(store_key=key)
        if not text:
            raise ValueError("the output path is empty")
        return cls(path=Path(text).expanduser().resolve())

    def describe(self) -> str:
        return f"{STORE_SCHEME}{self.store_key}" if self.store_key else str(self.path)

    def scratch_file(self) -> Path:
        """A temporary file to build the archive in: beside the output for a local path (so
        that the final rename is atomic), in the system's temporary folder otherwise."""
        folder = self.path.parent if self.path else None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=".dataset-", suffix=".tar.gz.part")
        os.close(fd)
        return Path(name)

    def save(self, scratch: Path) -> tuple[int, str]:
        """Move the built archive into place; returns its size and SHA-256."""
        size, sha256 = _size_and_sha256(scratch)
        if self.path is not None:
            os.replace(scratch, self.path)
        else:
            # The store's put takes bytes: the archive is read into memory once, here.
            get_object_store().put(
                self.store_key, scratch.read_bytes(), content_type=CONTENT_TYPE, sha256=sha256
            )
            scratch.unlink(missing_ok=True)
        return size, sha256


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()
