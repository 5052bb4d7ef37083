"""Reads for the reports: who receives them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model


def report_recipients() -> list[str]:
    """REPORT_RECIPIENTS, then the active staff who opted in (``receives_reports``); each
    address once, compared without case, in that order."""
    staff = (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True, receives_reports=True)
        .order_by("pk")
    )
    email_field = get_user_model().get_email_field_name()
    addresses = [*settings.REPORT_RECIPIENTS, *staff.values_list(email_field, flat=True)]
    seen: set[str] = set()
    unique = []
    for address in addresses:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique
