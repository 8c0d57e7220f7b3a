"""The claim's GlobalContact attributes round-trip to the assignment view; the stored score
breakdown keeps what explains a score and drops what the scoring model already says."""

from __future__ import annotations

from functions.common import ownership
from functions.common.capacity import item_size
from functions.dedup.classify import AssignmentView
from functions.dedup.commit import compact_breakdown

CLAIM = {
    "client_id": "client_a",
    "workspace_id": "ws_1",
    "priority": 2,
    "assigned_at": "2026-12-01T00:00:00.000Z",
    "expires_at": "2027-03-01T00:00:00.000Z",
    "job_id": "job_1",
}


def test_a_claim_stored_on_the_global_contact_reads_back_as_the_active_assignment() -> None:
    item = {"email": "ann@example.com", "total_sent": 3, **ownership.claim_attrs(CLAIM)}
    active = ownership.owner_of(item)
    assert active == {"email": "ann@example.com", "sk": "ACTIVE", **CLAIM}
    view = AssignmentView.from_item(active)
    assert view is not None and view.client_id == "client_a" and view.priority == 2


def test_a_global_contact_without_owner_attributes_is_unowned() -> None:
    assert ownership.owner_of({"email": "ann@example.com", "total_sent": 0}) is None
    assert ownership.owner_of(None) is None


def test_history_key_names_the_owner_and_when_it_claimed() -> None:
    assert ownership.history_sk(CLAIM) == "HIST#2026-12-01T00:00:00.000Z#client_a"


FULL = {
    "rule": "Tier A: Decision maker (fit 80, engagement 50, intent 50)",
    "breakdown": {
        "fit": 80,
        "engagement": 50,
        "intent": 50,
        "weights_pct": {"fit": 40, "engagement": 30, "intent": 30},
        "fit_points": {"matched": 80, "total": 100},
        "fit_matched": [
            {
                "name": "Decision maker",
                "points": 50,
                "field": "seniority",
                "op": "in",
                "value": ["vp", "c_level"],
            },
            {"name": "Revenue team", "points": 30, "field": "department", "op": "eq", "value": "sales"},
        ],
        "engagement_basis": "never contacted",
        "intent_basis": "unknown at import",
    },
}


def test_compact_breakdown_keeps_rule_components_and_matched_rule_names() -> None:
    assert compact_breakdown(FULL) == {
        "rule": FULL["rule"],
        "fit": 80,
        "engagement": 50,
        "intent": 50,
        "matched": ["Decision maker", "Revenue team"],
    }


def test_compact_breakdown_is_a_fraction_of_the_full_one() -> None:
    full = {"rule": FULL["rule"], **FULL["breakdown"]}
    assert item_size({"b": compact_breakdown(FULL)}) < item_size({"b": full}) / 2
