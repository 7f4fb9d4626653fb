"""Progress in DynamoDB, for the Lambda deployment; imported only when that backend is chosen.

Three calls are all the skill needs (``GetItem``, ``PutItem``, ``DeleteItem``), so this is a
bare botocore client making them, not a boto3 resource: no boto3 import, no resource models,
no resource classes built at import, and not the SDK's ``DynamoDbAdapter``, whose module
builds a default resource at import time and which the skill would then wrap anyway. The
client is built when the adapter is made (Lambda's init phase), because the first answer
reads progress; ``make bench`` measures the difference.

Building the client, botocore spends most of its time on things this client does not need:
listing every service's model directory (400+) to check that ``dynamodb`` is one, parsing
its JSON models with an ``OrderedDict`` per object (1.2 MB of endpoints data alone), and a
method for each of DynamoDB's ~60 operations. ``LeanLoader`` checks ``dynamodb`` without
the listing (any other service still gets it), parses with plain dicts (which keep their
order), and hands botocore a model with only :data:`OPERATIONS`. Should a future botocore
reject that, the client is built the standard way instead, with a warning.

* the partition key is :func:`skill.store.userkey.user_keygen` (an HMAC), never the raw user ID;
* each item carries ``expires_at`` (epoch seconds) for DynamoDB's TTL, so progress of people
  who stopped using the skill disappears on its own; reads ignore an expired item that TTL
  has not swept yet. Both count from the request's own timestamp (Alexa's clock, like every
  other time the skill keeps), the adapter's clock only when a request has none;
* the record crosses the wire as DynamoDB's typed JSON (``{"S": ...}``, ``{"N": ...}``); the
  conversion here covers exactly the JSON types a record holds;
* each item carries a ``version`` (a random number per write); :meth:`write` is a ``PutItem``
  with a ``ConditionExpression`` on it, so a write replaces only the version its session read,
  and ``ConditionalCheckFailedException`` becomes :class:`~skill.store.base.WriteConflict`. An
  item written before versions has none and counts as version 0.

Table: ``{table}``, partition key ``id`` (String), no sort key, TTL attribute ``expires_at``;
items are ``{"id": <HMAC hex>, "attributes": {...}, "expires_at": <int>, "version": <int>}``.

Calls are bounded: connect and read timeouts of ``timeout_s`` and two attempts in total
(botocore "standard" retry mode, which also backs off on throttling).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.store.base import (
    NO_RECORD,
    RETENTION_S,
    CorruptRecordError,
    VersionedAdapter,
    WriteConflict,
    new_version,
)
from skill.store.userkey import Keygen
from skill.voice.timing import request_time

log = logging.getLogger(__name__)

PARTITION_KEY = "id"
ATTRIBUTES = "attributes"
TTL_ATTRIBUTE = "expires_at"
VERSION = "version"
MAX_ATTEMPTS = 2


SERVICE = "dynamodb"
API_VERSION = "2012-08-10"
OPERATIONS = frozenset({"GetItem", "PutItem", "DeleteItem"})
"""The only operations the client is built with (the IAM policy allows no others either)."""


def make_client(region: str, endpoint_url: str | None, timeout_s: float) -> Any:
    """A botocore DynamoDB client with short timeouts and one retry."""
    import botocore.session
    from botocore.config import Config

    config = Config(
        connect_timeout=timeout_s,
        read_timeout=timeout_s,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    )

    def create(lean: bool) -> Any:
        session = botocore.session.Session()
        if lean:
            session.register_component("data_loader", lean_loader(session))
        return session.create_client(
            SERVICE,
            region_name=region,
            endpoint_url=endpoint_url,
            config=config,
            api_version=API_VERSION,
        )

    try:
        return create(lean=True)
    except Exception as error:  # a botocore this loader does not fit: the standard way
        log.warning("building the DynamoDB client the standard way: %s", type(error).__name__)
        return create(lean=False)


def lean_loader(session: Any) -> Any:
    """botocore's data loader, minus the two costs above (see :class:`LeanLoader`)."""
    from botocore.loaders import JSONFileLoader, Loader

    class PlainJSONFiles(JSONFileLoader):  # type: ignore[misc]
        def load_file(self, file_path: str) -> Any:
            for extension in (".json", ".json.gz"):
                path = file_path + extension
                if os.path.isfile(path):
                    return json.loads(_read(path))
            return None

    class LeanLoader(Loader):  # type: ignore[misc]
        def list_available_services(self, type_name: str) -> Any:
            return _KnownServices(
                lambda: super(LeanLoader, self).list_available_services(type_name)
            )

    data_path = session.get_config_variable("data_path")
    extra = data_path.split(os.pathsep) if data_path else None
    return LeanLoader(extra_search_paths=extra, file_loader=PlainJSONFiles())


