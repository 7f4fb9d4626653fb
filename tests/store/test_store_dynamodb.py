"""The DynamoDB store against a local DynamoDB (moto server mode, real HTTP on 127.0.0.1).

Time is injected (``NOW``): no assertion here depends on the wall clock.
"""

from __future__ import annotations

import hmac
import logging
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from ask_sdk_model import LaunchRequest
from ask_sdk_model.context import Context
from ask_sdk_model.interfaces.system.system_state import SystemState
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.user import User
from moto_server import (
    REGION,
    FaultyEndpoint,
    LocalDynamoDB,
    free_port,
    running_moto,
    use_dummy_aws,
)

from skill.settings import Settings
from skill.store.base import RETENTION_S
from skill.store.factory import make_persistence_adapter
from skill.store.progress import ALLOWED_KEYS, Progress
from skill.store.progress_store import ProgressStore
from skill.store.resilient import ResilientAdapter, classify
from skill.store.stamps import Stamps

TABLE = "KneeCoachProgress"
USER = "amzn1.ask.account.AGF7EXAMPLEUSERIDTHATMUSTNOTLEAK"
SECRET = "a-test-deployment-secret-of-32-chars"
KEY = hmac.new(SECRET.encode(), USER.encode(), "sha256").hexdigest()
NOW = 1_767_600_000
"""The request's timestamp in every envelope here (epoch seconds): the store's clock."""


def envelope(user_id: str = USER, at: float = NOW) -> RequestEnvelope:
    """A request from ``user_id``, stamped ``at``: expiry counts from Alexa's clock, not ours."""
    moment = datetime.fromtimestamp(at, timezone.utc)
    return RequestEnvelope(
        context=Context(system=SystemState(user=User(user_id=user_id))),
        request=LaunchRequest(request_id="test", timestamp=moment, locale="en-US"),
    )


def settings_for(endpoint: str, **changes: Any) -> Settings:
    base = Settings().with_(
        persistence="dynamodb",
        dynamodb_table=TABLE,
        aws_region=REGION,
        dynamodb_endpoint_url=endpoint,
        store_timeout_s=0.5,
        user_key_secret=SECRET,
    )
    return base.with_(**changes)


def store_for(endpoint: str, now: float = NOW, **changes: Any) -> ProgressStore:
    adapter = make_persistence_adapter(settings_for(endpoint, **changes), clock=lambda: now)
    return ProgressStore(adapter)


def raw_items(dynamodb: LocalDynamoDB) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = dynamodb.client().scan(TableName=TABLE)["Items"]
    return items


# ---- the adapter against a working table --------------------------------------------------


def test_it_is_a_bare_botocore_client_on_the_template_schema(dynamodb: LocalDynamoDB) -> None:
    from skill.store.dynamodb import ATTRIBUTES, PARTITION_KEY, DynamoDbProgressAdapter

    adapter = make_persistence_adapter(settings_for(dynamodb.endpoint))
    assert isinstance(adapter, ResilientAdapter)
    assert isinstance(adapter.inner, DynamoDbProgressAdapter)
    assert type(adapter.inner.client).__module__ == "botocore.client"
    assert (PARTITION_KEY, ATTRIBUTES) == ("id", "attributes")


def test_progress_round_trips_with_hashed_key_and_ttl(dynamodb: LocalDynamoDB) -> None:
    store = store_for(dynamodb.endpoint)
    loaded = store.load(envelope())
    assert (loaded.available, loaded.status) == (True, "empty")
    progress = loaded.progress.at("full", 1, 2, NOW).with_preferences(pace=1.25, side="left")
    assert store.save(envelope(), loaded, progress, NOW).written is True  # the request says NOW

    again = store_for(dynamodb.endpoint).load(envelope())  # say, the next Lambda container
    # Stored with the time each part was set and when the record began (the request's time).
    stamps = Stamps(position=NOW, pace=NOW)
    assert (again.status, again.progress) == ("ok", progress._replace(set_at=stamps, born=NOW))
    assert again.progress.has_resumable_routine(NOW + 60)

    (item,) = raw_items(dynamodb)
    assert set(item) == {"id", "attributes", "expires_at", "version"}
    assert again.version == int(item["version"]["N"]) > 0
    assert item["id"] == {"S": KEY}
    assert set(item["attributes"]["M"]) == ALLOWED_KEYS
    assert item["attributes"]["M"]["pace"] == {"N": "1.25"}
    assert int(item["expires_at"]["N"]) == NOW + RETENTION_S  # exact: the request's clock
    assert USER not in repr(item)


def test_save_replaces_and_forget_deletes(dynamodb: LocalDynamoDB) -> None:
    store = store_for(dynamodb.endpoint)
    first = store.load(envelope())
    store.save(envelope(), first, first.progress.at("full", 0, 1, NOW), NOW)
    second = store.load(envelope())
    store.save(envelope(), second, second.progress.at("full", 0, 2, NOW), NOW)
    other = store.load(envelope("someone-else"))
    store.save(envelope("someone-else"), other, other.progress.intro_heard(), NOW)
    assert len(raw_items(dynamodb)) == 2
    assert store.load(envelope()).progress.step == 2

    assert store.forget(envelope()) is True
    assert store.load(envelope()).status == "empty"
    assert store.load(envelope("someone-else")).progress.heard_intro


