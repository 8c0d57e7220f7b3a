"""The per-connection EventBridge Scheduler schedule that invokes the sync function.

One schedule per connection, named from its id, in the stage's schedule group; its target is
the sync function with `{"action": "run", "workspace_id", "connection_id"}` as input, a retry
policy and a dead-letter queue. On one machine (no CI_SYNC_FUNCTION_ARN) these calls do
nothing: `contact-import serve` runs due connections itself with the same rate expressions
(`is_due`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from functions.common.aws import client
from functions.common.errors import ConfigInvalid
from functions.common.settings import get_settings

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*?/,\-#L]+$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
RETRY_POLICY = {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3}
# EventBridge numbers days of the week 1-7 from Sunday
_DAYS = {name: n for n, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
_MONTHS = {
    name: n
    for n, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
    )
}


def normalise_rate(expr: str) -> str:
    """The schedule expression in the form EventBridge Scheduler accepts: `rate(1 hour)`,
    `rate(15 minutes)`, or `cron(min hour day-of-month month day-of-week year)`. Raises
    ConfigInvalid with the accepted forms otherwise."""
    text = (expr or "").strip()
    m = _RATE.match(text)
    if m:
        value, unit = int(m[1]), m[2].rstrip("s")
        if value < 1:
            raise ConfigInvalid("a rate must be at least 1")
        return f"rate({value} {unit}{'' if value == 1 else 's'})"
    c = _CRON.match(text)
    if c:
        fields = c[1].split()
        if len(fields) != 6 or not all(_CRON_FIELD.match(f) for f in fields):
            raise ConfigInvalid(
                "a cron expression has six fields: cron(minutes hours day-of-month month day-of-week year)"
            )
        if "?" not in (fields[2], fields[4]):
            raise ConfigInvalid("cron: one of day-of-month and day-of-week must be '?'")
        return f"cron({' '.join(fields)})"
    raise ConfigInvalid(
        f"{text!r} is not a schedule: use rate(N minutes|hours|days), e.g. rate(1 hour), or cron(...)"
    )


def interval(expr: str) -> timedelta | None:
    """The period of a rate expression (None for cron)."""
    m = _RATE.match(normalise_rate(expr))
    return timedelta(seconds=int(m[1]) * _UNIT_SECONDS[m[2].rstrip("s")]) if m else None


def is_due(expr: str, last_run: datetime | None, now: datetime) -> bool:
    """Whether a connection with this schedule should run now (the local scheduler's rule):
    rate: `interval` since the last run; cron: a matching minute after the last run (looked for
    within the last day at most)."""
    period = interval(expr)
    if period is not None:
        return last_run is None or now - last_run >= period
    fields = normalise_rate(expr)[5:-1].split()
    start = now - timedelta(days=1) if last_run is None else max(last_run, now - timedelta(days=1))
    minute = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while minute <= now:
        if _cron_matches(fields, minute):
            return True
        minute += timedelta(minutes=1)
    return False


def _cron_part(spec: str, value: int, low: int, high: int, names: dict[str, int]) -> bool:
    if spec in ("*", "?"):
        return True
    for part in spec.split(","):
        step, stepped = 1, "/" in part
        if stepped:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            lo, hi = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            lo, hi = _cron_value(a, names), _cron_value(b, names)
        else:
            lo = _cron_value(part, names)
            hi = high if stepped else lo
        if lo <= value <= hi and (value - lo) % step == 0:
            return True
    return False


def _cron_value(text: str, names: dict[str, int]) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        # L, W and # are EventBridge-only refinements; the local scheduler does not evaluate them
        raise ValueError(f"cron value {text!r} is not supported by the local scheduler")
    return int(text)


def _cron_matches(fields: list[str], at: datetime) -> bool:
    minute, hour, dom, month, dow, year = fields
    weekday = (at.weekday() + 1) % 7 + 1  # Python counts from Monday = 0
    try:
        return (
            _cron_part(minute, at.minute, 0, 59, {})
            and _cron_part(hour, at.hour, 0, 23, {})
            and _cron_part(dom, at.day, 1, 31, {})
            and _cron_part(month, at.month, 1, 12, _MONTHS)
            and _cron_part(dow, weekday, 1, 7, _DAYS)
            and _cron_part(year, at.year, 1970, 2199, {})
        )
    except ValueError:
        return False


def schedule_name(connection_id: str) -> str:
    """EventBridge Scheduler names: 1-64 of [0-9A-Za-z-_.]."""
    safe = re.sub(r"[^0-9A-Za-z_.\-]", "-", connection_id)
    return f"sync-{safe}"[:64]


def _request(workspace_id: str, connection_id: str, rate: str) -> dict[str, Any] | None:
    settings = get_settings()
    if not settings.sync_function_arn:
        return None
    if not settings.scheduler_role_arn:
        raise ConfigInvalid("CI_SCHEDULER_ROLE_ARN is not set: the sync schedule cannot invoke the function")
    target: dict[str, Any] = {
        "Arn": settings.sync_function_arn,
        "RoleArn": settings.scheduler_role_arn,
        "Input": json.dumps(
            {"action": "run", "workspace_id": workspace_id, "connection_id": connection_id},
            separators=(",", ":"),
        ),
        "RetryPolicy": dict(RETRY_POLICY),
    }
    if settings.sync_dlq_arn:
        target["DeadLetterConfig"] = {"Arn": settings.sync_dlq_arn}
    request: dict[str, Any] = {
        "Name": schedule_name(connection_id),
        "ScheduleExpression": normalise_rate(rate),
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": target,
        "State": "ENABLED",
        "Description": f"CRM sync of connection {connection_id} (workspace {workspace_id})",
    }
    if settings.schedule_group:
        request["GroupName"] = settings.schedule_group
    return request


def put_schedule(workspace_id: str, connection_id: str, rate: str, *, scheduler: Any = None) -> str | None:
    """Create the connection's schedule, or update it to this rate; the schedule's name, or None
    when schedules are not deployed (one machine)."""
    request = _request(workspace_id, connection_id, rate)
    if request is None:
        return None
    scheduler = scheduler or client("scheduler")
    try:
        scheduler.create_schedule(**request)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConflictException":
            raise
        scheduler.update_schedule(**request)
    return str(request["Name"])


def delete_schedule(connection_id: str, *, scheduler: Any = None) -> bool:
    """Delete the connection's schedule; False when there was none (or none are deployed)."""
    settings = get_settings()
    if not settings.sync_function_arn:
        return False
    request: dict[str, Any] = {"Name": schedule_name(connection_id)}
    if settings.schedule_group:
        request["GroupName"] = settings.schedule_group
    scheduler = scheduler or client("scheduler")
    try:
        scheduler.delete_schedule(**request)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return False
        raise
    return True
