"""Which webhook targets are allowed: http(s) URLs whose host resolves only to public addresses.

Checked at submit and registration (``validate_webhook_url``, a 400) and again before every
delivery attempt (``resolve_webhook_target``), whose caller connects to the checked address
itself: a second DNS answer (rebinding) never reaches the socket.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from jobs.errors import InvalidWebhookUrl, WebhookHostUnresolved

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}

# Allowed only with WEBHOOK_ALLOW_PRIVATE_NETWORKS (development, tests), besides loopback.
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits, and so reaches it.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class WebhookTarget:
    """A checked URL: where to connect, and what to say in the request."""

    scheme: str
    hostname: str  # for the Host header, SNI and the certificate check
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]  # every address the host resolved to, each one allowed

    @property
    def host_header(self) -> str:
        host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def validate_webhook_url(url: str) -> None:
    """Refuse a webhook URL that is malformed or reaches a refused network (a 400)."""
    resolve_webhook_target(url)


def resolve_webhook_target(url: str) -> WebhookTarget:
    """Parse the URL, resolve its host and check every address; InvalidWebhookUrl if refused,
    WebhookHostUnresolved (a subclass) if the host does not resolve."""
    scheme, hostname, port, path = _parse(url)
    addresses = _resolve(hostname, port)
    for address in addresses:
        reason = refusal_reason(address)
        if reason is None:
            continue
        if _literal_address(hostname) is not None:  # the client wrote it: say what is wrong
            raise InvalidWebhookUrl(
                f"webhook_url's address {hostname} is {reason}; only public addresses are allowed."
            )
        # A name: the answer must not tell the caller what our resolver knows (an internal
        # service's address, or its network's kind). The detail goes to our log.
        logger.info("webhook_url host %r refused: %s is %s", hostname, address, reason)
        raise InvalidWebhookUrl(
            "webhook_url's host resolves to an address that is not public; only public "
            "addresses are allowed."
        )
    return WebhookTarget(scheme, hostname, port, path, tuple(str(a) for a in addresses))


def refusal_reason(address: IPAddress) -> str | None:
    """Why an address may not receive webhooks (e.g. "loopback"), or None if it may."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is the IPv4 host itself
            return refusal_reason(address.ipv4_mapped)
        for embedded in _embedded_ipv4(address):
            reason = refusal_reason(embedded)
            if reason:
                return reason
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return None if allow_private else "loopback"
    if address.is_link_local:  # 169.254.169.254, the cloud metadata service, is here
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if any(address in network for network in _PRIVATE_NETWORKS):
        return None if allow_private else "private"
    if address.is_reserved or address.is_private or not address.is_global:
        return "reserved"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found = []
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.append(address.teredo[1])
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _parse(url: str) -> tuple[str, str, int, str]:
    if len(url) > MAX_URL_LENGTH:
        raise InvalidWebhookUrl(f"webhook_url is longer than {MAX_URL_LENGTH} characters.")
    if not url.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise InvalidWebhookUrl("webhook_url must be ASCII without spaces (percent-encode it).")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidWebhookUrl("webhook_url is not a valid URL.") from exc
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidWebhookUrl("webhook_url must be an absolute http or https URL.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidWebhookUrl("webhook_url must not carry credentials.")
    if "\\" in url:
        raise InvalidWebhookUrl("webhook_url must not contain backslashes.")
    if port == 0:
        raise InvalidWebhookUrl("webhook_url has an invalid port.")
    hostname = parts.hostname.rstrip(".")
    if not hostname:
        raise InvalidWebhookUrl("webhook_url must name a host.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, hostname, port or DEFAULT_PORTS[parts.scheme], path


def _literal_address(hostname: str) -> IPAddress | None:
    """The address the host is written as, or None for a name (or a numeric form only the
    resolver reads: 2130706433, 127.1)."""
    try:
        return ipaddress.ip_address(hostname)
    except ValueError:
        return None


def _resolve(hostname: str, port: int) -> list[IPAddress]:
    literal = _literal_address(hostname)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookHostUnresolved(f"webhook_url's host {hostname!r} does not resolve.") from exc
    addresses: list[IPAddress] = []
    for family, _, _, _, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise WebhookHostUnresolved(f"webhook_url's host {hostname!r} has no IP address.")
    return addresses
