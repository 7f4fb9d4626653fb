"""Progress in DynamoDB, for the Lambda deployment; imported only when that backend is chosen.

Built on the SDK's ``DynamoDbAdapter`` (``ask-sdk-dynamodb-persistence-adapter``) with three
changes the skill needs:

* the partition key is :func:`skill.store.hashed_user_key`, not the raw Alexa user ID;
* each item carries ``expires_at`` (epoch seconds) for DynamoDB's TTL, so progress of people
  who stopped using the skill disappears on its own; reads ignore an expired item that TTL
  has not swept yet. Both count from the request's own timestamp (Alexa's clock, like every
  other time the skill keeps), the host's clock only when a request has none;
* numbers cross the boto3 boundary correctly: boto3 refuses ``float`` (``pace``) and returns
  every number as ``Decimal``; the adapter converts both ways so callers see plain JSON types.

Table: ``{table}``, partition key ``id`` (String), no sort key, TTL attribute ``expires_at``;
items are ``{"id": <sha256 hex>, "attributes": {...}, "expires_at": <int>}``.

Calls are bounded: connect and read timeouts of ``timeout_s`` and two attempts in total
(botocore "standard" retry mode, which also backs off on throttling).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.request_envelope import RequestEnvelope
from botocore.config import Config
from botocore.exceptions import NoRegionError

from skill.store import RETENTION_S, CorruptRecordError, Keygen, hashed_user_key
from skill.timing import request_time

PARTITION_KEY = "id"
ATTRIBUTES = "attributes"
TTL_ATTRIBUTE = "expires_at"
MAX_ATTEMPTS = 2


def _sdk_adapter_class(region: str) -> Any:
    """Import the SDK adapter, whose module builds ``boto3.resource("dynamodb")`` at import time.

    That default resource needs a region from the environment; when only Knee Coach's setting
    names one, give boto3's default session that region and import again.
    """
    try:
        from ask_sdk_dynamodb.adapter import DynamoDbAdapter
    except NoRegionError:
        boto3.setup_default_session(region_name=region)
        from ask_sdk_dynamodb.adapter import DynamoDbAdapter
    return DynamoDbAdapter


def make_dynamodb_adapter(
    table_name: str,
    region: str,
    endpoint_url: str | None = None,
    timeout_s: float = 1.5,
    keygen: Keygen = hashed_user_key,
    retention_s: int = RETENTION_S,
    clock: Callable[[], float] = time.time,
) -> Any:
    """A ``DynamoDbAdapter`` subclass instance with short timeouts, TTL and number conversion."""
    base = _sdk_adapter_class(region)
    config = Config(
        connect_timeout=timeout_s,
        read_timeout=timeout_s,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    )
    resource = boto3.resource(
        "dynamodb", region_name=region, endpoint_url=endpoint_url, config=config
    )

    class ProgressDynamoDbAdapter(base):  # type: ignore[valid-type,misc]
        """The SDK adapter, keyed by hashed user ID, with TTL and Decimal handling."""

        def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
            item = self._get_item(request_envelope)
            now = request_time(getattr(request_envelope, "request", None), clock)
            if item is None or _expired(item.get(TTL_ATTRIBUTE), now):
                return {}
            attributes = item.get(ATTRIBUTES)
            if not isinstance(attributes, dict):
                raise CorruptRecordError(f"item has no {ATTRIBUTES!r} map")
            result: dict[str, object] = from_dynamo(attributes)
            return result

        def save_attributes(
            self, request_envelope: RequestEnvelope, attributes: dict[str, object]
        ) -> None:
            item = {
                PARTITION_KEY: self.partition_keygen(request_envelope),
                ATTRIBUTES: to_dynamo(attributes),
                TTL_ATTRIBUTE: int(
                    request_time(getattr(request_envelope, "request", None), clock) + retention_s
                ),
            }
            try:
                self.dynamodb.Table(self.table_name).put_item(Item=item)
            except Exception as error:
                raise PersistenceException(f"DynamoDB put_item failed: {error}") from error

        def _get_item(self, request_envelope: RequestEnvelope) -> dict[str, Any] | None:
            key = {PARTITION_KEY: self.partition_keygen(request_envelope)}
            try:
                table = self.dynamodb.Table(self.table_name)
                response = table.get_item(Key=key, ConsistentRead=True)
            except Exception as error:
                raise PersistenceException(f"DynamoDB get_item failed: {error}") from error
            item = response.get("Item")
            return item if isinstance(item, dict) else None

    return ProgressDynamoDbAdapter(
        table_name=table_name,
        partition_key_name=PARTITION_KEY,
        attribute_name=ATTRIBUTES,
        create_table=False,
        partition_keygen=keygen,
        dynamodb_resource=resource,
    )


def _expired(expires_at: object, now: float) -> bool:
    return isinstance(expires_at, (int, Decimal)) and expires_at <= now


def to_dynamo(value: Any) -> Any:
    """JSON-like value → what boto3 accepts: floats become exact-looking Decimals."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_dynamo(v) for v in value]
    return value


def from_dynamo(value: Any) -> Any:
    """boto3 value → plain JSON types: integral Decimals become int, others float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    return value