def test_safety_answers_never_reach_dynamodb(dynamodb: LocalDynamoDB) -> None:
    adapter = make_persistence_adapter(settings_for(dynamodb.endpoint))
    assert adapter is not None
    record = Progress().at("full", 0, 1, NOW).to_record() | {"safety": {"osteoporosis": "yes"}}
    assert adapter.try_save(envelope(), record) is True
    assert "osteoporosis" not in repr(raw_items(dynamodb))


def test_expired_item_is_ignored_before_ttl_sweeps_it(dynamodb: LocalDynamoDB) -> None:
    dynamodb.client().put_item(
        TableName=TABLE,
        Item={
            "id": {"S": KEY},
            "attributes": {"M": {"v": {"N": "2"}, "heard_intro": {"BOOL": True}}},
            "expires_at": {"N": str(int(NOW) - 1)},
        },
    )
    assert store_for(dynamodb.endpoint).load(envelope()).status == "empty"


@pytest.mark.parametrize(
    ("attributes", "status"),
    [
        ({"S": "not a map"}, "empty"),
        (None, "empty"),
        ({"M": {"v": {"S": "two"}}}, "reset"),
        ({"M": {"v": {"N": "3"}, "pace": {"S": "fast"}}}, "repaired"),
    ],
)
def test_corrupt_items_are_read_as_fresh_not_as_a_failure(
    dynamodb: LocalDynamoDB, attributes: dict[str, Any] | None, status: str
) -> None:
    item: dict[str, Any] = {"id": {"S": KEY}}
    if attributes is not None:
        item["attributes"] = attributes
    dynamodb.client().put_item(TableName=TABLE, Item=item)
    store = store_for(dynamodb.endpoint)
    loaded = store.load(envelope())
    assert (loaded.available, loaded.status) == (True, status)
    assert store.save(envelope(), loaded, loaded.progress.intro_heard(), NOW).written is True
    assert store.load(envelope()).status == "ok"


# ---- faults -----------------------------------------------------------------------------


def test_missing_table_degrades_without_raising(
    dynamodb: LocalDynamoDB, caplog: pytest.LogCaptureFixture
) -> None:
    store = store_for(dynamodb.endpoint, dynamodb_table="NoSuchTable")
    loaded = store.load(envelope())
    assert (loaded.available, loaded.progress) == (False, Progress())
    assert store.save(envelope(), loaded, loaded.progress.intro_heard(), NOW).written is False
    assert store.forget(envelope()) is False
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # get and delete; the save was never attempted
    assert all("(table_missing)" in w and KEY[:8] in w for w in warnings)
    assert USER not in caplog.text and KEY not in caplog.text


def test_closed_port_degrades_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    use_dummy_aws(monkeypatch)
    store = store_for(f"http://127.0.0.1:{free_port()}")
    started = time.perf_counter()
    loaded = store.load(envelope())
    assert loaded.available is False
    assert store.forget(envelope()) is False
    assert time.perf_counter() - started < 5.0


def test_hung_store_is_cut_off_by_the_timeout(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    use_dummy_aws(monkeypatch)
    with FaultyEndpoint("hang") as endpoint:
        store = store_for(endpoint.endpoint, store_timeout_s=0.3)
        started = time.perf_counter()
        loaded = store.load(envelope())
        elapsed = time.perf_counter() - started
    assert loaded.available is False
    assert endpoint.calls == 2  # the first attempt and one retry, no more
    assert 0.5 < elapsed < 3.0  # two 0.3 s read timeouts plus a short backoff
    assert "(timeout)" in caplog.text


def test_throttling_degrades_after_one_retry(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    use_dummy_aws(monkeypatch)
    with FaultyEndpoint("throttle") as endpoint:
        store = store_for(endpoint.endpoint)
        started = time.perf_counter()
        loaded = store.load(envelope())
        elapsed = time.perf_counter() - started
    assert loaded.available is False
    assert endpoint.calls == 2
    assert elapsed < 5.0
    assert "(throttled)" in caplog.text


def test_store_going_away_mid_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    use_dummy_aws(monkeypatch)
    with running_moto() as server:
        server.reset()  # moto's tables live in the process, not in the server
        server.create_table(TABLE)
        store = store_for(server.endpoint)
        loaded = store.load(envelope())
        assert (
            store.save(envelope(), loaded, loaded.progress.at("full", 0, 1, NOW), NOW).written
            is True
        )
        resumed = store.load(envelope())
        assert resumed.progress.step == 1
    # The server is gone now: the next turn still works, without resume and without writes.
    started = time.perf_counter()
    assert (
        store.save(envelope(), resumed, resumed.progress.at("full", 0, 2, NOW), NOW).written
        is False
    )
    assert store.load(envelope()).available is False
    assert time.perf_counter() - started < 5.0


def test_botocore_errors_are_classified() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

    def client_error(code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "x"}}, "GetItem")

    assert classify(client_error("ResourceNotFoundException")) == "table_missing"
    assert classify(client_error("ThrottlingException")) == "throttled"
    assert classify(client_error("AccessDeniedException")) == "denied"
    assert classify(ReadTimeoutError(endpoint_url="http://x")) == "timeout"
    assert classify(EndpointConnectionError(endpoint_url="http://x")) == "unreachable"


