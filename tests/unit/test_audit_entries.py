"""The audit log's pure part: stream record images -> one entry of per-field before/after."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import audit as stamps
from functions.common import ddb
from functions.query import audit, rows

BASE = {
    "workspace_id": "ws1",
    "email": "ann@acme-example.com",
    "contact_id": "cont_1",
    "created_at": "2026-01-01T00:00:00.000Z",
}


def _record(
    event: str, old: dict[str, Any] | None, new: dict[str, Any] | None, eid: str = "e1"
) -> dict[str, Any]:
    data: dict[str, Any] = {"SequenceNumber": "100"}
    if old is not None:
        data["OldImage"] = {k: ddb.to_av(v) for k, v in old.items()}
    if new is not None:
        data["NewImage"] = {k: ddb.to_av(v) for k, v in new.items()}
    return {"eventID": eid, "eventName": event, "dynamodb": data}


def test_a_change_lists_each_changed_field_and_leaves_bookkeeping_out() -> None:
    old = {
        **BASE,
        "version": 1,
        "updated_at": "t1",
        "fields": {"title": "CTO", "city": "Oslo"},
        "tags": ["a"],
    }
    new = {
        **BASE,
        "version": 2,
        "updated_at": "2026-01-02T00:00:00.000Z",
        "fields": {"title": "CEO", "city": "Oslo", "phone": "+4712345678"},
        "custom_fields": {"plan": "pro"},
        "tags": ["a", "b"],
        "score_breakdown": {"rule": "x"},
        **stamps.stamp("key:abc", "api"),
    }
    entry = audit.from_record(_record("MODIFY", old, new))
    assert isinstance(entry, audit.Entry)
    assert entry.changes == {
        "title": {"before": "CTO", "after": "CEO"},
        "phone": {"before": None, "after": "+4712345678"},
        "custom_fields.plan": {"before": None, "after": "pro"},
        "tags": {"before": ["a"], "after": ["a", "b"]},
    }
    assert (entry.actor, entry.source, entry.at, entry.version, entry.id) == (
        "key:abc",
        "api",
        "2026-01-02T00:00:00.000Z",
        2,
        "e1",
    )


def test_a_write_that_changes_nothing_audited_is_no_entry() -> None:
    old = {**BASE, "version": 1, "updated_at": "t1", "fields": {"title": "CTO"}, "dnt": False}
    new = {**old, "version": 2, "updated_at": "t2", "last_job": "j2", **stamps.stamp("job:j2", "import")}
    new["tags"] = []  # an empty list is the same as none
    assert audit.from_record(_record("MODIFY", old, new)) is None


def test_a_creation_has_every_field_with_no_before() -> None:
    new = {**BASE, "version": 1, "fields": {"first_name": "Ann"}, "is_deleted": False, "dnt": False}
    entry = audit.from_record(_record("INSERT", None, {**new, **stamps.stamp("job:j1", "import")}))
    assert isinstance(entry, audit.Entry)
    assert entry.changes == {
        "contact_id": {"before": None, "after": "cont_1"},
        "dnt": {"before": None, "after": False},
        "email": {"before": None, "after": "ann@acme-example.com"},
        "first_name": {"before": None, "after": "Ann"},
        "is_deleted": {"before": None, "after": False},
    }
    assert (entry.actor, entry.source) == ("job:j1", "import")


def test_a_creation_from_the_decoded_image_equals_the_one_from_the_attribute_values() -> None:
    new = {
        **BASE,
        "version": 1,
        "fields": {"first_name": "Ann", "title": "", "seats": 40, "score": 2.5, "nested": {"a": [1, "x"]}},
        "custom_fields": {"plan": "pro", "empty": None},
        "tags": [],
        "lead_score": 40,
        "is_deleted": False,
        "bounced": None,
        **stamps.stamp("job:j1", "import"),
    }
    reused = _record("MODIFY", {**BASE, "contact_id": "cont_0", "version": 9}, new)  # a new id: a creation
    for record in (_record("INSERT", None, new), reused):
        decoded = rows.image(record)
        assert audit.from_record(record, decoded) == audit.from_record(record)
        assert audit.split([record], [decoded]) == audit.split([record])


def test_an_erasure_is_not_an_entry_but_a_move_is_neither() -> None:
    old = {**BASE, "version": 3}
    gone = audit.from_record(_record("REMOVE", old, None))
    assert gone == audit.Erasure("e1", "ws1", "cont_1", 3)
    assert (
        audit.from_record(_record("REMOVE", {**old, stamps.MOVED_TO: "new@acme-example.com"}, None)) is None
    )


def test_the_moved_item_records_only_the_email_change() -> None:
    new = {**BASE, "email": "new@acme-example.com", "version": 4, "fields": {"title": "CEO"}}
    new[stamps.MOVED_FROM] = "ann@acme-example.com"
    entry = audit.from_record(_record("INSERT", None, new))
    assert isinstance(entry, audit.Entry)
    assert entry.changes == {"email": {"before": "ann@acme-example.com", "after": "new@acme-example.com"}}


def test_a_redelivered_record_is_one_entry() -> None:
    new = {**BASE, "version": 1, "fields": {"first_name": "Ann"}}
    entries, erasures = audit.split([_record("INSERT", None, new), _record("INSERT", None, new)])
    assert len(entries) == 1 and erasures == []


def test_a_source_must_be_known_and_the_request_actor_is_scoped() -> None:
    with pytest.raises(ValueError, match="unknown change source"):
        stamps.stamp("x", "mystery")
    assert stamps.current() == stamps.SYSTEM
    with stamps.acting("op:1", "bulk"):
        assert stamps.current().stamp() == {"changed_by": "op:1", "change_source": "bulk"}
    assert stamps.current() == stamps.SYSTEM
