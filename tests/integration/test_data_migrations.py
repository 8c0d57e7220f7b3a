"""Data written by older versions keeps working: claims kept as ClientAssignments `ACTIVE` items
still protect their emails once migrated, old jobs are listed, old contact ids are found."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import pytest

from functions.common import admin, data_migrations, ddb, jobs
from functions.common.aws import client
from functions.common.models import ClientAssignment, Contact, GlobalContact, ImportJob, table_name
from functions.dedup import store
from local import imports, job_list
from local.runtime import Runtime

pytestmark = pytest.mark.integration
FUTURE = "2099-01-01T00:00:00.000Z"


def _put(model: Any, item: dict[str, Any]) -> None:
    client("dynamodb").put_item(TableName=table_name(model), Item={k: ddb.to_av(v) for k, v in item.items()})


def _old_active_claim(email: str, client_id: str, workspace: str) -> dict[str, Any]:
    """As the version before claims moved onto the GlobalContact wrote it."""
    claim = {
        "email": email,
        "sk": "ACTIVE",
        "client_id": client_id,
        "workspace_id": workspace,
        "priority": 0,
        "assigned_at": "2026-01-01T00:00:00.000Z",
        "expires_at": FUTURE,
        "job_id": "job_old",
    }
    _put(ClientAssignment, claim)
    return claim


def _global(email: str, **extra: Any) -> None:
    _put(GlobalContact, {"email": email, "total_sent": 0, "total_responses": 0, "response_rate": 0, **extra})


def test_old_active_claims_move_onto_their_global_contacts_and_keep_protecting_the_email(
    rt: Runtime, workspace: str, tmp_path: Path, out_dir: Path
) -> None:
    tag = workspace[-8:]
    kept, orphan, contested = (f"{n}.{tag}@old-claims-{tag}.com" for n in ("kept", "orphan", "contested"))
    _global(kept)
    _old_active_claim(kept, "client_old", workspace)
    _old_active_claim(orphan, "client_old", workspace)  # no GlobalContact at all
    _global(contested)
    _old_active_claim(contested, "client_old", workspace)
    # a claim made after the upgrade, while the old item was invisible: it is what was enforced
    _global(
        contested,
        owner_client_id="client_new",
        owner_workspace_id=workspace,
        owner_priority=0,
        owner_assigned_at="2026-06-01T00:00:00.000Z",
        owner_expires_at=FUTURE,
    )

    counts = data_migrations.migrate_active_claims()

    assert counts == {"moved": 2, "to_history": 1}
    assert admin.assignment_history(kept)["active"]["client_id"] == "client_old"
    assert admin.assignment_history(orphan)["active"]["client_id"] == "client_old"
    doc = admin.assignment_history(contested)
    assert doc["active"]["client_id"] == "client_new"
    assert [h["client_id"] for h in doc["history"]] == ["client_old"]
    for email in (kept, orphan, contested):
        resp = client("dynamodb").get_item(
            TableName=table_name(ClientAssignment), Key={"email": {"S": email}, "sk": {"S": "ACTIVE"}}
        )
        assert "Item" not in resp
    assert data_migrations.migrate_active_claims() == {"moved": 0, "to_history": 0}  # a re-run: nothing

    path = tmp_path / "other.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["Email"], [kept], [orphan]])
    other = imports.run_import(
        rt, path, workspace_id=workspace + "_b", options={"client": "client_b"}, out_dir=out_dir
    )
    assert other.status == "complete" and other.counters["skipped"] == 2  # still owned by client_old


def test_a_claim_moved_by_a_run_that_stopped_before_deleting_the_old_item_is_recognised(
    rt: Runtime, workspace: str
) -> None:
    email = f"half.{workspace[-8:]}@old-claims.com"
    claim = _old_active_claim(email, "client_old", workspace)
    _global(
        email, **{f"owner_{k}": claim[k] for k in ("client_id", "workspace_id", "assigned_at", "expires_at")}
    )
    assert data_migrations.migrate_active_claims()["moved"] == 1
    assert admin.assignment_history(email)["history"] == []


def test_jobs_made_before_the_listing_index_are_listed_once_keyed(rt: Runtime, workspace: str) -> None:
    job_id = f"job_old_{workspace}"
    _put(
        ImportJob,
        {
            "job_id": job_id,
            "workspace_id": workspace,
            "source": "csv",
            "status": "complete",
            "stage": "complete",
            "stages": [],
            "options": "{}",
            "counters": "{}",
            "warnings": [],
            "created_at": jobs.now_iso(),
            "updated_at": jobs.now_iso(),
        },
    )
    assert job_list.list_jobs(workspace_id=workspace) == []
    assert data_migrations.backfill_job_shards() >= 1
    assert [d["job_id"] for d in job_list.list_jobs(workspace_id=workspace)] == [job_id]
    assert data_migrations.backfill_job_shards() == 0


def test_a_contact_id_of_the_older_format_is_found_through_the_read_model(
    rt: Runtime, workspace: str
) -> None:
    old_id = "cont_0123456789abcdef" + workspace[-4:].replace("_", "0")
    email = f"legacy.{workspace[-8:]}@old-ids.com"
    now = jobs.now_iso()
    _put(
        Contact,
        {
            "workspace_id": workspace,
            "email": email,
            "contact_id": old_id,
            "fields": {"first_name": "Leg"},
            "custom_fields": {},
            "tags": [],
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "is_deleted": False,
        },
    )
    deadline = time.monotonic() + 10
    found: dict[str, Any] = {}
    while not found and time.monotonic() < deadline:
        found = store.contacts_by_id(workspace, [old_id])
    assert found[old_id]["email"] == email
    assert store.contacts_by_id(workspace + "_other", [old_id]) == {}  # another workspace: not found


def test_an_id_whose_email_was_given_to_a_new_contact_finds_nothing(rt: Runtime, workspace: str) -> None:
    from functions.common.contact_ids import new_contact_id

    email = f"again.{workspace[-8:]}@ids.com"
    now = jobs.now_iso()
    first, second = new_contact_id(email), new_contact_id(email)
    _put(
        Contact,
        {
            "workspace_id": workspace,
            "email": email,
            "contact_id": second,
            "created_at": now,
            "updated_at": now,
        },
    )
    assert set(store.contacts_by_id(workspace, [first, second])) == {second}


def test_an_id_whose_contact_is_now_at_another_email_is_found_through_the_read_model(
    rt: Runtime, workspace: str
) -> None:
    from functions.common.contact_ids import new_contact_id

    tag = workspace[-8:]
    contact_id = new_contact_id(f"before.{tag}@ids.com")
    now = jobs.now_iso()
    # as an email change leaves it: the item keyed by its new email, with the id it always had
    _put(
        Contact,
        {
            "workspace_id": workspace,
            "email": f"after.{tag}@ids.com",
            "contact_id": contact_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "is_deleted": False,
        },
    )
    assert store.contacts_by_id(workspace, [contact_id])[contact_id]["email"] == f"after.{tag}@ids.com"
