"""Bulk operations over real HTTP on DynamoDB Local, the read model and the real bulk state
machine: small ones finish in the request, large ones run in chunks with progress; undo writes
back exactly what was there, leaving alone (and reporting) a contact changed in between."""

from __future__ import annotations

import csv
import io
import itertools
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from functions.api import contacts as contacts_api
from functions.common import audit, ddb
from functions.common.aws import client as aws_client
from functions.common.models import Contact, Suppression, table_name
from functions.manage import bulk
from local import imports
from local.server import LocalApi
from tests.integration.helpers import contacts
from tests.integration.test_api_support import api, client, error_of, new_workspace, seed_contacts  # noqa: F401

pytestmark = pytest.mark.integration

# what every write moves; everything else must come back byte for byte
STAMPS = ("updated_at", "version")


def unstamped(item: dict[str, Any]) -> dict[str, Any]:
    """Without the audit stamps (who wrote last), which an undo moves like any write."""
    return {k: v for k, v in item.items() if k not in audit.ATTRIBUTES}


def raw_items(workspace: str) -> dict[str, dict[str, Any]]:
    pages = (
        aws_client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=table_name(Contact),
            KeyConditionExpression="workspace_id = :w",
            ExpressionAttributeValues={":w": {"S": workspace}},
            ConsistentRead=True,
        )
    )
    return {
        i["email"]["S"]: {k: v for k, v in i.items() if k not in STAMPS}
        for page in pages
        for i in page.get("Items", [])
    }


def _add(c: httpx.Client, tags: list[str]) -> dict[str, Any]:
    r = c.post("/api/v1/contacts", json={"email": f"b.{uuid.uuid4().hex[:8]}@bulk-example.com", "tags": tags})
    assert r.status_code == 201, r.text
    return dict(r.json())


