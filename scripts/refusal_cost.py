#!/usr/bin/env python3
"""What a refused request costs ``knee-coach serve``, junk timestamps against a normal refusal.

Starts the real server as ``scripts/load_web.py`` does (verification on, 127.0.0.1 only) and
sends it, on one keep-alive connection per kind, requests that must be refused:

* ``normal``: a small envelope for another skill (400, the cheapest refusal there is);
* ``junk``: the same with a timestamp of ``1.1.1…`` filling the 32 KB body limit (400);
* ``issue``: the red team's ``"1." * 63000`` timestamp, 126 KB (413).

Kinds alternate round by round; each round's cost is the server process's CPU time (user and
system, from /proc) over the requests it answered. Printed per kind: CPU ms per request and
the median over rounds of its ratio to the normal refusal in the same round. A timestamp like
``issue`` once cost 1.4 s, about 1,700 normal refusals.

    .venv/bin/python scripts/refusal_cost.py --rounds 5 --reps 400
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for folder in (REPO, REPO / "tests", REPO / "scripts"):
    sys.path.insert(0, str(folder))

from certs import body_of, envelope  # noqa: E402
from load_web import process_cpu_s, server_env, start_server  # noqa: E402

from skill.web.checks import MAX_BODY_BYTES  # noqa: E402

OTHER_SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-0000000000ff"
JSON = {"Content-Type": "application/json"}


def bodies() -> dict[str, tuple[bytes, int]]:
    """Each kind's body and the status it must get."""
    normal = body_of(envelope(skill_id=OTHER_SKILL))
    room = MAX_BODY_BYTES - len(body_of(envelope(skill_id=OTHER_SKILL, timestamp="")))
    junk = ("1." * (room // 2))[: room - 2]
    return {
        "normal": (normal, 400),
        "junk": (body_of(envelope(skill_id=OTHER_SKILL, timestamp=junk)), 400),
        "issue": (body_of(envelope(skill_id=OTHER_SKILL, timestamp="1." * 63000)), 413),
    }


def send(port: int, body: bytes, status: int, reps: int) -> None:
    """``reps`` requests on one new keep-alive connection (an idle one is closed after 10 s)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for _ in range(reps):
            conn.request("POST", "/", body=body, headers=JSON)
            response = conn.getresponse()
            response.read()
            if response.status != status:
                raise SystemExit(f"expected {status}, got {response.status}")
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reps", type=int, default=400, help="requests per kind per round")
    parser.add_argument(
        "--junk-reps", type=int, help="requests of the junk kinds per round (default: --reps)"
    )
    args = parser.parse_args(argv)
    reps = {"normal": args.reps, "junk": args.junk_reps or args.reps}
    reps["issue"] = reps["junk"]
    kinds = bodies()
    costs: dict[str, list[float]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory(prefix="knee-coach-refusals-") as tmp:
        proc, port = start_server("tornado", Path(tmp), server_env(Path(tmp)), 4)
        try:
            for body, status in kinds.values():  # warm up every path
                send(port, body, status, 3)
            for _ in range(args.rounds):
                for kind, (body, status) in kinds.items():
                    before = process_cpu_s(proc.pid)
                    send(port, body, status, reps[kind])
                    after = process_cpu_s(proc.pid)
                    if before is None or after is None:
                        print("no /proc here: server CPU time cannot be read")
                        return 1
                    costs[kind].append((after - before) * 1000 / reps[kind])
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"rounds={args.rounds} reps={reps} body_limit={MAX_BODY_BYTES}")
    for kind, (body, status) in kinds.items():
        ratios = [c / n for c, n in zip(costs[kind], costs["normal"], strict=True) if n]
        print(
            f"kind={kind} bytes={len(body)} status={status} "
            f"cpu_ms/request={statistics.median(costs[kind]):.3f} "
            f"ratio={statistics.median(ratios):.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
