"""The read model on the real engines (embedded PostgreSQL + DynamoDB Local, projected from the
Contacts stream by the runtime's poller and the projector handler).

Every list filter, search operator, sort and cursor walk is compared with a plain-Python oracle
over the same contacts (`tests/oracle.py`: the API's documented semantics in plain Python); projection replays, reorderings and duplicates converge; deletes disappear; a
rebuild equals the live projection; no query crosses a workspace.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from functions.api import custom_fields
from functions.common import ddb
from functions.common.aws import client
from functions.common.models import Company, Contact, table_name
from functions.query import contacts as q
from functions.query import freshness, projector, rebuild, sql
from functions.query.db import Database, get_database
from functions.query.stream import project_records
from local.runtime import Runtime
from tests import oracle

pytestmark = pytest.mark.integration

TIERS = ["A", "B", "C", "D", None]
TAGS = ["hot", "cold", "vip", "webinar", "director_plus"]
TITLES = ["VP Sales", "Director of RevOps", "Engineer", "", None, "Head of Growth"]
STAGES = ["trial", "customer", "churned", None]
INDUSTRY = {"acme.com": "Software", "globex.io": "Manufacturing", "initech.net": None}


def _put(item: dict[str, Any]) -> None:
    client("dynamodb").put_item(
        TableName=table_name(Contact), Item={k: ddb.to_av(v) for k, v in item.items()}
    )


def _contact(ws: str, n: int, rng: random.Random) -> dict[str, Any]:
    domain = rng.choice([*INDUSTRY, None])
    created = f"2026-0{1 + n % 3}-{10 + n % 17:02d}T{n % 24:02d}:00:00.000Z"
    item: dict[str, Any] = {
        "workspace_id": ws,
        "email": f"p{n:03d}.{rng.choice(['smith', 'jones', 'garcia'])}@{domain or 'gmail.com'}",
        "contact_id": f"cont_{uuid.uuid4().hex[:12]}",
        "version": 1 + rng.randrange(3),
        "fields": {
            "first_name": rng.choice(["Ann", "bob", "Émile", "Zoë", None]),
            "last_name": rng.choice(["Smith", "Jones", "Garcia", None]),
            "title": rng.choice(TITLES),
            "city": rng.choice(["Paris", "", None]),
            "company_name": {"acme.com": "Acme", "globex.io": "Globex"}.get(domain or ""),
        },
        "tags": rng.sample(TAGS, rng.randrange(0, 3)),
        "custom_fields": {},
        "icp_tier": rng.choice(TIERS),
        "grade": rng.choice(["A", "B", "C", None]),
        "lead_score": rng.choice([None, *range(0, 100, 7)]),
        "dnt": rng.random() < 0.2,
        "is_deleted": rng.random() < 0.1,
        "created_at": created,
        # a few ties on created_at and updated_at on purpose: the tiebreak must hold across pages
        "updated_at": f"2026-04-{1 + n % 5:02d}T00:00:00.000Z",
    }
    if domain:
        item["company_domain"] = domain
    if (stage := rng.choice(STAGES)) is not None:
        item["custom_fields"]["stage"] = stage
    if rng.random() < 0.7:
        item["custom_fields"]["seats"] = rng.randrange(0, 50)
    if rng.random() < 0.6:
        item["custom_fields"]["channels"] = rng.sample(["email", "phone", "linkedin"], rng.randrange(0, 3))
    item["fields"] = {k: v for k, v in item["fields"].items() if v is not None}
    return {k: v for k, v in item.items() if v is not None}


@pytest.fixture(scope="module")
def world(rt: Runtime) -> dict[str, Any]:
    """Two workspaces of contacts written to DynamoDB; the read model projects them."""
    rng = random.Random(12)
    ws, other = f"ws_{uuid.uuid4().hex[:10]}", f"ws_{uuid.uuid4().hex[:10]}"
    for domain, industry in INDUSTRY.items():
        company = {"domain": domain, "name": domain.split(".")[0].title(), "employee_count": len(domain) * 10}
        if industry:
            company["industry"] = industry
        client("dynamodb").put_item(
            TableName=table_name(Company), Item={k: ddb.to_av(v) for k, v in company.items()}
        )
    custom_fields.create(ws, {"name": "seats", "field_type": "number"})
    custom_fields.create(
        ws, {"name": "stage", "field_type": "dropdown", "options": ["trial", "customer", "churned"]}
    )
    custom_fields.create(
        ws, {"name": "channels", "field_type": "multi_select", "options": ["email", "phone", "linkedin"]}
    )
    items = [_contact(ws, n, rng) for n in range(90)]
    for item in items:
        _put(item)
    for n in range(15):
        _put(_contact(other, n, rng))
    db = get_database()
    assert db is not None and rt.poller is not None
    rt.poller.drain()  # projected now: tests that read the tables directly pass no read barrier
    return {"ws": ws, "other": other, "items": items, "db": db}


def _oracle_value(item: dict[str, Any], name: str) -> Any:
    if name == "company.industry":
        return INDUSTRY.get(item.get("company_domain") or "")
    if name == "company.name":
        return (item.get("fields") or {}).get("company_name") or (
            item["company_domain"].split(".")[0].title() if item.get("company_domain") else None
        )
    return oracle.field_value(item, name)


def _oracle_holds(item: dict[str, Any], node: sql.Condition | sql.Group) -> bool:
    if isinstance(node, sql.Group):
        combine = all if node.logic == "AND" else any
        return combine(_oracle_holds(item, n) for n in node.items)
    return oracle.holds(node.op, _oracle_value(item, node.field), node.value)


def _walk(fetch: Callable[[str | None], q.Page]) -> tuple[list[str], int]:
    """Every page of a query, following its cursors; the emails in order and the total count."""
    emails: list[str] = []
    cursor = None
    totals = set()
    while True:
        page = fetch(cursor)
        emails += [i["email"] for i in page.items]
        totals.add(page.total_count)
        if not page.has_more:
            assert page.next_cursor is None
            break
        cursor = page.next_cursor
    assert len(totals) == 1
    return emails, totals.pop()


def _types() -> dict[str, str]:
    return {"seats": "number", "stage": "dropdown", "channels": "multi_select"}


# --- list ---------------------------------------------------------------------------------------


def _list_key(sort: str) -> Callable[[dict[str, Any]], Any]:
    if sort.startswith("created"):
        return lambda i: (i["created_at"], i["email"])
    if sort == "updated_desc":
        return lambda i: (i["updated_at"], i["email"])
    return lambda i: (i.get("lead_score") if i.get("lead_score") is not None else float("-inf"), i["email"])


@pytest.mark.parametrize("sort", sql.LIST_SORTS)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"icp_tier": "a,b"},
        {"icp_tier": "A", "grade": "b"},
        {"tag": "HOT"},
        {"tag": "hot,vip"},
        {"search": "smith"},
        {"search": "ACME"},
        {"search": "revops"},
        {"created_after": "2026-02-15T00:00:00Z"},
        {"updated_after": "2026-04-03T00:00:00Z", "is_deleted": False},
        {"is_deleted": True},
    ],
)
def test_list_filters_sorts_and_cursors_match_the_oracle(
    world: dict[str, Any], sort: str, params: dict
) -> None:
    request = sql.ListRequest.parse(**params)
    expected = sorted(
        (i for i in world["items"] if oracle.list_matches(request, i)),
        key=_list_key(sort),
        reverse=sort != "created_asc",
    )
    got, total = _walk(
        lambda cursor: q.list_page(world["db"], world["ws"], request, sort=sort, page_size=7, cursor=cursor)
    )
    assert got == [i["email"] for i in expected]
    assert total == len(expected)


# --- search -------------------------------------------------------------------------------------

CASES: list[tuple[str, str, Any]] = [
    ("icp_tier", "eq", "a"),
    ("icp_tier", "ne", "A"),
    ("icp_tier", "in", ["A", "b"]),
    ("icp_tier", "not_in", ["C", "D"]),
    ("icp_tier", "is_empty", None),
    ("grade", "is_not_empty", None),
    ("lead_score", "gt", 50),
    ("lead_score", "gte", "49"),
    ("lead_score", "lt", 21),
    ("lead_score", "lte", 21.0),
    ("lead_score", "eq", 42),
    ("lead_score", "ne", 42),
    ("lead_score", "in", [0, 7, 14]),
    ("lead_score", "is_empty", None),
    ("email", "ends_with", "@acme.com"),
    ("email", "starts_with", "P01"),
    ("email", "contains", "garcia"),
    ("first_name", "eq", "BOB"),
    ("first_name", "contains", "ë"),
    ("title", "contains", "of"),
    ("title", "is_empty", None),
    ("title", "is_not_empty", None),
    ("city", "is_empty", None),
    ("city", "eq", "paris"),
    ("last_name", "not_in", ["smith"]),
    ("has_tag", "eq", "VIP"),
    ("has_tag", "ne", "vip"),
    ("has_tag", "in", ["hot", "cold"]),
    ("has_tag", "not_in", ["hot", "cold"]),
    ("tags", "contains", "plus"),
    ("tags", "starts_with", "web"),
    ("tags", "is_empty", None),
    ("dnt", "eq", True),
    ("is_deleted", "eq", False),
    ("created_at", "gt", "2026-02-20T00:00:00Z"),
    ("created_at", "lte", "2026-01-15T05:00:00Z"),
    ("updated_at", "gte", "2026-04-03T00:00:00Z"),
    ("company.domain", "eq", "GLOBEX.IO"),
    ("company.name", "starts_with", "ac"),
    ("company.industry", "eq", "software"),
    ("company.industry", "is_empty", None),
    ("custom_fields.seats", "gt", 25),
    ("custom_fields.seats", "lte", "10"),
    ("custom_fields.seats", "is_empty", None),
    ("custom_fields.stage", "eq", "Trial"),
    ("custom_fields.stage", "in", ["customer", "churned"]),
    ("custom_fields.stage", "ne", "trial"),
    ("custom.stage", "is_not_empty", None),
    ("custom_fields.channels", "eq", "email"),
    ("custom_fields.channels", "not_in", ["phone"]),
    ("custom_fields.channels", "is_empty", None),
]


@pytest.mark.parametrize(("field", "op", "value"), CASES)
def test_every_operator_matches_the_oracle(world: dict[str, Any], field: str, op: str, value: Any) -> None:
    group = sql.Group("AND", (sql.Condition(field, op, value),))
    expected = sorted(i["email"] for i in world["items"] if _oracle_holds(i, group))
    got, total = _walk(
        lambda cursor: q.search(
            world["db"], world["ws"], group, sort=[], page_size=50, cursor=cursor, custom_types=_types()
        )
    )
    assert got == expected
    assert total == len(expected)


SORTS: list[list[tuple[str, bool]]] = [
    [("lead_score", True)],
    [("lead_score", False)],
    [("icp_tier", False), ("lead_score", True)],
    [("last_name", True), ("first_name", False)],
    [("custom_fields.seats", True)],
    [("company.industry", False), ("created_at", True)],
    [("title", False)],
    [("has_tag", False)],
]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("logic", ["AND", "OR"])
def test_nested_groups_and_sorts_walk_every_page_like_the_oracle(
    world: dict[str, Any], sort: list[tuple[str, bool]], logic: str
) -> None:
    group = sql.Group(
        logic,
        (
            sql.Condition("icp_tier", "in", ["A", "B"]),
            sql.Group(
                "OR" if logic == "AND" else "AND",
                (sql.Condition("custom_fields.seats", "gte", 10), sql.Condition("has_tag", "eq", "hot")),
            ),
            sql.Condition("is_deleted", "eq", False),
        ),
    )
    matched = [i for i in world["items"] if _oracle_holds(i, group)]
    # the oracle's view for sorting: company.industry from the Companies rows, blank text as missing
    wrapped = [
        {
            **i,
            "fields": {
                **{k: v for k, v in i["fields"].items() if v != ""},
                "company_industry": INDUSTRY.get(i.get("company_domain") or ""),
            },
        }
        for i in matched
    ]
    specs = [("company_industry" if n == "company.industry" else n, d) for n, d in sort]
    key = oracle.search_sort_key(specs)
    # tags sort as the comma-joined, lower-cased, sorted list; seen by the oracle the same way
    expected = [
        i["email"] for i in sorted(wrapped, key=lambda i: key({**i, "tags": sorted(i.get("tags") or [])}))
    ]
    got, total = _walk(
        lambda cursor: q.search(
            world["db"], world["ws"], group, sort=sort, page_size=6, cursor=cursor, custom_types=_types()
        )
    )
    assert got == expected
    assert total == len(expected)


def test_bad_requests_name_the_field(world: dict[str, Any]) -> None:
    db, ws = world["db"], world["ws"]
    cases = [
        (sql.Group("AND", (sql.Condition("workspace_id", "eq", world["other"]),)), "filters.0.field"),
        (sql.Group("AND", (sql.Condition("email", "between", "a"),)), "filters.0.op"),
        (sql.Group("AND", (sql.Condition("email", "in", "a"),)), "filters.0.value"),
        (sql.Group("AND", (sql.Condition("created_at", "gt", "yesterday"),)), "filters.0.value"),
        (sql.Group("OR", (sql.Group("AND", (sql.Condition("x", "eq"),)),)), "filters.0.filters.0.value"),
    ]
    for group, field in cases:
        with pytest.raises(sql.QueryError) as err:
            q.search(db, ws, group, sort=[], page_size=10, cursor=None)
        assert err.value.field == field


# --- isolation ----------------------------------------------------------------------------------


def test_a_crafted_cursor_or_filter_cannot_cross_the_workspace(world: dict[str, Any]) -> None:
    db, ws, other = world["db"], world["ws"], world["other"]
    everything = sql.ListRequest()
    page = q.list_page(db, other, everything, sort="created_desc", page_size=2, cursor=None)
    # another workspace's cursor is refused outright
    with pytest.raises(sql.QueryError) as err:
        q.list_page(db, ws, everything, sort="created_desc", page_size=2, cursor=page.next_cursor)
    assert err.value.field == "cursor"
    # a forged cursor with the right fingerprint but the other workspace's sort values still only
    # ever reads this workspace's rows
    forged = q.encode_cursor(
        {"f": q.fingerprint("list", ws, "created_desc", everything), "k": ["2099-01-01 00:00:00+00", "zzz"]}
    )
    rows = q.list_page(db, ws, everything, sort="created_desc", page_size=500, cursor=forged)
    assert {i["workspace_id"] for i in rows.items} == {ws} and rows.total_count == len(world["items"])
    for junk in (["not a time", "x"], ["2026-01-01", None, "extra"], "x"):
        bad = q.encode_cursor({"f": q.fingerprint("list", ws, "created_desc", everything), "k": junk})
        with pytest.raises(sql.QueryError):
            q.list_page(db, ws, everything, sort="created_desc", page_size=5, cursor=bad)
    # a filter on any value of the other workspace matches nothing here
    theirs = q.list_page(db, other, everything, sort="created_desc", page_size=500, cursor=None).items
    group = sql.Group("OR", tuple(sql.Condition("email", "eq", i["email"]) for i in theirs))
    found = q.search(db, ws, group, sort=[], page_size=500, cursor=None)
    assert found.total_count == 0 or {i["workspace_id"] for i in found.items} == {ws}


# --- projection ---------------------------------------------------------------------------------


def _record(event: str, item: dict[str, Any], seq: int) -> dict[str, Any]:
    image = {k: ddb.to_av(v) for k, v in item.items()}
    data: dict[str, Any] = {
        "SequenceNumber": str(seq),
        "Keys": {"workspace_id": image["workspace_id"], "email": image["email"]},
    }
    data["OldImage" if event == "REMOVE" else "NewImage"] = image
    return {"eventName": event, "dynamodb": data}


def _rows(db: Database, ws: str) -> dict[str, tuple[int, str, Any]]:
    rows = db.query(
        "SELECT email, version, contact_id, item FROM contacts WHERE workspace_id = :ws", {"ws": ws}
    )
    return {r["email"]: (r["version"], r["contact_id"], r["item"]) for r in rows}


def _history(ws: str, ids: list[str]) -> list[dict[str, Any]]:
    """Six contacts with three versions each; every third one hard deleted after its last."""
    base = {"workspace_id": ws, "created_at": "2026-01-01T00:00:00.000Z", "tags": []}
    history: list[dict[str, Any]] = []
    for n, cid in enumerate(ids):
        versions = [
            {
                **base,
                "email": f"c{n}@x.com",
                "contact_id": cid,
                "version": v,
                "updated_at": f"2026-01-0{v}T00:00:00.000Z",
                "lead_score": v * 10,
                "fields": {"title": f"v{v}"},
                # tags come and go between versions (the per-tag counts follow them)
                "tags": [["Hot"], ["hot", "vip"], ["vip"] if n % 2 else ["HOT", "cold"]][v - 1],
            }
            for v in range(1, 4)
        ]
        history += [_record("INSERT" if v["version"] == 1 else "MODIFY", v, 0) for v in versions]
        if n % 3 == 0:
            history.append(_record("REMOVE", versions[-1], 0))
    return history


def _lc(db: Any, ws: str) -> list[dict[str, Any]]:
    return db.query("SELECT tags_lc FROM contacts WHERE workspace_id = :ws", {"ws": ws})


def test_replays_reorderings_and_duplicates_converge_to_the_latest_version(rt: Runtime) -> None:
    db = get_database()
    assert db is not None
    ids = [f"cont_{uuid.uuid4().hex[:12]}" for _ in range(6)]
    in_order = f"ws_{uuid.uuid4().hex[:10]}"
    for r in _history(in_order, [f"twin_{i}" for i in ids]):  # one by one, in stream order
        project_records(db, [r])
    want = {
        e: (v, c.removeprefix("twin_"), {**i, "workspace_id": "W", "contact_id": c.removeprefix("twin_")})
        for e, (v, c, i) in _rows(db, in_order).items()
    }
    assert len(want) == 4 and all(v == 3 for v, _, _ in want.values())
    rng = random.Random(7)
    for attempt in range(5):
        ws = f"ws_{uuid.uuid4().hex[:10]}"
        attempt_ids = [f"{i}_{attempt}" for i in ids]
        history = _history(ws, attempt_ids)
        shuffled = history + rng.sample(history, len(history) // 2)  # duplicates
        rng.shuffle(shuffled)
        size = rng.randrange(1, 8)
        for start in range(0, len(shuffled), size):
            project_records(db, shuffled[start : start + size])
        got = {
            e: (
                v,
                c.removesuffix(f"_{attempt}"),
                {**i, "workspace_id": "W", "contact_id": c.removesuffix(f"_{attempt}")},
            )
            for e, (v, c, i) in _rows(db, ws).items()
        }
        assert got == want, attempt
        # the workspace's row count the triggers keep stayed exact through upserts and removals
        page = q.list_page(db, ws, sql.ListRequest(), sort="created_desc", page_size=1, cursor=None)
        assert page.total_count == len(got), attempt
        # and each tag's count (migrations/0017), equal to counting the rows
        for tag in ("hot", "vip", "cold", "none"):
            tagged = sql.ListRequest.parse(tag=tag.upper())
            page = q.list_page(db, ws, tagged, sort="created_desc", page_size=1, cursor=None)
            counted = q.count(db, ws, [f"tags_lc @> '{{{tag}}}'::text[]"], {})
            assert page.total_count == counted == sum(tag in i["tags_lc"] for i in _lc(db, ws)), (
                attempt,
                tag,
            )


def test_a_deleted_contact_disappears_and_a_soft_delete_is_a_flag(rt: Runtime) -> None:
    db = get_database()
    assert db is not None
    ws = f"ws_{uuid.uuid4().hex[:10]}"
    a = _contact(ws, 1, random.Random(1)) | {"is_deleted": False, "version": 1}
    b = _contact(ws, 2, random.Random(2)) | {"is_deleted": False, "version": 1}
    _put(a)
    _put(b)
    everything = sql.ListRequest()
    assert q.list_page(db, ws, everything, sort="created_desc", page_size=10, cursor=None).total_count == 2
    _put({**a, "is_deleted": True, "version": 2})
    client("dynamodb").delete_item(
        TableName=table_name(Contact), Key={"workspace_id": {"S": ws}, "email": {"S": b["email"]}}
    )
    page = q.list_page(db, ws, everything, sort="created_desc", page_size=10, cursor=None)
    assert [(i["email"], i["is_deleted"]) for i in page.items] == [(a["email"], True)]
    # an old image of the hard-deleted contact arriving late does not bring it back
    project_records(db, [_record("MODIFY", b, 1)])
    assert b["email"] not in {
        i["email"]
        for i in q.list_page(db, ws, everything, sort="created_desc", page_size=10, cursor=None).items
    }


def test_rebuild_equals_the_live_projection(world: dict[str, Any]) -> None:
    db, ws = world["db"], world["ws"]
    columns = "email, version, contact_id, tags_lc, search_text, company_industry, lead_score, item"
    live = db.query(f"SELECT {columns} FROM contacts WHERE workspace_id = :ws ORDER BY email", {"ws": ws})
    db.execute("DELETE FROM contacts WHERE workspace_id = :ws AND email < :e", {"ws": ws, "e": "p050"})
    db.execute(  # a stale row DynamoDB does not have
        projector.UPSERT.replace(":rows", ":rows"),
        {"rows": [{**projector_row(live[0]), "email": "ghost@x.com", "contact_id": "cont_ghost"}]},
    )
    result = rebuild.rebuild(db, ws)
    assert result["projected"] == len(world["items"]) and result["removed"] == 1
    again = db.query(f"SELECT {columns} FROM contacts WHERE workspace_id = :ws ORDER BY email", {"ws": ws})
    assert again == live
    status = rebuild.status(db, ws)
    assert (status.in_dynamodb, status.in_read_model, status.behind, status.extra) == (90, 90, 0, 0)


def projector_row(live_row: dict[str, Any]) -> dict[str, Any]:
    from functions.query.rows import row

    return row(live_row["item"])


def test_an_import_completes_with_its_contacts_already_searchable(rt: Runtime, tmp_path: Path) -> None:
    from local.imports import run_import

    ws = f"ws_{uuid.uuid4().hex[:10]}"
    lines = ["email,first_name,last_name,company"]
    lines += [f"r{n}@readmodel-example.com,Ann{n},Lee,Acme" for n in range(40)]
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join(lines) + "\n")
    assert rt.poller is not None
    rt.poller.stop()  # no background projection: only Report's own wait can make them visible
    try:
        outcome = run_import(rt, path, workspace_id=ws, options={}, out_dir=tmp_path / "out")
        db = get_database()
        assert db is not None
        # read without draining the stream first: what Report waited for is already there
        seen = db.query("SELECT count(*) AS n FROM contacts WHERE workspace_id = :ws", {"ws": ws})[0]["n"]
    finally:
        rt.poller.start()
    assert outcome.status == "complete" and outcome.counters["imported"] == 40
    assert seen == 40 and not any("READ_MODEL_LAG" in w for w in outcome.warnings)


def test_a_company_change_reaches_every_contact_at_its_domain(rt: Runtime) -> None:
    db = get_database()
    assert db is not None
    ws, other = f"ws_{uuid.uuid4().hex[:10]}", f"ws_{uuid.uuid4().hex[:10]}"
    domain = f"firm-{uuid.uuid4().hex[:8]}.example"
    companies = client("dynamodb")
    companies.put_item(
        TableName=table_name(Company),
        Item={k: ddb.to_av(v) for k, v in {"domain": domain, "name": "Old Co", "industry": "Retail"}.items()},
    )
    rng = random.Random(3)
    at_domain = [_contact(ws, n, rng) | {"company_domain": domain} for n in range(3)]
    at_domain[0]["fields"] = {"company_name": "Own Name"}  # a contact's own company name stays
    at_domain[1]["fields"] = {}
    elsewhere = _contact(ws, 4, rng) | {"company_domain": "elsewhere.example"}
    in_other = _contact(other, 5, rng) | {"company_domain": domain, "fields": {}}
    for item in [*at_domain, elsewhere, in_other]:
        _put(item)

    def industry(workspace: str, value: str) -> list[dict[str, Any]]:
        group = sql.Group("AND", (sql.Condition("company.industry", "eq", value),))
        return q.search(db, workspace, group, sort=[], page_size=50, cursor=None).items

    def company_names(workspace: str) -> dict[str, str | None]:
        rows = db.query(
            "SELECT email, company_name FROM contacts WHERE workspace_id = :ws AND company_domain = :d",
            {"ws": workspace, "d": domain},
        )
        return {r["email"]: r["company_name"] for r in rows}

    assert len(industry(ws, "retail")) == 3 and industry(ws, "fintech") == []

    companies.update_item(
        TableName=table_name(Company),
        Key={"domain": {"S": domain}},
        UpdateExpression="SET industry = :i, #n = :n, employee_count = :e",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":i": {"S": "Fintech"}, ":n": {"S": "New Co"}, ":e": {"N": "250"}},
    )
    # the query drains the streams first: the projector has run on the Companies record
    assert sorted(i["email"] for i in industry(ws, "FINTECH")) == sorted(i["email"] for i in at_domain)
    assert [i["email"] for i in industry(other, "fintech")] == [in_other["email"]]
    assert industry(ws, "retail") == []
    names = company_names(ws)
    assert names[at_domain[0]["email"]] == "Own Name" and names[at_domain[1]["email"]] == "New Co"
    sized = sql.Group("AND", (sql.Condition("company.employee_count", "gte", 200),))
    assert q.search(db, ws, sized, sort=[], page_size=50, cursor=None).total_count == 3

    companies.delete_item(TableName=table_name(Company), Key={"domain": {"S": domain}})
    assert industry(ws, "fintech") == [] and set(company_names(other).values()) == {None}


def test_rebuild_refreshes_company_columns_the_read_model_missed(rt: Runtime) -> None:
    """A Company change the read model never saw (its stream record lost, or the companies table
    restored from an old copy): a rebuild re-reads the workspace's domains from DynamoDB."""
    db = get_database()
    assert db is not None
    ws, other = f"ws_{uuid.uuid4().hex[:10]}", f"ws_{uuid.uuid4().hex[:10]}"
    domain = f"stale-{uuid.uuid4().hex[:8]}.example"
    firm = {"domain": domain, "name": "Fresh Co", "industry": "Fintech", "employee_count": 42}
    client("dynamodb").put_item(
        TableName=table_name(Company), Item={k: ddb.to_av(v) for k, v in firm.items()}
    )
    rng = random.Random(12)
    mine = _contact(ws, 1, rng) | {"company_domain": domain, "fields": {}}
    theirs = _contact(other, 2, rng) | {"company_domain": domain, "fields": {}}
    for item in (mine, theirs):
        _put(item)

    def firms() -> set[tuple[Any, ...]]:
        freshness.settle()
        rows = db.query(
            "SELECT company_name, company_industry, company_employee_count FROM contacts WHERE company_domain = :d"
            " UNION ALL SELECT name, industry, employee_count FROM companies WHERE domain = :d",
            {"d": domain},
        )
        return {tuple(r.values()) for r in rows}

    assert firms() == {("Fresh Co", "Fintech", 42)}
    db.execute("UPDATE companies SET name = 'Stale Co', industry = 'Retail' WHERE domain = :d", {"d": domain})
    db.execute(
        "UPDATE contacts SET company_name = 'Stale Co', company_industry = 'Retail' WHERE company_domain = :d",
        {"d": domain},
    )
    assert firms() == {("Stale Co", "Retail", 42)}

    result = rebuild.rebuild(db, ws)
    assert result["companies"] == 1 and result["company_rows"] == 2  # the other workspace's row too
    assert firms() == {("Fresh Co", "Fintech", 42)}
    group = sql.Group("AND", (sql.Condition("company.industry", "eq", "fintech"),))
    assert [i["email"] for i in q.search(db, ws, group, sort=[], page_size=5, cursor=None).items] == [
        mine["email"]
    ]


