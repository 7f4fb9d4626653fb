#!/usr/bin/env python3
"""Bounded load test of ``knee-coach serve`` with verification ON, on 127.0.0.1 only.

Starts the real server (``knee-coach serve``) in a subprocess, trusting a throwaway test root
through ``KNEE_COACH_EXTRA_TRUST_ROOTS`` and with the signing chain pre-filled through
``KNEE_COACH_CERT_CACHE_DIR`` (so nothing is downloaded), then drives it from a few concurrent
clients for a fixed time with correctly signed requests, and prints requests/s, latency
percentiles and errors. Every request is fully verified (URL rules, cached chain, RSA
signature, timestamp, skill ID) and answered by the real skill.

``--server both`` also starts the *same* app (``create_app`` with the same settings and the same
number of threads) under waitress (a dev dependency, used for this comparison only) and
alternates rounds between the two, so both are measured in one run on the same (shared,
noisy) machine; it prints each server's figures and their ratio.

    .venv/bin/python scripts/load_web.py --clients 4 --seconds 10
    .venv/bin/python scripts/load_web.py --server both --rounds 2 --seconds 5

Exit status is 1 when any request failed or ``knee-coach serve``'s p99 exceeded
``--max-p99-ms``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from certs import CERT_URL, SKILL_ID, body_of, envelope, make_pki, signed_headers  # noqa: E402

from skill.web.certcache import cache_file_name  # noqa: E402

SERVERS = ("tornado", "waitress")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per round")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured warm-up per round")
    parser.add_argument("--workers", type=int, default=4, help="server request threads")
    parser.add_argument("--pool", type=int, default=400, help="distinct pre-signed requests")
    parser.add_argument("--max-p99-ms", type=float, default=20.0, help="fail above this p99")
    parser.add_argument(
        "--server",
        choices=[*SERVERS, "both"],
        default="tornado",
        help="tornado is knee-coach serve; waitress serves the same app, for comparison",
    )
    parser.add_argument("--rounds", type=int, default=1, help="rounds per server (alternated)")
    parser.add_argument("--waitress-child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def server_env(workdir: Path) -> dict[str, str]:
    pki = make_pki()
    (workdir / "root.pem").write_bytes(pki.root_pem())
    (workdir / "certs").mkdir(exist_ok=True)
    (workdir / "certs" / cache_file_name(CERT_URL)).write_bytes(pki.chain_pem())
    env = {
        **os.environ,
        "KNEE_COACH_EXTRA_TRUST_ROOTS": str(workdir / "root.pem"),
        "KNEE_COACH_CERT_CACHE_DIR": str(workdir / "certs"),
        "KNEE_COACH_SKILL_ID": SKILL_ID,
        "KNEE_COACH_PERSISTENCE": "sqlite",
        "KNEE_COACH_LOG_LEVEL": "WARNING",
    }
    env.pop("KNEE_COACH_DEV_MODE", None)
    return env


def start_server(
    kind: str, workdir: Path, env: dict[str, str], workers: int
) -> tuple[subprocess.Popen[str], int]:
    """``knee-coach serve``, or the same app under waitress; each with its own SQLite file."""
    env = {**env, "KNEE_COACH_SQLITE_PATH": str(workdir / f"progress-{kind}.db")}
    if kind == "tornado":
        command = [sys.executable, "-m", "skill.cli", "serve", "--port", "0"]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "--waitress-child"]
    command += ["--workers", str(workers)]
    log = (workdir / f"server-{kind}.log").open("w")
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=log, text=True
    )
    assert proc.stdout is not None
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
    if not match:
        proc.kill()
        raise SystemExit(f"{kind} did not start; see {workdir / f'server-{kind}.log'}")
    return proc, int(match.group(1))


def waitress_child(workers: int) -> int:
    """Serve ``create_app`` from the environment's settings under waitress until killed."""
    import waitress

    from skill.logs import configure_logging
    from skill.settings import Settings
    from skill.web.app import create_app

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_loggers)
    server = waitress.create_server(create_app(settings), host="127.0.0.1", port=0, threads=workers)
    port = server.effective_port  # type: ignore[union-attr]
    print(f"waitress listening on http://127.0.0.1:{port}/", flush=True)
    server.run()
    return 0


def signed_pool(size: int) -> list[tuple[bytes, dict[str, str]]]:
    """Fresh, distinct, signed requests (launch and help), signed before the clock starts."""
    pool = []
    for i in range(size):
        if i % 2:
            env = envelope("IntentRequest", extra_request={"intent": {"name": "AMAZON.HelpIntent"}})
        else:
            env = envelope("LaunchRequest")
        body = body_of(env)
        pool.append((body, signed_headers(body)))
    return pool


