"""The dataset archive: a tar.gz with ``images/``, the annotations and ``manifest.json``.

The manifest, written last, lists every other file with its SHA-256 and size. Members carry
the export time as their mtime and no owner, so the same export gives the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from datetime import datetime
from pathlib import Path

MANIFEST = "manifest.json"


class DatasetArchive:
    """Writes members one at a time (images are streamed, never all in memory)."""

    def __init__(self, path: Path, *, created_at: datetime) -> None:
        self.mtime = int(created_at.timestamp())
        self.files: dict[str, dict] = {}
        # Opened here and closed in close() or abort(): members are added between the two.
        self._raw = open(path, "wb")  # noqa: SIM115
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=6, mtime=self.mtime)
        self._tar = tarfile.open(  # noqa: SIM115
            fileobj=self._gzip, mode="w", format=tarfile.PAX_FORMAT
        )

    def add(self, name: str, data: bytes) -> None:
        """Add one file and note its checksum for the manifest."""
        if name in self.files or name == MANIFEST:
            raise ValueError(f"duplicate archive member {name!r}")
        self._add(name, data)
        self.files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data)}

    def close(self, manifest: dict) -> None:
        """Write the manifest (with the files' checksums) and finish the archive."""
        body = {**manifest, "files": self.files}
        self._add(MANIFEST, json.dumps(body, indent=2, sort_keys=True).encode())
        self._finish()

    def abort(self) -> None:
        """Close the file without a manifest (the caller deletes it)."""
        self._finish()

    def _add(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = self.mtime
        info.mode = 0o644
        self._tar.addfile(info, io.BytesIO(data))

    def _finish(self) -> None:
        try:
            self._tar.close()
            self._gzip.close()
        finally:
            self._raw.close()
