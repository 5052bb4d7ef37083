"""The S3 object store (AWS, MinIO or any S3-compatible server), through boto3.

Credentials and region come from boto3's usual chain (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, profiles, instance roles). Each object
carries its content type, a SHA-256 checksum that S3 verifies on upload (``ChecksumSHA256``)
and the same digest in hex as user metadata (``x-amz-meta-sha256``).
"""

from __future__ import annotations

import base64
import hashlib

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from jobs.errors import StoreUnavailable
from jobs.storage import ObjectMissing

_MISSING_KEY = {"NoSuchKey", "404", "NotFound"}
_MISSING_BUCKET = {"NoSuchBucket"}
_DENIED = {"AccessDenied", "403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


class S3ObjectStore:
    """Objects in one bucket, under an optional key prefix."""

    def __init__(self, *, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url or None
        config = Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            # MinIO and most S3-compatible servers want path-style URLs; AWS picks its own.
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
        )
        self._client = boto3.client("s3", endpoint_url=self.endpoint_url, config=config)

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"S3 bucket s3://{self.bucket}/{self.prefix}{where}"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, *, content_type: str, sha256: str) -> None:
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ContentType=content_type,
                ChecksumSHA256=checksum,
                Metadata={"sha256": sha256},
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            return response["Body"].read()
        except ClientError as exc:
            if _error_code(exc) in _MISSING_KEY:
                raise ObjectMissing(key) from exc
            raise self._unavailable(exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc) from exc

    def metadata(self, key: str) -> dict:
        """Content type, SHA-256 and size of a stored object."""
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _error_code(exc) in _MISSING_KEY:
                raise ObjectMissing(key) from exc
            raise self._unavailable(exc) from exc
        return {
            "content_type": head["ContentType"],
            "sha256": head.get("Metadata", {}).get("sha256"),
            "size": head["ContentLength"],
        }

    def delete(self, key: str) -> None:
        # S3 answers 204 for a key that is already gone: deleting twice is fine.
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc

    def check(self) -> None:
        """The bucket exists and these credentials may use it (needs s3:ListBucket)."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        """A clear message for the usual misconfigurations."""
        where = self.describe()
        if isinstance(exc, NoCredentialsError):
            return StoreUnavailable(
                f"{where}: no AWS credentials found (set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or use a profile or an instance role)."
            )
        if isinstance(exc, ClientError):
            code = _error_code(exc)
            # HEAD requests have no body, so S3 reports a missing bucket as a bare 404.
            if code in _MISSING_BUCKET or (code in {"404", "NotFound"} and _is_head_bucket(exc)):
                return StoreUnavailable(f"{where}: the bucket {self.bucket!r} does not exist.")
            if code in _DENIED:
                return StoreUnavailable(
                    f"{where}: access denied ({code}); check the AWS credentials and the "
                    "bucket policy (s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject)."
                )
            return StoreUnavailable(f"{where}: {code}: {exc}")
        return StoreUnavailable(f"{where}: cannot reach S3: {exc}")


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_head_bucket(exc: ClientError) -> bool:
    return getattr(exc, "operation_name", "") == "HeadBucket"