def _read(path: str) -> str:
    if path.endswith(".gz"):
        import gzip

        with gzip.open(path, "rb") as compressed:
            return compressed.read().decode("utf-8")
    with open(path, "rb") as plain:
        return plain.read().decode("utf-8")


class _KnownServices:
    """``"dynamodb" in services`` without listing them all; anything else lists them."""

    def __init__(self, list_all: Callable[[], list[str]]) -> None:
        self._list_all = list_all

    def __contains__(self, name: object) -> bool:
        return name == SERVICE or name in self._list_all()

    def __iter__(self) -> Iterator[str]:
        return iter(self._list_all())


class DynamoDbProgressAdapter(VersionedAdapter):
    """Versioned persistence adapter over one table; raises ``PersistenceException``."""

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

    def read(self, request_envelope: RequestEnvelope) -> tuple[dict[str, object], int]:
        key = self._key(request_envelope)
        item = self._call("get_item", Key=key, ConsistentRead=True).get("Item")
        if not isinstance(item, dict):
            return {}, NO_RECORD
        try:
            found = from_typed(item.get(VERSION, {"N": "0"}))
        except CorruptRecordError:
            found = None  # not a number: a write replaces the item as it would an old one
        version = found if isinstance(found, int) and found > 0 else NO_RECORD
        try:
            expires_at = from_typed(item.get(TTL_ATTRIBUTE, {"NULL": True}))
            if isinstance(expires_at, (int, float)) and expires_at <= self._now(request_envelope):
                return {}, version  # expired, not yet swept: a write replaces this version
            attributes = from_typed(item.get(ATTRIBUTES, {"NULL": True}))
        except CorruptRecordError as error:
            raise CorruptRecordError(str(error), version) from error
        if not isinstance(attributes, dict):
            raise CorruptRecordError(f"item has no {ATTRIBUTES!r} map", version)
        return attributes, version

    def write(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object], expected: int
    ) -> int:
        version = new_version()
        condition: dict[str, Any] = {"ExpressionAttributeNames": {"#v": VERSION}}
        if expected == NO_RECORD:  # no item, or one from before versions (or not a number)
            condition["ConditionExpression"] = (
                "attribute_not_exists(#v) OR NOT attribute_type(#v, :n)"
            )
            condition["ExpressionAttributeValues"] = {":n": {"S": "N"}}
        else:
            condition["ConditionExpression"] = "#v = :v"
            condition["ExpressionAttributeValues"] = {":v": {"N": str(expected)}}
        try:
            self._call(
                "put_item", Item=self._item(request_envelope, attributes, version), **condition
            )
        except PersistenceException as error:
            if _code(error) == "ConditionalCheckFailedException":
                raise WriteConflict("the record changed since it was read") from error
            raise
        return version

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object]
    ) -> None:
        """Write unconditionally (the SDK's interface): whatever is stored is replaced."""
        self._call("put_item", Item=self._item(request_envelope, attributes, new_version()))

    def _item(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object], version: int
    ) -> dict[str, Any]:
        return {
            **self._key(request_envelope),
            ATTRIBUTES: to_typed(attributes),
            TTL_ATTRIBUTE: {"N": str(int(self._now(request_envelope) + self._retention_s))},
            VERSION: {"N": str(version)},
        }

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self._call("delete_item", Key=self._key(request_envelope))

    def _now(self, request_envelope: RequestEnvelope) -> float:
        return request_time(getattr(request_envelope, "request", None), self._clock)

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


def _code(error: BaseException) -> str | None:
    """The DynamoDB error code behind a failed call, if botocore gave one."""
    response = getattr(error.__cause__, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code if isinstance(code, str) else None


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
    :class:`~skill.store.base.CorruptRecordError`: the store answered, the record is unusable.
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
