"""A server certificate for the chat services' real hostnames, signed by the test CA of
``tests/connectors/email/certificates.py``: clients that trust only that CA (REQUESTS_CA_BUNDLE)
verify the fake services exactly as they would verify the real ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.connectors.email.certificates import ServerCertificate, make_certificate, write_pem


def ca_and_service_certificate(
    directory: Path, hostnames: list[str]
) -> tuple[ServerCertificate, ServerCertificate]:
    """(the test CA, a certificate for ``hostnames`` it signed), as PEM files in ``directory``."""
    ca = make_certificate(directory)
    return ca, _issue(ca, hostnames, directory)


def _issue(ca: ServerCertificate, hostnames: list[str], directory: Path) -> ServerCertificate:
    issuer = x509.load_pem_x509_certificate(ca.certificate.read_bytes())
    issuer_key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    assert isinstance(issuer_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in hostnames]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    paths = ServerCertificate(directory / "services-cert.pem", directory / "services-key.pem")
    return write_pem(paths, certificate, key)
