"""Nothing costly runs on a request before the cheap checks (issue 23, item 1).

The ASK SDK's deserializer reads ``request.timestamp`` with dateutil, whose cost grows faster
than the text: a timestamp of ``"1." * 63000`` once cost 1.4 s of CPU, with a wrong skill ID
and no signature at all. Now the raw envelope is checked first (shape, lengths, an ISO 8601
timestamp), then the skill ID, the timestamp's age and the signature, and only a request that
passed all of them reaches the SDK.

Costs are compared within one run, as a ratio of CPU time spent by this thread (the Flask
test client runs the app in it), never against a wall-clock bound.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from certs import CERT_URL, SKILL_ID, body_of, envelope, make_pki, signed_headers
from flask.testing import FlaskClient

from skill.alexa.builder import build_skill
from skill.settings import Settings
from skill.web.app import create_app
from skill.web.certcache import CertCache
from skill.web.checks import MAX_BODY_BYTES, MAX_ID_CHARS, check_envelope, parse_timestamp

JSON = {"Content-Type": "application/json"}
OTHER_SKILL = "amzn1.ask.skill.someone-else"
ISSUE_JUNK = "1." * 63000
"""The red team's timestamp: 126 KB of ``1.``."""


def _fitting_junk() -> str:
    """The longest ``1.1.…`` timestamp whose envelope still fits the body limit."""
    room = MAX_BODY_BYTES - len(body_of(envelope(skill_id=OTHER_SKILL, timestamp="")))
    return ("1." * (room // 2))[: room - 2]


class CountingSkill:
    """The real skill, with its SDK deserializer counted."""

    def __init__(self) -> None:
        self.skill = build_skill(Settings(persistence="none"), None)
        self.parsed = 0
        deserialize = self.skill.serializer.deserialize

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.parsed += 1
            return deserialize(*args, **kwargs)

        self.skill.serializer.deserialize = counted  # type: ignore[method-assign]


@pytest.fixture
def counting() -> CountingSkill:
    return CountingSkill()


@pytest.fixture
def client(counting: CountingSkill) -> FlaskClient:
    pki = make_pki()
    cache = CertCache()
    cache.put(CERT_URL, pki.chain_pem())
    settings = Settings(skill_id=SKILL_ID, persistence="none")
    app = create_app(settings, counting.skill, cert_cache=cache, trust_roots=[pki.root])
    return app.test_client()


def _cpu_per_request(post: Callable[[], Any], reps: int) -> float:
    started = time.thread_time()
    for _ in range(reps):
        post()
    return (time.thread_time() - started) / reps


def test_a_junk_timestamp_costs_about_what_a_normal_refusal_costs(client: FlaskClient) -> None:
    """Interleaved rounds; the median of the rounds' ratios must stay near 1 (it was ~125 for
    the junk that fits the body limit, ~1,700 for the issue's 126 KB)."""
    normal = body_of(envelope(skill_id=OTHER_SKILL))
    fitting = body_of(envelope(skill_id=OTHER_SKILL, timestamp=_fitting_junk()))
    issue = body_of(envelope(skill_id=OTHER_SKILL, timestamp=ISSUE_JUNK))
    assert len(fitting) <= MAX_BODY_BYTES < len(issue)
    answers = {
        name: client.post("/", data=body, headers=JSON)
        for name, body in (("normal", normal), ("fitting", fitting), ("issue", issue))
    }
    assert answers["normal"].status_code == 400
    assert answers["fitting"].get_json() == {"error": "malformed Alexa request"}
    assert answers["issue"].status_code == 413
    ratios: dict[str, list[float]] = {"fitting": [], "issue": []}
    for _ in range(7):
        base = _cpu_per_request(lambda: client.post("/", data=normal, headers=JSON), 20)
        for name, body in (("fitting", fitting), ("issue", issue)):
            cost = _cpu_per_request(lambda b=body: client.post("/", data=b, headers=JSON), 20)
            ratios[name].append(cost / base)
    # The junk bodies are 16 and 60 times the normal one, so copying them costs a little.
    assert statistics.median(ratios["fitting"]) < 3, ratios
    assert statistics.median(ratios["issue"]) < 3, ratios


def test_the_sdk_parses_only_requests_that_passed_every_check(
    client: FlaskClient, counting: CountingSkill
) -> None:
    stale = (datetime.now(timezone.utc) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    good = body_of(envelope())
    refused = [
        (body_of(envelope(timestamp=_fitting_junk())), signed_headers(good)),
        (body_of(envelope(timestamp="2026-13-01T00:00:00Z")), JSON),
        (body_of(envelope(skill_id=OTHER_SKILL)), JSON),
        (body_of(envelope(timestamp=stale)), signed_headers(body_of(envelope(timestamp=stale)))),
        (good, JSON),  # no signature headers
        (good, signed_headers(body_of(envelope()))),  # another body's signature
    ]
    for body, headers in refused:
        response = client.post("/", data=body, headers=headers)
        assert 400 <= response.status_code < 500, response.get_json()
    assert counting.parsed == 0
    response = client.post("/", data=good, headers=signed_headers(good))
    assert response.status_code == 200
    assert counting.parsed == 1, "a genuine request is parsed by the SDK exactly once"


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01T12:00:00Z",
        "2026-01-01T12:00:00.123Z",
        "2026-01-01T12:00:00.123456789Z",
        "2026-01-01T12:00:00+00:00",
        "2026-01-01T13:30:00+0130",
        "2026-01-01T12:00:00",
    ],
)
def test_alexa_timestamps_are_read_exactly(text: str) -> None:
    noon = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
    stamp = parse_timestamp(text)
    assert stamp is not None and abs(stamp - noon) < timedelta(seconds=1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday-ish",
        "1." * 20,
        "2026-01-01",
        "2026-01-01 12:00:00Z",
        "2026-13-01T12:00:00Z",
        "2026-01-01T25:00:00Z",
        "2026-01-01T12:00:00+24:00",
        "2026-01-01T12:00:00.1234567890Z",
        "\uff12\uff10\uff12\uff16-01-01T12:00:00Z",  # fullwidth digits: not ASCII digits
        "2026-01-01T12:00:00Z" + " " * 30,
        12,
        None,
    ],
)
def test_anything_else_is_not_a_timestamp(text: Any) -> None:
    assert parse_timestamp(text) is None


@pytest.mark.parametrize(
    "path",
    [
        ("request", "requestId"),
        ("session", "sessionId"),
        ("session", "user", "userId"),
        ("context", "System", "application", "applicationId"),
        ("context", "System", "device", "deviceId"),
    ],
)
def test_ids_are_bounded_before_anything_reads_them(path: tuple[str, ...]) -> None:
    env = envelope()
    env["context"]["System"]["device"] = {"deviceId": "amzn1.ask.device.X"}
    assert isinstance(check_envelope("application/json", body_of(env)), dict)
    node = env
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "x" * (MAX_ID_CHARS + 1)
    assert check_envelope("application/json", body_of(env)) == (400, "malformed Alexa request")
    node[path[-1]] = 12
    refusal = check_envelope("application/json", body_of(env))
    assert not isinstance(refusal, dict) and refusal[0] == 400
