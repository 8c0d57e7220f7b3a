"""CRM connections of a workspace, their sync state and the per-connection run lock.

Items in the Config table (pk = workspace id):
- `connection#<id>`: `doc` holds the connection (provider, instance URL, objects, rate, import
  options, the Fernet-encrypted token) and its sync state (watermark, seen, pending job, last
  run); `version` guards every write (read, change, write if unchanged).
- `sync_lock#<id>`: the run lock, a conditional put with an owner token and an expiry, so two
  runs of one connection never overlap and a crashed run's lock lapses.

The token is encrypted like a BYOK provider key (functions.enrich.keys, MultiFernet under
CI_MASTER_KEYS) and handed out only as a SecretStr; `public()` never includes it.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from pydantic import SecretStr

from functions.common import ddb
from functions.common.aws import client
from functions.common.errors import ConfigInvalid
from functions.common.jobs import now_iso
from functions.common.models import ConfigItem, table_name
from functions.common.settings import get_settings
from functions.enrich.keys import KeyVault, KeyVaultError
from functions.sync.adapters import PROVIDERS
from functions.sync.schedules import normalise_rate
from functions.sync.watermark import SyncState

CONNECTION_PREFIX = "connection#"
LOCK_PREFIX = "sync_lock#"
OPTION_KEYS = ("client", "tags", "purpose", "assignment_days", "priority")
_MAX_TOKEN = 8192


class ConnectionNotFound(LookupError):
    pass


class StateChanged(Exception):
    """The connection changed between read and write (another writer won); re-read and retry."""


@dataclass(frozen=True, slots=True)
class Connection:
    workspace_id: str
    connection_id: str
    doc: dict[str, Any]
    version: int

    @property
    def provider(self) -> str:
        return str(self.doc["provider"])

    @property
    def rate(self) -> str:
        return str(self.doc.get("rate") or get_settings().sync_default_rate)

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.doc.get("options") or {})

    @property
    def state(self) -> SyncState:
        return SyncState.from_doc(self.doc.get("state"))

    @property
    def last_run(self) -> dict[str, Any] | None:
        return self.doc.get("last_run")

    def token(self) -> SecretStr:
        return _vault().decrypt_key(str(self.doc["token"]))

    def public(self) -> dict[str, Any]:
        """The connection as shown to users: no token, the seen set only as a count."""
        state = self.state
        return {
            "id": self.connection_id,
            "workspace_id": self.workspace_id,
            "provider": self.provider,
            "instance_url": self.doc.get("instance_url"),
            "objects": self.doc.get("objects"),
            "rate": self.rate,
            "options": self.options,
            "watermark": self.doc.get("state", {}).get("watermark"),
            "pending_job_id": state.pending.job_id if state.pending else None,
            "last_run": self.last_run,
            "created_at": self.doc.get("created_at"),
            "updated_at": self.doc.get("updated_at"),
        }


def _seal(token: str | SecretStr) -> str:
    raw = (token.get_secret_value() if isinstance(token, SecretStr) else token or "").strip()
    if not raw:
        raise ConfigInvalid("the token is empty")
    if len(raw) > _MAX_TOKEN:
        raise ConfigInvalid(f"the token is longer than {_MAX_TOKEN} characters")
    if not raw.isprintable() or not raw.isascii():
        raise ConfigInvalid("the token must be printable ASCII text, as CRMs issue them")
    return _vault().encrypt_key(raw)


def _vault() -> KeyVault:
    master = get_settings().master_keys
    if master is None:
        raise ConfigInvalid(
            "no master key is configured (CI_MASTER_KEYS, or master_keys in the CI_SECRETS_ARN secret); cannot store or read CRM tokens"
        )
    try:
        return KeyVault.from_raw(master)
    except KeyVaultError as exc:
        raise ConfigInvalid(str(exc)) from None


def _table() -> str:
    return table_name(ConfigItem)


def _key(workspace_id: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": workspace_id}, "sk": {"S": sk}}


def _from_item(item: dict[str, Any]) -> Connection:
    plain = ddb.from_item(item)
    doc = plain.get("doc")
    doc = json.loads(doc) if isinstance(doc, str) else dict(doc or {})
    return Connection(
        workspace_id=str(plain["pk"]),
        connection_id=str(plain["sk"]).removeprefix(CONNECTION_PREFIX),
        doc=doc,
        version=int(plain.get("version") or 0),
    )


def validate_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """The import options a connection may carry (the same vocabulary as an import's)."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(OPTION_KEYS))
    if unknown:
        raise ConfigInvalid(f"unknown option {unknown[0]!r}; a connection takes {', '.join(OPTION_KEYS)}")
    if options.get("purpose") not in (None, "create", "update", "upsert"):
        raise ConfigInvalid("purpose must be create, update or upsert")
    if "tags" in options:
        tags = options["tags"]
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.split(",") if t.strip()]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ConfigInvalid("tags must be a list of strings")
        options["tags"] = tags
    for name in ("assignment_days", "priority"):
        if name in options and options[name] is not None:
            value = options[name]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigInvalid(f"{name} must be a whole number")
    days = options.get("assignment_days")
    if days is not None and not 1 <= days <= 3650:
        raise ConfigInvalid("assignment_days must be 1-3650")
    if options.get("client") is not None and not isinstance(options["client"], str):
        raise ConfigInvalid("client must be a string")
    return {k: v for k, v in options.items() if v is not None}


