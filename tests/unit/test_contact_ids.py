"""Contact ids carry their table key: the email comes back out of the id, and nothing else does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from functions.common.contact_ids import email_of, new_contact_id, without_email
from functions.intake.vocabulary import OUR_CONTACT_ID


@settings(max_examples=60, deadline=None)  # a loaded machine must not fail it on time
@given(st.emails())
def test_an_id_yields_the_email_it_was_made_for(email: str) -> None:
    contact_id = new_contact_id(email)
    assert email_of(contact_id) == email
    assert OUR_CONTACT_ID.fullmatch(contact_id)  # a column of our ids is still recognised as ids


def test_two_contacts_with_one_email_never_share_an_id() -> None:
    # a contact deleted and created again is a new contact: tombstones keyed on the old id stay its own
    assert new_contact_id("ann@acme.com") != new_contact_id("ann@acme.com")


def test_an_id_of_the_older_format_or_a_forged_one_yields_nothing() -> None:
    assert email_of("cont_0123456789abcdef0123") is None  # older format: resolved by the read model
    assert email_of("cont_0123456789_!!!") is None
    assert email_of("cont_0123456789_") is None
    assert email_of("comp_mfrggzdfmztwq2lk") is None
    forged = "cont_0123456789_" + "mfrggzdfmztwq2lk".upper()
    assert email_of(forged) is None
    # a body that decodes but is not the canonical encoding of its text
    assert email_of("cont_0123456789_mfrggzdfmztwq2lkb") is None


def test_an_id_without_its_email_keeps_only_the_random_part() -> None:
    contact_id = new_contact_id("ann@acme.com")
    assert without_email(contact_id) == contact_id[: len("cont_") + 10]
    assert without_email("cont_0123456789abcdef0123") == "cont_0123456789abcdef0123"
