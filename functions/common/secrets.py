"""The Fernet master keys and the platform's provider keys from one Secrets Manager secret (AWS).

On one machine `CI_MASTER_KEYS` / `CI_PLATFORM_KEYS` carry the keys. On AWS the stack sets
`CI_SECRETS_ARN` instead, naming a secret whose SecretString is

    {"master_keys": "newest,older,...", "platform_keys": {"apollo": "...", "peopledatalabs": "..."}}

and `get_settings()` returns the environment's settings with whichever of the two fields was
not set directly filled from it. The filled settings are kept for `TTL_S` seconds, then the
secret is read again: a rotation (`aws secretsmanager put-secret-value`) reaches every warm
function within that time, without a redeploy. When a re-read fails, the last good keys stay in
use and the read is retried after `RETRY_S`; only a function that never read the secret fails.

Why a plain boto3 call and not Powertools' `parameters.get_secret`: what has to be cached is
the filled `Settings` (`get_settings()` sits on every table-name lookup, so it must be a clock
comparison, not a parse), which makes a second, value-level cache redundant; and the parse
errors here are written to name only the ARN and the field. Why not `functions.common.aws.client`:
it reads `get_settings().region`, the very call being answered, so it would recurse.

Neither the values nor anything derived from them (lengths, prefixes, the JSON decoder's
exception, which carries the whole document) ever reach a log line, an exception message or an
exception's chain.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from functions.common.observability import logger

if TYPE_CHECKING:
    from functions.common.settings import Settings

TTL_S = 300.0
RETRY_S = 30.0
FIELDS = ("master_keys", "platform_keys")

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10)


class SecretsError(RuntimeError):
    """The keys secret cannot be read or is not the expected JSON.

    The message names the secret's ARN and the JSON field at fault, never a value.
    """


@dataclass(frozen=True)
class SecretKeys:
    master_keys: SecretStr | None
    platform_keys: dict[str, SecretStr]


def parse_secret(arn: str, text: str | None) -> SecretKeys:
    """The keys in a SecretString; SecretsError naming the ARN and field when it is malformed.

    An empty `master_keys` (the placeholder the stack creates) means no master key is configured:
    the code that needs one says so when it is called.
    """
    if text is None:
        raise SecretsError(f"secret {arn} has no SecretString: store the keys as a JSON string")
    doc = _json(text)
    if doc is _NOT_JSON:
        raise SecretsError(
            f'secret {arn} is not JSON: expected {{"master_keys": "...", "platform_keys": {{...}}}}'
        )
    if not isinstance(doc, dict):
        raise SecretsError(f"secret {arn} must be a JSON object with the fields {', '.join(FIELDS)}")
    unknown = sorted(str(name) for name in doc if name not in FIELDS)
    if unknown:
        raise SecretsError(f"secret {arn} has unknown field(s) {unknown}; the fields are {', '.join(FIELDS)}")
    master = doc.get("master_keys", "")
    if master is None:
        master = ""
    if not isinstance(master, str):
        raise SecretsError(
            f"secret {arn}: field 'master_keys' must be a string of comma-separated Fernet keys, newest first"
        )
    platform = doc.get("platform_keys", {})
    if platform is None:
        platform = {}
    if not isinstance(platform, dict):
        raise SecretsError(f"secret {arn}: field 'platform_keys' must be an object of provider name to key")
    for provider, value in platform.items():
        if not isinstance(value, str):
            raise SecretsError(f"secret {arn}: field 'platform_keys.{provider}' must be a string")
    return SecretKeys(
        master_keys=SecretStr(master) if master.strip() else None,
        platform_keys={provider: SecretStr(value) for provider, value in platform.items() if value.strip()},
    )


_NOT_JSON = object()


def _json(text: str) -> Any:
    """The parsed document, or _NOT_JSON; raising outside the `except` leaves no chained decoder
    error behind, and that error carries the whole document (`JSONDecodeError.doc`)."""
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_JSON


def _region(arn: str, default: str) -> str:
    """A secret is read in its own region: the one in its ARN (a bare name uses `default`)."""
    parts = arn.split(":")
    return parts[3] if len(parts) >= 7 and parts[0] == "arn" and parts[3] else default


@cache
def _client(region: str) -> Any:
    return boto3.client("secretsmanager", region_name=region, config=_CONFIG)


def read_secret(arn: str, *, region: str) -> SecretKeys:
    try:
        response = _client(_region(arn, region)).get_secret_value(SecretId=arn)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise SecretsError(f"secret {arn} could not be read ({code})") from None
    except BotoCoreError as exc:
        raise SecretsError(f"secret {arn} could not be read ({type(exc).__name__})") from None
    return parse_secret(arn, response.get("SecretString"))


@dataclass(frozen=True)
class _Cached:
    base: Settings
    settings: Settings
    refresh_at: float


_lock = threading.Lock()
_cached: _Cached | None = None
_clock = time.monotonic  # tests move it


def with_secret_keys(base: Settings) -> Settings:
    """`base` with master_keys / platform_keys filled from `base.secrets_arn` where base has none."""
    global _cached
    cached = _cached
    if cached is not None and cached.base is base and _clock() < cached.refresh_at:
        return cached.settings
    with _lock:
        cached = _cached
        now = _clock()
        if cached is not None and cached.base is base and now < cached.refresh_at:
            return cached.settings
        arn = base.secrets_arn
        assert arn, "with_secret_keys needs settings that name a secret"
        try:
            keys = read_secret(arn, region=base.region)
        except SecretsError as exc:
            if cached is None or cached.base is not base:
                raise
            logger.warning(
                "keeping the last keys read from the secret; retrying later",
                extra={"secret_arn": arn, "error": str(exc), "retry_in_s": RETRY_S},
            )
            _cached = _Cached(base, cached.settings, now + RETRY_S)
            return cached.settings
        update: dict[str, Any] = {}
        if base.master_keys is None:
            update["master_keys"] = keys.master_keys
        if not base.platform_keys:
            update["platform_keys"] = keys.platform_keys
        settings = base.model_copy(update=update)
        _cached = _Cached(base, settings, now + TTL_S)
        return settings


def forget_secret() -> None:
    """Read the secret again on next use, with a new client (tests and the local runtime)."""
    global _cached
    with _lock:
        _cached = None
    _client.cache_clear()
