"""The retention policy on DynamoDB Local and the read model: off by default, a dry run counts
exactly what the (scheduled) run then deletes, engagement or a recent update keeps a contact,
and every deletion is in the audit log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.api import auth, contacts
from functions.common import audit as stamps
from functions.common import ddb
from functions.common.aws import client as aws_client
from functions.common.models import Contact, EngagementEvent, table_name
from functions.events.store import timeline_pk
from functions.maintenance import retention
from functions.query import audit
from functions.query.db import get_database
from local.server import LocalApi
from tests.integration.test_api_support import api, client, error_of, new_workspace  # noqa: F401

pytestmark = pytest.mark.integration


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _put(ws: str, *, age_days: int, deleted: bool = False) -> dict[str, Any]:
    stamp = _iso(datetime.now(UTC) - timedelta(days=age_days))
    item = {
        "workspace_id": ws,
        "email": f"r.{uuid.uuid4().hex[:8]}@keep-example.com",
        "contact_id": f"cont_{uuid.uuid4().hex[:12]}",
        "fields": {"first_name": "Old"},
        "custom_fields": {},
        "tags": [],
        "created_at": stamp,
        "updated_at": stamp,
        "version": 1,
        "is_deleted": deleted,
        "dnt": False,
        **stamps.stamp("cli", "cli"),
    }
    aws_client("dynamodb").put_item(
        TableName=table_name(Contact), Item={k: ddb.to_av(v) for k, v in item.items()}
    )
    return item


def _opened(ws: str, email: str, days_ago: int) -> None:
    at = _iso(datetime.now(UTC) - timedelta(days=days_ago))
    event_id = f"ev_{uuid.uuid4().hex[:8]}"
    item = {
        "pk": timeline_pk(ws, email),
        "sk": f"{at}#{event_id}",
        "event_id": event_id,
        "event_type": "opened",
        "workspace_id": ws,
        "email": email,
        "occurred_at": at,
        "received_at": at,
    }
    aws_client("dynamodb").put_item(
        TableName=table_name(EngagementEvent), Item={k: ddb.to_av(v) for k, v in item.items()}
    )


def test_the_dry_run_equals_the_scheduled_run_and_each_deletion_is_audited(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    admin = client(api, ws, (auth.CONFIG_READ, auth.CONFIG_WRITE, auth.CONTACTS_READ))
    stale = [_put(ws, age_days=400) for _ in range(4)]
    engaged = _put(ws, age_days=400)
    _opened(ws, engaged["email"], days_ago=10)
    sent_only = _put(ws, age_days=200)  # 200 days: stale for 180, not for 365
    fresh = _put(ws, age_days=5)
    _put(ws, age_days=400, deleted=True)

    policy = admin.get("/api/v1/config/retention-policy")
    assert policy.status_code == 200 and policy.json() == {"enabled": False, "days": 365, "audit_days": 730}
    db = get_database()
    assert db is not None
    assert retention.run_scheduled(db)["workspaces"] == [] or all(
        w["workspace_id"] != ws for w in retention.run_scheduled(db)["workspaces"]
    )  # off: nothing of this workspace is touched
    assert contacts.item_by_email(ws, stale[0]["email"])["is_deleted"] is False  # type: ignore[index]

    set_to = admin.put(
        "/api/v1/config/retention-policy", json={"enabled": True, "days": 180, "audit_days": 365}
    )
    assert set_to.status_code == 200, set_to.text
    reader = client(api, ws, (auth.CONFIG_READ,))
    dry = reader.post("/api/v1/config/retention-policy/run", params={"dry_run": "true"})
    assert dry.status_code == 200, dry.text
    expected = {i["contact_id"] for i in [*stale, sent_only]}
    assert dry.json()["candidates"] == 5 and set(dry.json()["contact_ids"]) == expected
    assert dry.json()["deleted"] == 0
    year = reader.post("/api/v1/config/retention-policy/run", params={"dry_run": "true", "days": 365})
    assert year.json()["candidates"] == 4  # the 200-day-old contact is not a year stale
    wrong = reader.post("/api/v1/config/retention-policy/run", params={"dry_run": "true", "days": 30})
    assert wrong.status_code == 400 and error_of(wrong)["field"] == "days"
    refused = reader.post("/api/v1/config/retention-policy/run")
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"

    done = [w for w in retention.run_scheduled(db)["workspaces"] if w["workspace_id"] == ws]
    assert [(w["candidates"], w["deleted"]) for w in done] == [(5, 5)]
    for item in (*stale, sent_only):
        now = contacts.item_by_email(ws, item["email"])
        assert now is not None and now["is_deleted"] is True and now["deletion_reason"] == "retention_policy"
        entry = audit.page(db, ws, item["contact_id"]).entries[0]
        assert (entry["actor"], entry["source"]) == ("retention", "retention")
        assert entry["changes"]["is_deleted"] == {"before": False, "after": True}
    for item in (engaged, fresh):
        assert contacts.item_by_email(ws, item["email"])["is_deleted"] is False  # type: ignore[index]
    again = admin.post("/api/v1/config/retention-policy/run")
    assert again.status_code == 200 and (again.json()["candidates"], again.json()["deleted"]) == (0, 0)
    bad = admin.put("/api/v1/config/retention-policy", json={"enabled": True, "days": 30})
    assert bad.status_code == 400 and error_of(bad)["field"] == "days"
