"""Progress in DynamoDB, for the Lambda deployment; imported only when that backend is chosen.

Three calls are all the skill needs (``GetItem``, ``PutItem``, ``DeleteItem``), so this is a
bare botocore client making them, not a boto3 resource: no boto3 import, no resource models,
no resource classes built at import, and not the SDK's ``DynamoDbAdapter``, whose module
builds a default resource at import time and which the skill would then wrap anyway. The
client is built when the adapter is made (Lambda's init phase), because the first answer
reads progress; ``make bench`` measures the difference.

* the partition key is :func:`skill.userkey.user_keygen` (an HMAC), never the raw user ID;
* each item carries ``expires_at`` (epoch seconds) for DynamoDB's TTL, so progress of people
  who stopped using the skill disappears on its own; reads ignore an expired item that TTL
  has not swept yet;
* the record crosses the wire as DynamoDB's typed JSON (``{"S": ...}``, ``{"N": ...}``); the
  conversion here covers exactly the JSON types a record holds.

Table: ``{table}``, partition key ``id`` (String), no sort key, TTL attribute ``expires_at``;
items are ``{"id": <HMAC hex>, "attributes": {...}, "expires_at": <int>}``.

Calls are bounded: connect and read timeouts of ``timeout_s`` and two attempts in total
(botocore "standard" retry mode, which also backs off on throttling).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.store import RETENTION_S, CorruptRecordError
from skill.userkey import Keygen

PARTITION_KEY = "id"
ATTRIBUTES = "attributes"
TTL_ATTRIBUTE = "expires_at"
MAX_ATTEMPTS = 2


def make_client(region: str, endpoint_url: str | None, timeout_s: float) -> Any:
    """A botocore DynamoDB client with short timeouts and one retry."""
    import botocore.session
    from botocore.config import Config

    config = Config(
        connect_timeout=timeout_s,
        read_timeout=timeout_s,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    )
    session = botocore.session.get_session()
    return session.create_client(
        "dynamodb", region_name=region, endpoint_url=endpoint_url, config=config
    )


class DynamoDbProgressAdapter(AbstractPersistenceAdapter):
    """ASK SDK persistence adapter over one table; raises ``PersistenceException``."""

    def __init__(
        self,
        table_name: str,
        client: Any,
        *,
        keygen: Keygen,
        retention_s: int = RETENTION_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.client = client
        self._keygen = keygen
        self._retention_s = retention_s
        self._clock = clock

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        key = self._key(request_envelope)
        item = self._call("get_item", Key=key, ConsistentRead=True).get("Item")
        if not isinstance(item, dict):
            return {}
        expires_at = from_typed(item.get(TTL_ATTRIBUTE, {"NULL": True}))
        if isinstance(expires_at, (int, float)) and expires_at <= self._clock():
            return {}
        attributes = from_typed(item.get(ATTRIBUTES, {"NULL": True}))
        if not isinstance(attributes, dict):
            raise CorruptRecordError(f"item has no {ATTRIBUTES!r} map")
        return attributes

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object]
    ) -> None:
        item = {
            **self._key(request_envelope),
            ATTRIBUTES: to_typed(attributes),
            TTL_ATTRIBUTE: {"N": str(int(self._clock() + self._retention_s))},
        }
        self._call("put_item", Item=item)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self._call("delete_item", Key=self._key(request_envelope))

    def _key(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        return {PARTITION_KEY: {"S": self._keygen(request_envelope)}}

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self.client, operation)(
                TableName=self.table_name, **params
            )
        except Exception as error:  # botocore's errors, classified by name in skill.store
            raise PersistenceException(f"DynamoDB {operation} failed: {error}") from error
        return response


def make_dynamodb_adapter(
    table_name: str,
    region: str,
    endpoint_url: str | None = None,
    timeout_s: float = 1.5,
    *,
    keygen: Keygen,
    retention_s: int = RETENTION_S,
    clock: Callable[[], float] = time.time,
) -> DynamoDbProgressAdapter:
    return DynamoDbProgressAdapter(
        table_name,
        make_client(region, endpoint_url, timeout_s),
        keygen=keygen,
        retention_s=retention_s,
        clock=clock,
    )


def to_typed(value: Any) -> dict[str, Any]:
    """A JSON value as a DynamoDB attribute value (``{"S": "x"}``, ``{"N": "1.25"}``, …)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": repr(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (list, tuple)):
        return {"L": [to_typed(item) for item in value]}
    if isinstance(value, dict):
        return {"M": {str(k): to_typed(v) for k, v in value.items()}}
    raise PersistenceException(f"cannot store a {type(value).__name__} in DynamoDB")


def from_typed(value: Any) -> Any:
    """A DynamoDB attribute value as plain JSON: integral numbers become int, others float.

    Anything that is not a JSON-shaped attribute value (sets, binary, garbage) is
    :class:`~skill.store.CorruptRecordError`: the store answered, the record is unusable.
    """
    if not isinstance(value, dict) or len(value) != 1:
        raise CorruptRecordError("not a DynamoDB attribute value")
    ((kind, inner),) = value.items()
    if kind == "S" and isinstance(inner, str):
        return inner
    if kind == "N" and isinstance(inner, str):
        return _number(inner)
    if kind == "BOOL" and isinstance(inner, bool):
        return inner
    if kind == "NULL":
        return None
    if kind == "L" and isinstance(inner, list):
        return [from_typed(item) for item in inner]
    if kind == "M" and isinstance(inner, dict):
        return {k: from_typed(v) for k, v in inner.items()}
    raise CorruptRecordError(f"unexpected DynamoDB attribute type {kind!r}")


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise CorruptRecordError(f"not a number: {text[:20]!r}") from None
    return int(number) if number.is_integer() and "e" not in text.lower() else number