def test_engagement_counters_filter_and_sort_every_workspace_row_of_an_email(rt: Runtime) -> None:
    from functions.events import service

    db = get_database()
    assert db is not None
    ws, other = f"ws_{uuid.uuid4().hex[:10]}", f"ws_{uuid.uuid4().hex[:10]}"
    rng = random.Random(9)
    replier, opener, quiet = (_contact(ws, n, rng) | {"is_deleted": False} for n in range(3))
    for item in (replier, opener, quiet):
        item["email"] = f"{uuid.uuid4().hex[:10]}@engaged-example.com"
        _put(item)
    _put(_contact(other, 7, rng) | {"email": replier["email"]})

    def event(kind: str, who: str, day: int) -> dict[str, Any]:
        at = f"2026-03-{day:02d}T10:00:00+00:00"
        return {"id": f"ev_{uuid.uuid4().hex[:12]}", "type": kind, "email": who, "occurred_at": at}

    result = service.ingest(
        ws,
        [
            event("sent", replier["email"], 1),
            event("replied", replier["email"], 2),
            event("sent", opener["email"], 3),
            event("opened", opener["email"], 5),
        ],
    )
    assert all(o.status == "applied" for o in result.outcomes), result

    def emails(
        workspace: str, *conditions: sql.Condition, sort: list[tuple[str, bool]] | None = None
    ) -> list[str]:
        group = sql.Group("AND", conditions)
        page = q.search(db, workspace, group, sort=sort or [], page_size=50, cursor=None)
        return [i["email"] for i in page.items]

    assert emails(ws, sql.Condition("total_responses", "gte", 1)) == [replier["email"]]
    assert emails(other, sql.Condition("engagement.total_responses", "eq", 1)) == [replier["email"]]
    assert emails(ws, sql.Condition("total_sent", "eq", 0)) == [quiet["email"]]
    assert emails(ws, sql.Condition("response_rate", "gt", 0.5)) == [replier["email"]]
    assert len(emails(ws, sql.Condition("bounce_status", "eq", "none"))) == 3
    recent_first = emails(ws, sort=[("last_engaged_at", True)])
    assert recent_first == [opener["email"], replier["email"], quiet["email"]]  # never engaged: last
    assert emails(ws, sql.Condition("last_sent_at", "gte", "2026-03-02T00:00:00Z")) == [opener["email"]]

    # a contact projected after its email's counters moved takes them from the read model
    late = f"ws_{uuid.uuid4().hex[:10]}"
    _put(_contact(late, 8, rng) | {"email": opener["email"]})
    assert emails(late, sql.Condition("last_engaged_at", "is_not_empty")) == [opener["email"]]

    # a rebuild brings the counters back from GlobalContacts when the read model lost them
    db.execute("DELETE FROM engagement WHERE email = :e", {"e": replier["email"]})
    db.execute(
        "UPDATE contacts SET total_sent = 0, total_responses = 0, last_engaged_at = NULL WHERE email = :e",
        {"e": replier["email"]},
    )
    assert emails(ws, sql.Condition("total_responses", "gte", 1)) == []
    rebuild.rebuild(db, ws)
    assert emails(ws, sql.Condition("total_responses", "gte", 1)) == [replier["email"]]
    assert emails(other, sql.Condition("total_responses", "gte", 1)) == [replier["email"]]
    assert recent_first == emails(ws, sort=[("last_engaged_at", True)])