def connect(
    workspace_id: str,
    provider: str,
    token: str | SecretStr,
    *,
    instance_url: str | None = None,
    objects: list[str] | None = None,
    rate: str | None = None,
    options: dict[str, Any] | None = None,
    base_url: str | None = None,
) -> Connection:
    """Store a new connection with its token encrypted. Raises ConfigInvalid on a bad value."""
    if provider not in PROVIDERS:
        raise ConfigInvalid(f"unknown CRM {provider!r}; one of {', '.join(PROVIDERS)}")
    if provider == "salesforce" and not instance_url:
        raise ConfigInvalid(
            "a Salesforce connection needs its instance URL (https://<domain>.my.salesforce.com)"
        )
    if instance_url is not None and not instance_url.startswith(("https://", "http://")):
        raise ConfigInvalid("instance_url must be an http(s) URL")
    if objects is not None and (not objects or not all(isinstance(o, str) and o for o in objects)):
        raise ConfigInvalid("objects must be a non-empty list of object names")
    if provider != "salesforce" and (objects or instance_url):
        raise ConfigInvalid("instance_url and objects apply to Salesforce connections only")
    if base_url is not None and not base_url.startswith(("https://", "http://")):
        raise ConfigInvalid("base_url must be an http(s) URL")
    sealed = _seal(token)
    connection_id = f"conn_{uuid.uuid4().hex[:16]}"
    ts = now_iso()
    doc: dict[str, Any] = {
        "provider": provider,
        "instance_url": instance_url,
        "objects": objects,
        "base_url": base_url,  # the CRM's API host when not its public one (regional, or a test stub)
        "rate": normalise_rate(rate or get_settings().sync_default_rate),
        "options": validate_options(options),
        "token": sealed,
        "state": SyncState().to_doc(),
        "last_run": None,
        "created_at": ts,
        "updated_at": ts,
    }
    conn = Connection(workspace_id, connection_id, doc, 0)
    _write(conn, doc, new=True)
    return Connection(workspace_id, connection_id, doc, 1)


