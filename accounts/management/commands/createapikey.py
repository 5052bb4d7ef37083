"""`python manage.py createapikey EMAIL [--staff] [--name NAME]`: print a new key, only."""

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.clients import SYSTEM
from accounts.models import User
from insights import events
from insights.services import record_event


class Command(BaseCommand):
    help = "Create the user if needed, then create an API key and print it (only it) on stdout."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="cli", help="a name for the key")
        parser.add_argument("--staff", action="store_true", help="make the account staff")

    def handle(self, *args, email: str, name: str, staff: bool, **options) -> None:
        email = services.normalize_email(email)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, is_staff=staff)
            record_event(events.USER_SIGNED_UP, user_id=user.pk, **SYSTEM.as_fields())
        elif not user.is_active or user.deletion_requested_at:
            raise CommandError(f"{email} is deactivated or being deleted.")
        elif staff and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        _, raw = services.create_key(user=user, name=name, client=SYSTEM)
        self.stdout.write(raw)