def test_counts_are_exact_filtered_or_not(world: dict[str, Any]) -> None:
    db, ws, items = world["db"], world["ws"], world["items"]
    tier_a = sum(1 for i in items if (i.get("icp_tier") or "").upper() == "A")
    filtered = q.list_page(
        db, ws, sql.ListRequest.parse(icp_tier="A"), sort="created_desc", page_size=5, cursor=None
    )
    assert filtered.total_count == tier_a
    # an unfiltered list reads the triggers' count
    everything = q.list_page(db, ws, sql.ListRequest(), sort="created_desc", page_size=5, cursor=None)
    assert everything.total_count == len(items)


def test_a_contact_projected_while_its_company_changes_ends_with_the_new_values(rt: Runtime) -> None:
    """The AWS race between the Contacts and Companies event source mappings: the Company change
    holds its domain's row (here: an open transaction) while a contact at that domain is
    projected; the contact waits for it and takes the new values, and one projected before the
    change is updated by it."""
    import threading

    import psycopg

    from functions.query.rows import KeyedChange, firmographics

    db = get_database()
    assert db is not None
    ws, domain = f"ws_{uuid.uuid4().hex[:10]}", f"race-{uuid.uuid4().hex[:8]}.example"
    rng = random.Random(4)
    early, late = (_contact(ws, n, rng) | {"company_domain": domain, "fields": {}} for n in (1, 2))
    old = firmographics({"name": "Old Co", "industry": "Retail"})
    new = firmographics({"name": "New Co", "industry": "Fintech"})
    projector.apply(db, [rebuild._change(early)], known={domain: {"name": "Old Co", "industry": "Retail"}})

    with psycopg.connect(rt.pg_dsn) as change:  # the Company change, not committed yet
        change.execute(
            projector.COMPANY_UPSERT.replace(":companies", "%(c)s"),
            {"c": json.dumps([{"domain": domain, **new}])},
        )
        racing = threading.Thread(target=projector.apply, args=(db, [rebuild._change(late)]))
        racing.start()
        racing.join(timeout=1.5)
        assert racing.is_alive()  # the contact waits for the Company change's row
        change.commit()
    racing.join(timeout=30)

    def firms() -> dict[str, tuple[str, str]]:
        rows = db.query(
            "SELECT email, company_name, company_industry FROM contacts WHERE workspace_id = :ws", {"ws": ws}
        )
        return {r["email"]: (r["company_name"], r["company_industry"]) for r in rows}

    assert firms() == {early["email"]: (old["name"], old["industry"]), late["email"]: ("New Co", "Fintech")}
    projector.apply_companies(db, [KeyedChange(domain, new)])  # then its second statement, as always
    assert set(firms().values()) == {("New Co", "Fintech")}