class Client(threading.Thread):
    """One keep-alive connection sending requests back to back until the deadline."""

    def __init__(self, port: int, pool: list[tuple[bytes, dict[str, str]]], offset: int) -> None:
        super().__init__(daemon=True)
        self.port, self.pool, self.offset = port, pool, offset
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.answered = 0
        self.measure_from = 0.0
        self.deadline = 0.0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        i = self.offset
        while (now := time.perf_counter()) < self.deadline:
            body, headers = self.pool[i % len(self.pool)]
            i += 1
            try:
                conn.request("POST", "/", body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                continue
            elapsed = time.perf_counter() - now
            self.answered += 1
            if now < self.measure_from:
                continue
            if response.status != 200 or b'"outputSpeech"' not in data:
                self.errors.append(f"HTTP {response.status}")
            self.latencies.append(elapsed)
        conn.close()


@dataclass
class Tally:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu_s: float | None = 0.0
    """CPU time the server process spent (user + system), where /proc tells it."""
    answered: int = 0
    """Every request the server answered, warm-up included (what its CPU time paid for)."""

    @property
    def per_s(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.cpu_s is None or not self.answered:
            return None
        return self.cpu_s * 1000 / self.answered


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc; else ``None``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_round(
    proc: subprocess.Popen[str],
    port: int,
    pool: list[tuple[bytes, dict[str, str]]],
    args: argparse.Namespace,
) -> Tally:
    clients = [Client(port, pool, offset=i * 97) for i in range(args.clients)]
    cpu_before = process_cpu_s(proc.pid)
    start = time.perf_counter()
    for client in clients:
        client.measure_from = start + args.warmup
        client.deadline = start + args.warmup + args.seconds
        client.start()
    for client in clients:
        client.join()
    cpu_after = process_cpu_s(proc.pid)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Tally(
        args.seconds,
        [x for c in clients for x in c.latencies],
        [e for c in clients for e in c.errors],
        cpu,
        sum(c.answered for c in clients),
    )


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def report(kind: str, tally: Tally, args: argparse.Namespace) -> None:
    latencies = sorted(tally.latencies)
    cpu = tally.cpu_ms_per_request
    print(
        f"server={kind} requests={len(latencies)} req/s={tally.per_s:.0f} "
        f"errors={len(tally.errors)} server_cpu_ms/request="
        + ("n/a" if cpu is None else f"{cpu:.3f}")
    )
    if not latencies:
        return
    print(
        f"  latency ms: p50={percentile(latencies, 0.5) * 1000:.2f} "
        f"p90={percentile(latencies, 0.9) * 1000:.2f} "
        f"p99={percentile(latencies, 0.99) * 1000:.2f} max={latencies[-1] * 1000:.2f} "
        f"mean={statistics.fmean(latencies) * 1000:.2f}"
    )
    if tally.errors:
        print(f"  first errors: {sorted(set(tally.errors))[:5]}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.waitress_child:
        return waitress_child(args.workers)
    kinds = SERVERS if args.server == "both" else (args.server,)
    tallies = {kind: Tally() for kind in kinds}
    with tempfile.TemporaryDirectory(prefix="knee-coach-load-") as tmp:
        env = server_env(Path(tmp))
        procs = {kind: start_server(kind, Path(tmp), env, args.workers) for kind in kinds}
        try:
            pool = signed_pool(args.pool)
            for _ in range(args.rounds):
                for kind in kinds:  # alternated, so drift on the machine hits both alike
                    done = run_round(*procs[kind], pool, args)
                    tally = tallies[kind]
                    tally.seconds += done.seconds
                    tally.latencies += done.latencies
                    tally.errors += done.errors
                    tally.answered += done.answered
                    if tally.cpu_s is not None and done.cpu_s is not None:
                        tally.cpu_s += done.cpu_s
                    else:
                        tally.cpu_s = None
        finally:
            for proc, _ in procs.values():
                proc.terminate()
                proc.wait(timeout=10)
    print(
        f"clients={args.clients} workers={args.workers} seconds={args.seconds:g} "
        f"rounds={args.rounds} verify=on"
    )
    for kind in kinds:
        report(kind, tallies[kind], args)
    if len(kinds) == 2 and tallies["waitress"].per_s:
        ratio = tallies["tornado"].per_s / tallies["waitress"].per_s
        line = f"ratio tornado/waitress req/s={ratio:.2f}"
        cpu = [tallies[k].cpu_ms_per_request for k in kinds]
        if cpu[0] is not None and cpu[1]:
            line += f" server_cpu/request={cpu[0] / cpu[1]:.2f}"
        print(line)
    failed = any(t.errors or not t.latencies for t in tallies.values())
    ours = sorted(tallies[kinds[0]].latencies)
    if ours and kinds[0] == "tornado" and percentile(ours, 0.99) * 1000 > args.max_p99_ms:
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