def _write(conn: Connection, doc: dict[str, Any], *, new: bool = False) -> Connection:
    """Write the connection's doc if nobody else wrote since `conn` was read."""
    doc = {**doc, "updated_at": now_iso()}
    item = {
        **_key(conn.workspace_id, CONNECTION_PREFIX + conn.connection_id),
        "doc": {"S": json.dumps(doc, separators=(",", ":"))},
        "updated_at": {"S": doc["updated_at"]},
        "version": {"N": str(conn.version + 1)},
    }
    pending = (doc.get("state") or {}).get("pending")
    if pending:  # lets sweep() find connections with a job to finalize without reading every doc
        item["pending_job"] = {"S": str(pending["job_id"])}
    kwargs: dict[str, Any]
    if new:
        kwargs = {"ConditionExpression": "attribute_not_exists(pk)"}
    else:
        kwargs = {
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(conn.version)}},
        }
    try:
        client("dynamodb").put_item(TableName=_table(), Item=item, **kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise StateChanged(
                f"connection {conn.connection_id} changed while it was being updated"
            ) from None
        raise
    return Connection(conn.workspace_id, conn.connection_id, doc, conn.version + 1)


def get(workspace_id: str, connection_id: str) -> Connection:
    resp = client("dynamodb").get_item(
        TableName=_table(), Key=_key(workspace_id, CONNECTION_PREFIX + connection_id), ConsistentRead=True
    )
    if "Item" not in resp:
        raise ConnectionNotFound(f"no connection {connection_id} in this workspace")
    return _from_item(resp["Item"])


def list_connections(workspace_id: str) -> list[Connection]:
    pages = (
        client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=_table(),
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": workspace_id}, ":s": {"S": CONNECTION_PREFIX}},
            ConsistentRead=True,
        )
    )
    found = [_from_item(i) for page in pages for i in page.get("Items", [])]
    return sorted(found, key=lambda c: str(c.doc.get("created_at") or ""))


def all_connections(*, pending_only: bool = False) -> Iterator[Connection]:
    """Every connection of every workspace (a scan of the Config table: schedules and sweeps)."""
    expression = "begins_with(sk, :s)" + (" AND attribute_exists(pending_job)" if pending_only else "")
    pages = (
        client("dynamodb")
        .get_paginator("scan")
        .paginate(
            TableName=_table(),
            FilterExpression=expression,
            ExpressionAttributeValues={":s": {"S": CONNECTION_PREFIX}},
            ConsistentRead=True,
        )
    )
    for page in pages:
        for item in page.get("Items", []):
            yield _from_item(item)


def update(
    workspace_id: str,
    connection_id: str,
    change: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    attempts: int = 5,
) -> Connection:
    """Apply `change` to the connection's doc and write it, re-reading when another writer won."""
    for attempt in range(attempts):
        conn = get(workspace_id, connection_id)
        try:
            return _write(conn, change(dict(conn.doc)))
        except StateChanged:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def set_settings(
    workspace_id: str,
    connection_id: str,
    *,
    rate: str | None = None,
    options: dict[str, Any] | None = None,
    token: str | SecretStr | None = None,
) -> Connection:
    """Change a connection's rate, import options or token (reconnecting keeps the watermark)."""
    new_rate = normalise_rate(rate) if rate is not None else None
    new_options = validate_options(options) if options is not None else None
    sealed = _seal(token) if token is not None else None

    def change(doc: dict[str, Any]) -> dict[str, Any]:
        if new_rate is not None:
            doc["rate"] = new_rate
        if new_options is not None:
            doc["options"] = new_options
        if sealed is not None:
            doc["token"] = sealed
        return doc

    return update(workspace_id, connection_id, change)


def delete(workspace_id: str, connection_id: str) -> None:
    get(workspace_id, connection_id)
    dynamodb = client("dynamodb")
    dynamodb.delete_item(TableName=_table(), Key=_key(workspace_id, CONNECTION_PREFIX + connection_id))
    dynamodb.delete_item(TableName=_table(), Key=_key(workspace_id, LOCK_PREFIX + connection_id))


# --- the run lock ----------------------------------------------------------------------------------


def acquire_lock(workspace_id: str, connection_id: str, *, ttl_s: int | None = None) -> str | None:
    """The owner token of a newly taken lock, or None when another run holds an unexpired one."""
    owner = secrets.token_hex(16)
    now = int(time.time())
    ttl = get_settings().sync_lock_s if ttl_s is None else ttl_s
    try:
        client("dynamodb").put_item(
            TableName=_table(),
            Item={
                **_key(workspace_id, LOCK_PREFIX + connection_id),
                "owner": {"S": owner},
                "expires_at": {"N": str(now + ttl)},
                "acquired_at": {"S": now_iso()},
            },
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise
    return owner


def release_lock(workspace_id: str, connection_id: str, owner: str) -> bool:
    """Release the lock if this owner still holds it (a lapsed lock taken over is left alone)."""
    try:
        client("dynamodb").delete_item(
            TableName=_table(),
            Key=_key(workspace_id, LOCK_PREFIX + connection_id),
            ConditionExpression="#o = :o",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":o": {"S": owner}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
