"""Test TLS material, generated when asked: a throw-away CA and one server certificate signed by it.

The server certificate names every host the emulators answer for (ServiceNow instances, Atlassian sites,
the Atlassian API and auth hosts) plus 127.0.0.1, so clients keep full certificate and host-name
verification on: they only need the CA file (``ca_path`` / ``REQUESTS_CA_BUNDLE``). Nothing here is ever
committed: every run makes its own keys.
"""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAMES = (
    "localhost",
    "*.service-now.com",
    "*.atlassian.net",
    "api.atlassian.com",
    "auth.atlassian.com",
    "emulator.test",
)


class TLSMaterial:
    """Paths of a generated CA certificate, server certificate and server key."""

    def __init__(self, directory):
        self.directory = directory
        self.ca_path = os.path.join(directory, "ca.pem")
        self.cert_path = os.path.join(directory, "server.pem")
        self.key_path = os.path.join(directory, "server.key")

    def exists(self):
        return all(os.path.exists(p) for p in (self.ca_path, self.cert_path, self.key_path))


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "snowspoke emulator"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def generate(directory, extra_names=()):
    """Write a new CA and server certificate into ``directory`` (created if needed); return TLSMaterial."""
    os.makedirs(directory, exist_ok=True)
    material = TLSMaterial(directory)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("snowspoke emulator test CA"))
        .issuer_name(_name("snowspoke emulator test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
        ), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(n) for n in SERVER_NAMES + tuple(extra_names)]
    names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("snowspoke emulator"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    with open(material.ca_path, "wb") as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(material.cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.open(material.key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(_pem_key(key))
    return material
