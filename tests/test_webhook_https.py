"""HTTPS deliveries connect to the checked address yet verify the certificate against the
URL's host name (SNI and hostname check): a trusted certificate for that name is accepted, an
untrusted or mismatched one is a network error, retried."""

import datetime
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from jobs.webhooks import dispatch
from jobs.webhooks.models import WebhookDelivery
from tests.webhook_factories import failed_job
from tests.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool, dns_name=None):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns_name:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False
        )
    return builder.sign(signing_key, hashes.SHA256())


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def https_receiver(tmp_path):
    """Returns (start(host_name) -> receiver, path of the CA that signed its certificate)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate(_name("test CA"), _name("test CA"), ca_key.public_key(), ca_key, ca=True)
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(_pem(ca_cert))
    receivers = []

    def start(host_name: str) -> WebhookReceiver:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(
            _name(host_name), ca_cert.subject, key.public_key(), ca_key, ca=False,
            dns_name=host_name,
        )  # fmt: skip
        chain, key_file = tmp_path / f"{host_name}.pem", tmp_path / f"{host_name}.key"
        chain.write_bytes(_pem(cert))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, key_file)
        receivers.append(WebhookReceiver(tls=context))
        return receivers[-1]

    yield start, ca_file
    for receiver in receivers:
        receiver.close()


def deliver_to(user, url: str):
    delivery = WebhookDelivery.objects.get(job=failed_job(user, webhook_url=url))
    return dispatch.deliver(delivery_id=str(delivery.pk))


def test_trusted_certificate_for_the_host_name_is_accepted(account, https_receiver, monkeypatch):
    start, ca_file = https_receiver
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # OpenSSL's default trust store
    receiver = start("localhost")
    user, _, _ = account

    attempt = deliver_to(user, receiver.url(host="localhost"))

    assert attempt.outcome == "succeeded" and attempt.status_code == 200, attempt.error
    [received] = receiver.received
    assert received.headers["Host"] == f"localhost:{receiver.port}"


def test_untrusted_certificate_is_refused_and_retried(account, https_receiver):
    start, _ = https_receiver
    receiver = start("localhost")
    user, _, _ = account

    attempt = deliver_to(user, receiver.url(host="localhost"))

    assert attempt.outcome == "retry" and attempt.status_code is None
    assert "certificate" in attempt.error.lower()
    assert receiver.received == []


def test_certificate_for_another_name_is_refused(account, https_receiver, monkeypatch):
    start, ca_file = https_receiver
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    receiver = start("example.org")
    user, _, _ = account

    attempt = deliver_to(user, receiver.url(host="localhost"))

    assert attempt.outcome == "retry" and attempt.status_code is None
    assert "certificate" in attempt.error.lower() or "hostname" in attempt.error.lower()
    assert receiver.received == []
