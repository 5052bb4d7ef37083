"""`python manage.py checkstore`: fail loudly when the object store cannot hold our inputs."""

import hashlib
import uuid

from django.core.management.base import BaseCommand, CommandError

from jobs.errors import StoreUnavailable
from jobs.storage import ObjectMissing, get_object_store


class Command(BaseCommand):
    help = "Check the object store (bucket exists, credentials allow write, read and delete)."

    def handle(self, *args, **options) -> None:
        store = get_object_store()
        # A round trip, not just the readiness check: start-up must catch a read-only policy.
        probe = f"_checks/{uuid.uuid4().hex}"
        try:
            store.check()
            store.put(
                probe, b"ok", content_type="text/plain", sha256=hashlib.sha256(b"ok").hexdigest()
            )
            if store.get(probe) != b"ok":
                raise CommandError(f"{store.describe()}: a probe object read back differently.")
            store.delete(probe)
        except (StoreUnavailable, ObjectMissing) as exc:
            raise CommandError(f"object store unusable: {exc}") from exc
        self.stdout.write(f"object store ok: {store.describe()}")
