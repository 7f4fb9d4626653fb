#!/usr/bin/env python3
"""Bounded load test of ``knee-coach serve`` with verification ON, on 127.0.0.1 only.

Starts the real server (``knee-coach serve``) in a subprocess, trusting a throwaway test root
through ``KNEE_COACH_EXTRA_TRUST_ROOTS`` and with the signing chain pre-filled through
``KNEE_COACH_CERT_CACHE_DIR`` (so nothing is downloaded), then drives it from a few concurrent
clients for a fixed time with correctly signed requests, and prints requests/s, latency
percentiles and errors. Every request is fully verified (URL rules, cached chain, RSA
signature, timestamp, skill ID) and answered by the real skill.

    .venv/bin/python scripts/load_web.py --clients 4 --seconds 10

Exit status is 1 when any request failed or p99 exceeded ``--max-p99-ms``.
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from certs import CERT_URL, SKILL_ID, body_of, envelope, make_pki, signed_headers  # noqa: E402

from skill.web.certcache import cache_file_name  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured duration")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured warm-up seconds")
    parser.add_argument("--workers", type=int, default=4, help="server request threads")
    parser.add_argument("--pool", type=int, default=400, help="distinct pre-signed requests")
    parser.add_argument("--max-p99-ms", type=float, default=20.0, help="fail above this p99")
    return parser.parse_args()


def start_server(workdir: Path, workers: int) -> tuple[subprocess.Popen[str], int]:
    pki = make_pki()
    (workdir / "root.pem").write_bytes(pki.root_pem())
    (workdir / "certs").mkdir()
    (workdir / "certs" / cache_file_name(CERT_URL)).write_bytes(pki.chain_pem())
    env = {
        **os.environ,
        "KNEE_COACH_EXTRA_TRUST_ROOTS": str(workdir / "root.pem"),
        "KNEE_COACH_CERT_CACHE_DIR": str(workdir / "certs"),
        "KNEE_COACH_SKILL_ID": SKILL_ID,
        "KNEE_COACH_PERSISTENCE": "sqlite",
        "KNEE_COACH_SQLITE_PATH": str(workdir / "progress.db"),
        "KNEE_COACH_LOG_LEVEL": "WARNING",
    }
    env.pop("KNEE_COACH_DEV_MODE", None)
    command = [sys.executable, "-m", "skill.cli", "serve", "--port", "0"]
    command += ["--workers", str(workers)]
    log = (workdir / "server.log").open("w")
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=log, text=True
    )
    assert proc.stdout is not None
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
    if not match:
        proc.kill()
        raise SystemExit("server did not start")
    return proc, int(match.group(1))


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
            if now < self.measure_from:
                continue
            if response.status != 200 or b'"outputSpeech"' not in data:
                self.errors.append(f"HTTP {response.status}")
            self.latencies.append(elapsed)
        conn.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="knee-coach-load-") as tmp:
        proc, port = start_server(Path(tmp), args.workers)
        try:
            pool = signed_pool(args.pool)
            clients = [Client(port, pool, offset=i * 97) for i in range(args.clients)]
            start = time.perf_counter()
            for client in clients:
                client.measure_from = start + args.warmup
                client.deadline = start + args.warmup + args.seconds
                client.start()
            for client in clients:
                client.join()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    latencies = sorted(x for c in clients for x in c.latencies)
    errors = [e for c in clients for e in c.errors]
    if not latencies:
        print(f"no successful requests; errors: {errors[:5]}")
        return 1
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    print(f"clients={args.clients} workers={args.workers} seconds={args.seconds:g} verify=on")
    print(
        f"requests={len(latencies)} req/s={len(latencies) / args.seconds:.0f} errors={len(errors)}"
    )
    print(
        f"latency ms: p50={p50 * 1000:.2f} p90={percentile(latencies, 0.9) * 1000:.2f} "
        f"p99={p99 * 1000:.2f} max={latencies[-1] * 1000:.2f} "
        f"mean={statistics.fmean(latencies) * 1000:.2f}"
    )
    if errors:
        print(f"first errors: {sorted(set(errors))[:5]}")
    return 1 if errors or p99 * 1000 > args.max_p99_ms else 0


if __name__ == "__main__":
    raise SystemExit(main())
