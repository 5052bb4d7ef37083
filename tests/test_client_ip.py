"""The client address recorded on events and used for per-address rate limits."""

import pytest

from accounts.clients import client_ip

PEER = "192.0.2.10"


def meta(forwarded: str | None = None) -> dict:
    values = {"REMOTE_ADDR": PEER}
    if forwarded is not None:
        values["HTTP_X_FORWARDED_FOR"] = forwarded
    return values


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_ip(meta("198.51.100.7")) == PEER
    assert client_ip(meta()) == PEER


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "198.51.100.7", "198.51.100.7"),  # fewer hops than proxies: the leftmost
        (1, "  ", PEER),
        (1, None, PEER),
    ],
)
def test_with_trusted_proxies_the_nth_entry_from_the_right(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    assert client_ip(meta(forwarded)) == expected


def test_a_missing_peer_is_none(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_ip({}) is None
