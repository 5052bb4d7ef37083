"""DRF authentication by API key: ``Authorization: Api-Key <key>`` or ``X-API-Key: <key>``."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from accounts.selectors import find_active_key
from accounts.services import touch_key

SCHEME = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Looks the key up on every request, so a revoked key fails on the very next one."""

    def authenticate(self, request):
        raw = self._presented_key(request)
        if raw is None:
            return None
        key = find_active_key(raw)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        touch_key(key)
        return key.user, key

    def authenticate_header(self, request) -> str:
        return SCHEME

    @staticmethod
    def _presented_key(request) -> str | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() == SCHEME.lower() and value.strip():
                return value.strip()
            if scheme.lower() == SCHEME.lower():
                raise exceptions.AuthenticationFailed("Empty API key.")
            return None
        value = request.META.get("HTTP_X_API_KEY", "").strip()
        return value or None
