"""Alexa's own API, stood in for over real HTTPS on 127.0.0.1 (a free port).

The skill's requests name this server as ``context.System.apiEndpoint``, so the ASK SDK's real
service clients and ask-sdk-core's ``DefaultApiClient`` (``requests``, TLS verification and
all) are exercised end to end. The certificate is a throwaway root and a leaf for 127.0.0.1;
``requests`` trusts the root through ``REQUESTS_CA_BUNDLE`` (set by the fixture).
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path

from certs import _ca_usage
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from skill.local.alexa_standin import AlexaStandIn

API_TOKEN = "test-api-access-token"
"""The bearer token the simulated requests carry and the stand-in insists on."""


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    """The root certificate to trust (PEM)."""
    chain: Path
    key: Path


def make_tls(directory: Path) -> TlsFiles:
    """A root CA and a server certificate for 127.0.0.1 signed by it, written as PEM files."""
    now = datetime.now(timezone.utc)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Knee Coach test root")])
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "chain.pem", directory / "key.pem")
    files.ca.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    files.chain.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


def _handler_for(standin: AlexaStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else None
            status, text = standin.handle(
                self.command, self.path, self.headers.get("Authorization"), body
            )
            payload = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = do_PUT = _answer

        def log_message(self, format: str, *args: object) -> None:  # quiet in tests
            pass

    return Handler


@dataclass
class RunningStandIn:
    standin: AlexaStandIn
    url: str
    ca_file: Path


@contextmanager
def serving(standin: AlexaStandIn, directory: Path) -> Iterator[RunningStandIn]:
    """Serve ``standin`` over HTTPS on 127.0.0.1 at a free port until the block ends."""
    tls = make_tls(directory)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(standin))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.chain, tls.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RunningStandIn(standin, f"https://127.0.0.1:{server.server_address[1]}", tls.ca)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
