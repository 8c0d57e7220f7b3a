"""Deduplicate: imported / updated / skipped against GlobalContact, ClientAssignment and Contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.common.rows import Reason, RowStatus
from functions.dedup.classify import (
    Action,
    AssignmentView,
    Classification,
    ContactView,
    ExistingState,
    GlobalContactView,
    ImportPurpose,
    classify,
    lost_claim,
    parse_time,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
EARLIER = NOW - timedelta(days=1)
EMAIL = "bob@acme.com"
ROW = {"email": EMAIL, "first_name": "Bob"}
GC = GlobalContactView(EMAIL, total_sent=2)
CONTACT = ContactView("cont_1", EMAIL)


def run(
    *,
    client: str | None = "client_a",
    purpose: str = "upsert",
    row: dict[str, str] | None = None,
    gc: GlobalContactView | None = None,
    owner: AssignmentView | None = None,
    contact: ContactView | None = None,
    by_id: ContactView | None = None,
    now: datetime = NOW,
) -> Classification:
    return classify(row or ROW, client, purpose, now, ExistingState(gc, owner, contact, by_id))


# --- the three outcomes --------------------------------------------------------------------------


def test_email_new_to_the_platform_is_imported_and_creates_a_global_contact() -> None:
    c = run()
    assert (c.status, c.code, c.action) == (RowStatus.IMPORTED, Reason.NEW_CONTACT, Action.CREATE)
    assert c.create_global is True
    assert c.reason == "NEW_CONTACT"


def test_email_known_to_the_platform_but_new_to_the_workspace_is_imported_without_a_new_global() -> None:
    c = run(gc=GC)
    assert c.status is RowStatus.IMPORTED
    assert c.create_global is False


def test_existing_contact_of_this_workspace_is_updated() -> None:
    c = run(gc=GC, contact=CONTACT)
    assert (c.status, c.code, c.action) == (RowStatus.UPDATED, Reason.EXISTING_CONTACT, Action.UPDATE)
    assert c.contact_id == "cont_1"


def test_second_client_is_skipped_while_assignment_unexpired() -> None:
    c = run(client="client_b", gc=GC, owner=AssignmentView("client_a", LATER))
    assert (c.status, c.code, c.action) == (RowStatus.SKIPPED, Reason.OWNED_BY_OTHER_CLIENT, Action.NONE)
    assert c.reason == "OWNED_BY_OTHER_CLIENT: owned by client client_a until 2026-05-31T12:00:00Z"
    assert c.owner is not None and c.owner.client_id == "client_a"
    assert c.claim is False


def test_other_clients_assignment_skips_even_a_contact_this_workspace_has() -> None:
    c = run(client="client_b", gc=GC, contact=CONTACT, owner=AssignmentView("client_a", LATER))
    assert c.code is Reason.OWNED_BY_OTHER_CLIENT


def test_assignment_without_expiry_never_lapses_and_says_so() -> None:
    c = run(client="client_b", gc=GC, owner=AssignmentView("client_a", None), now=NOW + timedelta(days=3650))
    assert c.reason == "OWNED_BY_OTHER_CLIENT: owned by client client_a with no expiry"


# --- ownership claims ----------------------------------------------------------------------------


def test_client_import_of_a_new_email_claims_it() -> None:
    assert run(client="client_a").claim is True


def test_same_client_updates_its_own_contact_and_renews_the_claim() -> None:
    c = run(client="client_a", gc=GC, contact=CONTACT, owner=AssignmentView("client_a", LATER))
    assert (c.status, c.claim) == (RowStatus.UPDATED, True)


def test_same_client_imports_an_email_it_owns_into_this_workspace() -> None:
    c = run(client="client_a", gc=GC, owner=AssignmentView("client_a", LATER))
    assert (c.status, c.claim) == (RowStatus.IMPORTED, True)


def test_expired_assignment_can_be_taken_over() -> None:
    c = run(client="client_b", gc=GC, owner=AssignmentView("client_a", EARLIER))
    assert (c.status, c.claim) == (RowStatus.IMPORTED, True)


def test_assignment_expiring_exactly_now_is_expired() -> None:
    c = run(client="client_b", gc=GC, owner=AssignmentView("client_a", NOW))
    assert c.status is RowStatus.IMPORTED


def test_priority_does_not_override_an_unexpired_assignment() -> None:
    c = run(client="client_b", gc=GC, owner=AssignmentView("client_a", LATER, priority=-100))
    assert c.code is Reason.OWNED_BY_OTHER_CLIENT


# --- imports with no client ----------------------------------------------------------------------


def test_import_without_client_never_claims() -> None:
    assert run(client=None).claim is False
    assert run(client=None, gc=GC, contact=CONTACT).claim is False


def test_import_without_client_skips_a_new_contact_owned_by_a_client() -> None:
    c = run(client=None, gc=GC, owner=AssignmentView("client_a", LATER))
    assert (c.status, c.code) == (RowStatus.SKIPPED, Reason.OWNED_BY_OTHER_CLIENT)


def test_import_without_client_still_updates_a_contact_the_workspace_already_has() -> None:
    c = run(client=None, gc=GC, contact=CONTACT, owner=AssignmentView("client_a", LATER))
    assert (c.status, c.claim) == (RowStatus.UPDATED, False)


def test_import_without_client_ignores_an_expired_assignment() -> None:
    c = run(client=None, gc=GC, owner=AssignmentView("client_a", EARLIER))
    assert (c.status, c.claim) == (RowStatus.IMPORTED, False)


# --- import purpose ------------------------------------------------------------------------------


def test_create_skips_an_existing_contact_with_exists() -> None:
    c = run(purpose="create", gc=GC, contact=CONTACT)
    assert (c.status, c.code) == (RowStatus.SKIPPED, Reason.EXISTS)
    assert "cont_1" in c.reason


def test_create_imports_a_new_contact() -> None:
    assert run(purpose="create").status is RowStatus.IMPORTED


def test_update_skips_a_new_contact_with_not_found() -> None:
    c = run(purpose="update")
    assert (c.status, c.code, c.action) == (RowStatus.SKIPPED, Reason.NOT_FOUND, Action.NONE)


def test_update_updates_an_existing_contact_by_email() -> None:
    assert run(purpose="update", gc=GC, contact=CONTACT).status is RowStatus.UPDATED


def test_upsert_does_both() -> None:
    assert run(purpose="upsert").status is RowStatus.IMPORTED
    assert run(purpose="upsert", gc=GC, contact=CONTACT).status is RowStatus.UPDATED


def test_purpose_exclusion_comes_before_ownership() -> None:
    owner = AssignmentView("client_a", LATER)
    assert run(client="client_b", purpose="create", gc=GC, contact=CONTACT, owner=owner).code is Reason.EXISTS
    assert run(client="client_b", purpose="update", gc=GC, owner=owner).code is Reason.NOT_FOUND


def test_purpose_may_be_given_as_text_or_enum_and_unknown_is_rejected() -> None:
    assert run(purpose=ImportPurpose.CREATE).status is RowStatus.IMPORTED
    with pytest.raises(ValueError):
        run(purpose="merge")


# --- update by contact_id ------------------------------------------------------------------------


def test_update_matches_a_row_by_contact_id() -> None:
    row = {"email": EMAIL, "contact_id": "cont_1"}
    c = run(purpose="update", row=row, gc=GC, by_id=CONTACT)
    assert (c.status, c.contact_id) == (RowStatus.UPDATED, "cont_1")


def test_update_with_unknown_contact_id_is_skipped() -> None:
    row = {"email": EMAIL, "contact_id": "cont_nope"}
    c = run(purpose="update", row=row, gc=GC, contact=CONTACT, by_id=None)
    assert (c.status, c.code) == (RowStatus.SKIPPED, Reason.UNKNOWN_CONTACT_ID)
    assert "cont_nope" in c.reason


def test_update_with_contact_id_of_another_email_is_an_error() -> None:
    row = {"email": "alice@acme.com", "contact_id": "cont_1"}
    c = run(purpose="update", row=row, by_id=CONTACT)
    assert (c.status, c.code) == (RowStatus.ERROR, Reason.CONTACT_ID_MISMATCH)
    assert "bob@acme.com" in c.reason and "alice@acme.com" in c.reason


def test_create_and_upsert_identify_rows_by_email_and_ignore_contact_id() -> None:
    row = {"email": EMAIL, "contact_id": "cont_from_another_workspace"}
    assert run(purpose="upsert", row=row).status is RowStatus.IMPORTED
    assert run(purpose="create", row=row).status is RowStatus.IMPORTED


def test_update_by_contact_id_still_respects_ownership() -> None:
    row = {"email": EMAIL, "contact_id": "cont_1"}
    c = run(
        client="client_b",
        purpose="update",
        row=row,
        gc=GC,
        by_id=CONTACT,
        owner=AssignmentView("client_a", LATER),
    )
    assert c.code is Reason.OWNED_BY_OTHER_CLIENT


# --- soft-deleted contacts -----------------------------------------------------------------------


def test_soft_deleted_contact_is_skipped_not_resurrected() -> None:
    deleted = ContactView("cont_1", EMAIL, is_deleted=True, deleted_at="2026-04-01T00:00:00Z")
    c = run(gc=GC, contact=deleted)
    assert (c.status, c.code) == (RowStatus.SKIPPED, Reason.CONTACT_DELETED)
    assert "2026-04-01" in c.reason and "restore" in c.reason


# --- lost claims and item parsing ----------------------------------------------------------------


def test_lost_claim_turns_the_row_into_skipped_naming_the_winner() -> None:
    c = lost_claim(AssignmentView("client_z", parse_time("2026-06-01T00:00:00Z")))
    assert (c.status, c.code) == (RowStatus.SKIPPED, Reason.OWNED_BY_OTHER_CLIENT)
    assert c.reason == "OWNED_BY_OTHER_CLIENT: owned by client client_z until 2026-06-01T00:00:00Z"


def test_views_are_built_from_dynamodb_items() -> None:
    a = AssignmentView.from_item(
        {
            "client_id": "c1",
            "expires_at": "2026-06-01T00:00:00Z",
            "priority": Decimal("2"),
            "workspace_id": "ws",
        }
    )
    assert a is not None and a.expires_at == datetime(2026, 6, 1, tzinfo=UTC) and a.priority == 2
    g = GlobalContactView.from_item(
        {
            "email": EMAIL,
            "total_sent": Decimal(4),
            "total_responses": Decimal(1),
            "response_rate": Decimal("0.25"),
        }
    )
    assert (g.total_sent, g.total_responses, g.response_rate) == (4, 1, 0.25)
    c = ContactView.from_item({"contact_id": "cont_1", "email": EMAIL, "is_deleted": False})
    assert c == CONTACT


def test_released_assignment_owns_nothing() -> None:
    assert (
        AssignmentView.from_item(
            {"client_id": "c1", "expires_at": "2027-01-01T00:00:00Z", "released_at": "x"}
        )
        is None
    )


def test_naive_times_are_read_as_utc() -> None:
    assert parse_time("2026-05-01T12:00:00") == NOW
    c = run(client="client_b", gc=GC, owner=AssignmentView("client_a", LATER), now=NOW.replace(tzinfo=None))
    assert c.code is Reason.OWNED_BY_OTHER_CLIENT


def test_email_comparison_ignores_case_and_spaces() -> None:
    row = {"email": " Bob@ACME.com ", "contact_id": "cont_1"}
    assert run(purpose="update", row=row, by_id=CONTACT).status is RowStatus.UPDATED


# --- properties ----------------------------------------------------------------------------------

clients = st.sampled_from([None, "client_a", "client_b"])
owners = st.one_of(
    st.none(),
    st.builds(
        AssignmentView,
        client_id=st.sampled_from(["client_a", "client_b", "client_c"]),
        expires_at=st.one_of(st.none(), st.integers(-5, 5).map(lambda d: NOW + timedelta(days=d))),
    ),
)
contacts = st.one_of(st.none(), st.just(CONTACT), st.just(ContactView("cont_1", EMAIL, is_deleted=True)))
purposes = st.sampled_from(list(ImportPurpose))


@given(clients, purposes, owners, contacts, st.booleans())
def test_property_nobody_else_gets_a_person_another_client_holds_unexpired(
    client: str | None,
    purpose: ImportPurpose,
    owner: AssignmentView | None,
    contact: ContactView | None,
    has_gc: bool,
) -> None:
    c = run(client=client, purpose=purpose, gc=GC if has_gc else None, owner=owner, contact=contact)
    held_by_other = owner is not None and owner.is_active(NOW) and owner.client_id != client
    if held_by_other and client is not None:
        assert c.status not in (RowStatus.IMPORTED, RowStatus.UPDATED)
    if held_by_other and c.status is RowStatus.IMPORTED:
        raise AssertionError("a new contact was created for a person another client holds")


@given(clients, purposes, owners, contacts)
def test_property_every_row_gets_one_status_and_a_reason_starting_with_its_code(
    client: str | None, purpose: ImportPurpose, owner: AssignmentView | None, contact: ContactView | None
) -> None:
    c = run(client=client, purpose=purpose, owner=owner, contact=contact)
    assert c.reason.startswith(str(c.code))
    assert c.writes == (c.status in (RowStatus.IMPORTED, RowStatus.UPDATED))
    assert c.claim == (c.writes and client is not None)