def test_records_cross_as_typed_attribute_values_both_ways() -> None:
    from skill.store.dynamodb import from_typed, to_typed

    record = {
        "pace": 1.25,
        "step": 2,
        "routine": None,
        "keep_going": True,
        "completions": [1.5, 3],
        "nested": {"x": 0.1, "side": "left"},
    }
    assert to_typed(record) == {
        "M": {
            "pace": {"N": "1.25"},
            "step": {"N": "2"},
            "routine": {"NULL": True},
            "keep_going": {"BOOL": True},
            "completions": {"L": [{"N": "1.5"}, {"N": "3"}]},
            "nested": {"M": {"x": {"N": "0.1"}, "side": {"S": "left"}}},
        }
    }
    assert from_typed(to_typed(record)) == record
    assert from_typed({"N": "2.0"}) == 2 and isinstance(from_typed({"N": "2.0"}), int)


@pytest.mark.parametrize("value", [{"SS": ["a"]}, {"B": "AA=="}, {"N": "lots"}, {"S": 1}, "x", {}])
def test_a_value_no_record_holds_is_corrupt_not_a_crash(value: Any) -> None:
    from skill.store.base import CorruptRecordError
    from skill.store.dynamodb import from_typed

    with pytest.raises(CorruptRecordError):
        from_typed(value)


def test_a_changed_secret_only_forgets_progress(dynamodb: LocalDynamoDB) -> None:
    store = store_for(dynamodb.endpoint)
    loaded = store.load(envelope())
    assert store.save(envelope(), loaded, loaded.progress.at("full", 1, 2, NOW), NOW).written
    rotated = store_for(dynamodb.endpoint, user_key_secret="another-secret-that-is-32-chars-long")
    again = rotated.load(envelope())
    assert (again.available, again.status) == (True, "empty")  # forgotten, not failed
    (item,) = raw_items(dynamodb)
    assert item["id"] == {"S": KEY}  # the old record is unreachable and will expire (TTL)


def test_works_when_only_knee_coach_names_the_region(dynamodb: LocalDynamoDB) -> None:
    """Only KNEE_COACH_AWS_REGION names the region; boto3 is never imported on this path."""
    env = {k: v for k, v in os.environ.items() if k not in {"AWS_DEFAULT_REGION", "AWS_REGION"}}
    env |= {
        "KNEE_COACH_PERSISTENCE": "dynamodb",
        "KNEE_COACH_USER_KEY_SECRET": SECRET,
        "KNEE_COACH_AWS_REGION": REGION,
        "KNEE_COACH_DYNAMODB_ENDPOINT": dynamodb.endpoint,
        "KNEE_COACH_DYNAMODB_TABLE": TABLE,
    }
    code = (
        "from ask_sdk_model import Context, User\n"
        "from ask_sdk_model.interfaces.system import SystemState\n"
        "from ask_sdk_model.request_envelope import RequestEnvelope\n"
        "from skill.settings import Settings\n"
        "from skill.store.factory import make_persistence_adapter\n"
        "from skill.store.progress_store import ProgressStore\n"
        "e = RequestEnvelope(context=Context(system=SystemState(user=User(user_id='u'))))\n"
        "store = ProgressStore(make_persistence_adapter(Settings.from_env()))\n"
        "loaded = store.load(e)\n"
        "assert loaded.available, loaded\n"
        "assert store.save(e, loaded, loaded.progress.intro_heard(), 0).written\n"
        "import sys\n"
        "assert 'boto3' not in sys.modules and 'ask_sdk_dynamodb' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    assert len(raw_items(dynamodb)) == 1


def test_the_lean_loader_builds_the_client_without_a_fallback(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No directory listing of every service for dynamodb; any other service still works."""
    import botocore.loaders
    import botocore.session

    from skill.store.dynamodb import lean_loader, make_client

    use_dummy_aws(monkeypatch)
    client = make_client(REGION, "http://127.0.0.1:9", 0.5)
    assert client.meta.service_model.service_name == "dynamodb"
    assert "standard way" not in caplog.text
    loader = lean_loader(botocore.session.Session())
    listed: list[str] = []
    real = botocore.loaders.Loader.list_available_services

    def counting(self: Any, type_name: str) -> Any:
        listed.append(type_name)
        return real(self, type_name)

    monkeypatch.setattr(botocore.loaders.Loader, "list_available_services", counting)
    assert "dynamodb" in loader.list_available_services("service-2") and listed == []
    assert "sts" in loader.list_available_services("service-2") and listed == ["service-2"]
    model = loader.load_service_model("dynamodb", "service-2", "2012-08-10")
    assert {"GetItem", "PutItem", "DeleteItem"} <= set(model["operations"])