def wait_for(
    c: httpx.Client,
    op_id: str,
    statuses: tuple[str, ...],
    *,
    timeout: float = 300,
    allow_failed: bool = False,
) -> list[dict[str, Any]]:
    """Every distinct view of the operation until it reaches one of `statuses`."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        r = c.get(f"/api/v1/bulk-operations/{op_id}")
        assert r.status_code == 200, r.text
        doc = r.json()
        if not seen or doc != seen[-1]:
            seen.append(doc)
        if doc["status"] in statuses:
            return seen
        assert allow_failed or doc["status"] != "failed", doc
        if time.monotonic() > deadline:
            raise TimeoutError(f"bulk operation {op_id} still {doc['status']} ({doc['done']}/{doc['total']})")
        time.sleep(0.3)


def test_small_add_tags_by_ids_finishes_in_the_request_and_undo_restores_all_but_a_contact_changed_since(
    api: LocalApi,  # noqa: F811
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    a, b, d = _add(c, ["old"]), _add(c, ["VIP"]), _add(c, [])
    before = raw_items(ws)
    r = c.post(
        "/api/v1/contacts/bulk-operations",
        json={
            "action": "add_tags",
            "params": {"tags": ["vip", "q3"]},
            "selection": {"ids": [a["id"], b["id"], d["id"], "cont_missing"]},
        },
    )
    assert r.status_code == 200, r.text
    op = r.json()
    assert op["status"] == "complete" and op["action"] == "add_tags"
    assert (op["total"], op["done"], op["succeeded"], op["changed"], op["failed"]) == (4, 3, 3, 3, 1)
    assert op["failures"] == [{"contact_id": "cont_missing", "reason": "not_found"}]
    assert op["undo_until"] > op["created_at"]
    assert c.get(f"/api/v1/contacts/{a['id']}").json()["tags"] == ["old", "vip", "q3"]
    assert c.get(f"/api/v1/contacts/{b['id']}").json()["tags"] == ["VIP", "q3"]  # case-insensitive union
    # the list (read model) sees the tag at once
    listed = c.get("/api/v1/contacts", params={"tag": "q3"}).json()["data"]
    assert {x["id"] for x in listed} == {a["id"], b["id"], d["id"]}

    changed = c.patch(f"/api/v1/contacts/{d['id']}", json={"tags": ["mine"]})
    assert changed.status_code == 200, changed.text

    undone = c.post(f"/api/v1/bulk-operations/{op['id']}/undo")
    assert undone.status_code == 200, undone.text
    u = undone.json()
    assert u["status"] == "undone"
    assert u["undo"] == {
        "done": 3,
        "restored": 2,
        "left_alone": 1,
        "conflicts": [{"contact_id": d["id"], "reason": "changed since the operation; left as it is"}],
    }
    after = raw_items(ws)
    for email, item in before.items():
        if item["contact_id"]["S"] == d["id"]:
            assert after[email]["tags"] == {"L": [{"S": "mine"}]}
        else:
            assert unstamped(after[email]) == unstamped(item), "undo writes back exactly what was there"
    # the operation and its undo are each in the contact's audit log, under their own actor
    history = c.get(f"/api/v1/contacts/{a['id']}/audit").json()["data"]
    by_actor = {e["actor"]: e for e in history}
    assert by_actor[f"op:{op['id']}"]["source"] == "bulk"
    assert by_actor[f"op:{op['id']}"]["changes"]["tags"] == {"before": ["old"], "after": ["old", "vip", "q3"]}
    assert by_actor[f"op:{op['id']}:undo"]["changes"]["tags"] == {
        "before": ["old", "vip", "q3"],
        "after": ["old"],
    }
    # undoing twice is one undo
    again = c.post(f"/api/v1/bulk-operations/{op['id']}/undo")
    assert again.status_code == 200 and again.json()["undo"] == u["undo"]
    assert raw_items(ws) == after


def test_filter_selection_set_custom_field_soft_delete_and_restore(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    c = client(api, ws)
    assert c.post("/api/v1/custom-fields", json={"name": "stage", "field_type": "string"}).status_code == 201
    hot = [_add(c, ["hot"]) for _ in range(3)]
    cold = _add(c, ["cold"])
    selection = {"filters": [{"field": "has_tag", "op": "eq", "value": "hot"}]}
    r = c.post(
        "/api/v1/contacts/bulk-operations",
        json={
            "action": "set_custom_field",
            "params": {"name": "stage", "value": "mql"},
            "selection": selection,
        },
    )
    assert r.status_code == 200, r.text
    assert (r.json()["total"], r.json()["changed"]) == (3, 3)
    for x in hot:
        assert c.get(f"/api/v1/contacts/{x['id']}").json()["custom_fields"] == {"stage": "mql"}
    assert c.get(f"/api/v1/contacts/{cold['id']}").json()["custom_fields"] == {}

    deleted = c.post(
        "/api/v1/contacts/bulk-operations",
        json={"action": "soft_delete", "params": {"reason": "campaign over"}, "selection": selection},
    ).json()
    assert deleted["status"] == "complete" and deleted["changed"] == 3
    detail = c.get(f"/api/v1/contacts/{hot[0]['id']}").json()
    assert detail["is_deleted"] is True and detail["deletion_reason"] == "campaign over"
    restored = c.post(
        "/api/v1/contacts/bulk-operations",
        json={"action": "restore", "selection": {"ids": [x["id"] for x in hot]}},
    ).json()
    assert restored["changed"] == 3
    assert c.get(f"/api/v1/contacts/{hot[0]['id']}").json()["is_deleted"] is False


def test_list_filters_select_exactly_the_contacts_the_list_view_counts(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    c = client(api, ws)
    hot = [_add(c, ["hot"]) for _ in range(3)]
    _add(c, ["cold"])
    segment = c.post("/api/v1/segments", json={"name": "Two hot", "type": "static"}).json()
    added = c.post(f"/api/v1/segments/{segment['id']}/members", json={"add": [hot[0]["id"], hot[1]["id"]]})
    assert added.status_code < 300, added.text
    view = {"tag": "HOT", "search": "bulk-example", "segment_id": segment["id"]}
    listed = c.get("/api/v1/contacts", params=view).json()
    assert listed["meta"]["total_count"] == 2
    r = c.post(
        "/api/v1/contacts/bulk-operations",
        json={"action": "add_tags", "params": {"tags": ["picked"]}, "selection": {"list_filters": view}},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["total"], r.json()["changed"]) == (2, 2)
    picked = c.get("/api/v1/contacts", params={"tag": "picked"}).json()["data"]
    assert {x["id"] for x in picked} == {x["id"] for x in listed["data"]}
    # a list filter the list would refuse is refused here by the same name, under the selection
    bad = c.post(
        "/api/v1/contacts/bulk-operations",
        json={"action": "restore", "selection": {"list_filters": {"created_after": "not a date"}}},
    )
    assert bad.status_code == 400 and error_of(bad)["field"] == "selection.list_filters.created_after"
    both = c.post(
        "/api/v1/contacts/bulk-operations",
        json={"action": "restore", "selection": {"ids": [hot[0]["id"]], "list_filters": {}}},
    )
    assert both.status_code == 400


def test_bad_requests_and_other_workspaces(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    c = client(api, ws)
    x = _add(c, [])
    post = "/api/v1/contacts/bulk-operations"
    both = c.post(
        post,
        json={
            "action": "add_tags",
            "params": {"tags": ["a"]},
            "selection": {"ids": [x["id"]], "filters": []},
        },
    )
    assert both.status_code == 400 and "either ids or filters" in error_of(both)["message"]
    no_tags = c.post(post, json={"action": "add_tags", "params": {}, "selection": {"ids": [x["id"]]}})
    assert error_of(no_tags) == {
        "code": "validation_error",
        "message": "params.tags must be a non-empty list of tag names",
        "field": "params.tags",
    }
    undefined = c.post(
        post,
        json={
            "action": "set_custom_field",
            "params": {"name": "nope", "value": 1},
            "selection": {"ids": [x["id"]]},
        },
    )
    assert undefined.status_code == 400 and error_of(undefined)["field"] == "params.value"
    bad_filter = c.post(
        post,
        json={
            "action": "add_tags",
            "params": {"tags": ["a"]},
            "selection": {"filters": [{"field": "nope", "op": "eq", "value": 1}]},
        },
    )
    assert bad_filter.status_code == 400 and error_of(bad_filter)["field"] == "selection.filters.0.field"
    too_many = c.post(
        post,
        json={
            "action": "add_tags",
            "params": {"tags": ["a"]},
            "selection": {"ids": [f"c{i}" for i in range(10_001)]},
        },
    )
    assert too_many.status_code == 400

    op = c.post(
        post, json={"action": "add_tags", "params": {"tags": ["a"]}, "selection": {"ids": [x["id"]]}}
    ).json()
    other = client(api, new_workspace())
    assert error_of(other.get(f"/api/v1/bulk-operations/{op['id']}"))["code"] == "not_found"
    assert error_of(other.post(f"/api/v1/bulk-operations/{op['id']}/undo"))["code"] == "not_found"
    # another workspace's contact ids select nothing here
    theirs = other.post(
        post, json={"action": "add_tags", "params": {"tags": ["b"]}, "selection": {"ids": [x["id"]]}}
    )
    assert theirs.json()["failures"] == [{"contact_id": x["id"], "reason": "not_found"}]
    assert c.get(f"/api/v1/contacts/{x['id']}").json()["tags"] == ["a"]
    read_only = client(api, ws, ("contacts:read",))
    assert (
        read_only.post(
            post, json={"action": "add_tags", "params": {"tags": ["a"]}, "selection": {"ids": [x["id"]]}}
        ).status_code
        == 403
    )
    assert read_only.get(f"/api/v1/bulk-operations/{op['id']}").status_code == 200
    assert read_only.post(f"/api/v1/bulk-operations/{op['id']}/undo").status_code == 403
    assert c.get("/api/v1/bulk-operations/bop_nope").status_code == 404


ASYNC_CONTACTS = 2_600  # above the in-request limit, several chunks; the 25,000 run is `make bench-bulk`


def test_large_bulk_tag_by_filter_runs_on_the_state_machine_with_progress_and_undo_leaves_one_changed(
    api: LocalApi,  # noqa: F811
) -> None:
    ws = new_workspace()
    emails = seed_contacts(ws, ASYNC_CONTACTS)
    before = raw_items(ws)
    c = client(api, ws)
    r = c.post(
        "/api/v1/contacts/bulk-operations",
        json={
            "action": "add_tags",
            "params": {"tags": ["spring"]},
            "selection": {"filters": [{"field": "email", "op": "ends_with", "value": "@seed-example.com"}]},
        },
    )
    assert r.status_code == 202, r.text
    op = r.json()
    assert op["status"] in ("queued", "running") and op["total"] == ASYNC_CONTACTS
    views = wait_for(c, op["id"], ("complete",))
    done = views[-1]
    assert (done["done"], done["succeeded"], done["changed"], done["failed"]) == (ASYNC_CONTACTS,) * 3 + (0,)
    assert all(v["done"] <= v["total"] for v in views)
    assert all(i["tags"][-1] == "spring" for i in contacts(ws))

    someone = next(i for i in contacts(ws) if i["email"] == emails[7])
    assert (
        c.post(
            f"/api/v1/contacts/{someone['contact_id']}/tags", json={"add": ["kept"], "remove": []}
        ).status_code
        == 200
    )

    u = c.post(f"/api/v1/bulk-operations/{op['id']}/undo")
    assert u.status_code == 202, u.text
    final = wait_for(c, op["id"], ("undone",))[-1]
    assert final["undo"]["restored"] == ASYNC_CONTACTS - 1 and final["undo"]["left_alone"] == 1
    assert final["undo"]["conflicts"] == [
        {"contact_id": someone["contact_id"], "reason": "changed since the operation; left as it is"}
    ]
    after = raw_items(ws)
    assert after[emails[7]]["tags"] == ddb.to_av([*someone["tags"], "kept"])
    assert {e: unstamped(i) for e, i in after.items() if e != emails[7]} == {
        e: unstamped(i) for e, i in before.items() if e != emails[7]
    }
    assert bulk.record(ws, op["id"])["status"] == "undone"


def test_a_bulk_operation_and_its_undo_killed_mid_chunk_resume_and_happen_exactly_once(
    api: LocalApi,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws = new_workspace()
    seed_contacts(ws, 1_200)  # three chunks, on the state machine
    before = raw_items(ws)
    c = client(api, ws)
    real_write = bulk._write
    outcomes: list[str] = []
    lock = threading.Lock()
    die_at: list[int] = []

    def write(*args: Any, **kwargs: Any) -> str:
        with lock:
            n = len(outcomes)
            if die_at and n == die_at[0]:
                die_at.clear()
                outcomes.append("killed")
                raise RuntimeError("killed mid-chunk")
        result = real_write(*args, **kwargs)
        with lock:
            outcomes.append(result)
        return result

    monkeypatch.setattr(bulk, "_write", write)
    selection = {"filters": [{"field": "email", "op": "ends_with", "value": "@seed-example.com"}]}

    die_at.append(700)
    r = c.post(
        "/api/v1/contacts/bulk-operations",
        json={"action": "add_tags", "params": {"tags": ["crash"]}, "selection": selection},
    )
    assert r.status_code == 202, r.text
    op_id = r.json()["id"]
    failed = wait_for(c, op_id, ("failed",), allow_failed=True)[-1]
    assert "killed mid-chunk" in failed["error"] and failed["done"] < 1_200
    resumed = c.post(f"/api/v1/bulk-operations/{op_id}/resume")
    assert resumed.status_code == 202, resumed.text
    done = wait_for(c, op_id, ("complete",))[-1]
    assert (done["done"], done["succeeded"], done["changed"], done["failed"]) == (1_200, 1_200, 1_200, 0)
    # every contact written once: the resumed chunk found its earlier writes done, from its log
    assert outcomes.count("written") == 1_200 and outcomes.count("killed") == 1
    assert all(i["tags"].count("crash") == 1 for i in contacts(ws))

    outcomes.clear()
    die_at.append(500)
    assert c.post(f"/api/v1/bulk-operations/{op_id}/undo").status_code == 202
    assert "killed mid-chunk" in wait_for(c, op_id, ("failed",), allow_failed=True)[-1]["error"]
    assert c.post(f"/api/v1/bulk-operations/{op_id}/resume").status_code == 202
    undone = wait_for(c, op_id, ("undone",))[-1]
    assert undone["undo"]["restored"] == 1_200 and undone["undo"]["left_alone"] == 0
    assert outcomes.count("written") == 1_200  # no contact restored twice
    assert {e: unstamped(i) for e, i in raw_items(ws).items()} == {e: unstamped(i) for e, i in before.items()}
    # and an undone operation is not undone again
    assert c.post(f"/api/v1/bulk-operations/{op_id}/undo").json()["status"] == "undone"
    assert outcomes.count("written") == 1_200


def test_export_csv_is_downloadable_formula_safe_and_has_every_field(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    c = client(api, ws)
    r = c.post(
        "/api/v1/contacts",
        json={
            "email": f"x.{uuid.uuid4().hex[:6]}@bulk-example.com",
            "first_name": "=HYPERLINK(1)",
            "tags": ["t"],
        },
    )
    plain = _add(c, ["t"])
    op = c.post(
        "/api/v1/contacts/bulk-operations",
        json={
            "action": "export_csv",
            "selection": {"filters": [{"field": "has_tag", "op": "eq", "value": "t"}]},
        },
    ).json()
    assert op["status"] == "complete" and op["succeeded"] == 2 and op["undo_until"] is None
    rows = list(csv.reader(io.StringIO(httpx.get(op["download_url"]).text)))
    assert rows[0][:2] == ["id", "email"] and "custom_fields" in rows[0] and "company" in rows[0]
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {r.json()["id"], plain["id"]}
    assert by_id[r.json()["id"]]["first_name"] == "'=HYPERLINK(1)"
    assert by_id[plain["id"]]["tags"] == '["t"]'
    refused = c.post(f"/api/v1/bulk-operations/{op['id']}/undo")
    assert refused.status_code == 409 and error_of(refused)["code"] == "conflict"


def test_add_to_suppression_and_its_undo_keep_a_suppression_that_was_there(api: LocalApi) -> None:  # noqa: F811
    ws = new_workspace()
    c = client(api, ws)
    a, b = _add(c, []), _add(c, [])
    assert c.post("/api/v1/suppressions", json={"value": b["email"], "reason": "opt_out"}).status_code in (
        200,
        201,
    )
    op = c.post(
        "/api/v1/contacts/bulk-operations",
        json={
            "action": "add_to_suppression",
            "params": {"reason": "hard_bounce"},
            "selection": {"ids": [a["id"], b["id"]]},
        },
    ).json()
    assert (op["status"], op["succeeded"], op["changed"]) == ("complete", 2, 1)

    def suppressed(email: str) -> dict[str, Any] | None:
        item = aws_client("dynamodb").get_item(
            TableName=table_name(Suppression), Key={"scope": {"S": ws}, "value": {"S": email}}
        )
        return ddb.from_item(item["Item"]) if "Item" in item else None

    assert suppressed(a["email"])["source"] == f"op:{op['id']}"  # type: ignore[index]
    undone = c.post(f"/api/v1/bulk-operations/{op['id']}/undo").json()
    assert undone["undo"]["restored"] == 1
    assert suppressed(a["email"]) is None and suppressed(b["email"])["reason"] == "opt_out"  # type: ignore[index]


def _import(api: LocalApi, ws: str, tmp_path: Path, rows: list[tuple[str, str, str]]) -> Any:  # noqa: F811
    path = tmp_path / f"import-{uuid.uuid4().hex[:6]}.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Email", "First Name", "Title"])
        w.writerows(rows)
    outcome = imports.run_import(
        api.runtime, path, workspace_id=ws, options={"tags": ["imp"]}, out_dir=tmp_path
    )
    assert outcome.status == "complete", outcome
    return outcome


# bookkeeping the audit log does not carry, so a rollback from it cannot restore (`last_job` it
# restores from the audit log's earlier import entries)
NOT_AUDITED = ("score_breakdown",)


def test_import_rollback_removes_its_contacts_and_restores_its_changes_unless_changed_since(
    api: LocalApi,  # noqa: F811
    tmp_path: Path,
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    tag = uuid.uuid4().hex[:6]
    first = _import(
        api,
        ws,
        tmp_path,
        [(f"a.{tag}@rb-example.com", "Ann", "Engineer"), (f"b.{tag}@rb-example.com", "Bo", "Engineer")],
    )
    before = raw_items(ws)
    second = _import(
        api,
        ws,
        tmp_path,
        [
            (f"a.{tag}@rb-example.com", "Ann", "VP Sales"),
            (f"b.{tag}@rb-example.com", "Bo", "VP Sales"),
            (f"c.{tag}@rb-example.com", "Cy", "CTO"),
            (f"d.{tag}@rb-example.com", "Di", "CFO"),
        ],
    )
    assert (second.counters["imported"], second.counters["updated"]) == (2, 2)
    b_id = before[f"b.{tag}@rb-example.com"]["contact_id"]["S"]
    assert c.patch(f"/api/v1/contacts/{b_id}", json={"title": "Founder"}).status_code == 200

    r = c.post(f"/api/v1/imports/{second.job_id}/rollback")
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["status"] == "rolled_back" and job["rollback"]["status"] == "complete"
    assert job["counters"]["rollback"] == {"contacts": 4, "removed": 2, "restored": 2, "left_alone": 1}
    after = raw_items(ws)
    assert set(after) == set(before), "the contacts the import created are gone"
    a = f"a.{tag}@rb-example.com"
    drop = (*NOT_AUDITED, *audit.ATTRIBUTES)
    assert {k: v for k, v in after[a].items() if k not in drop} == {
        k: v for k, v in before[a].items() if k not in drop
    }
    # B: its title (and the seniority/department derived from it) changed since, so they stay;
    # what else the import did is taken back
    b = f"b.{tag}@rb-example.com"
    assert after[b]["fields"]["M"]["title"] == {"S": "Founder"}
    assert after[b]["tags"] == before[b]["tags"]
    assert job["rollback"]["failures"] == [
        {"contact_id": b_id, "reason": "changed since, left as it is: department,seniority,title"}
    ]
    assert {k: v for k, v in after[b].items() if k not in (*drop, "fields")} == {
        k: v for k, v in before[b].items() if k not in (*drop, "fields")
    }
    # the purge left only the retention log; again is the same answer, nothing more done
    again = c.post(f"/api/v1/imports/{second.job_id}/rollback")
    assert again.status_code == 200 and again.json()["counters"] == job["counters"]
    assert raw_items(ws) == after
    other = client(api, new_workspace())
    assert error_of(other.post(f"/api/v1/imports/{first.job_id}/rollback"))["code"] == "not_found"


def test_a_rollback_killed_mid_way_and_retried_removes_and_restores_exactly_once(
    api: LocalApi,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws = new_workspace()
    c = client(api, ws)
    tag = uuid.uuid4().hex[:6]
    rows = [(f"p{i}.{tag}@rb-example.com", f"P{i}", "Engineer") for i in range(12)]
    job = _import(api, ws, tmp_path, rows).job_id
    real_purge = bulk._purge
    purges: list[str] = []
    calls = itertools.count()

    def purge(workspace_id: str, contact_id: str, job_id: str) -> str:
        if next(calls) == 5:  # the sixth purge of the first run dies; the others go on
            purges.append("killed")
            raise RuntimeError("killed mid-rollback")
        outcome = real_purge(workspace_id, contact_id, job_id)
        purges.append(outcome)
        return outcome

    monkeypatch.setattr(bulk, "_purge", purge)
    killed = c.post(f"/api/v1/imports/{job}/rollback")
    assert killed.status_code == 500
    assert bulk.record(ws, f"rb_{job}")["status"] == "failed"
    retried = c.post(f"/api/v1/imports/{job}/rollback")
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "rolled_back"
    assert retried.json()["counters"]["rollback"] == {
        "contacts": 12,
        "removed": 12,
        "restored": 0,
        "left_alone": 0,
    }
    assert purges.count("purged") == 12 and purges.count("killed") == 1  # none purged twice
    assert raw_items(ws) == {}
    retention = [e for e in contacts_api.retention_log(ws) if e["reason"] == "import_rollback"]
    assert len(retention) == 12
