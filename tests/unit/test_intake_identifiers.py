"""Rows identified by phone or contact id get the email of the contact they match."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence

import pytest

from functions.common.errors import FileRejected
from functions.common.rows import Reason, Row
from functions.intake.identifiers import check_identifier, resolve
from functions.intake.parse import Intake, IntakeOptions


class Directory:
    def __init__(self, phones: dict[str, list[tuple[str, str]]], ids: dict[str, str]) -> None:
        self.phones, self.ids = phones, ids
        self.asked: list[set[str]] = []

    def by_phone(self, phones: Iterable[str]) -> Mapping[str, Sequence[tuple[str, str]]]:
        wanted = set(phones)
        self.asked.append(wanted)
        return {p: v for p, v in self.phones.items() if p in wanted}

    def by_contact_id(self, contact_ids: Iterable[str]) -> Mapping[str, str]:
        return {c: e for c, e in self.ids.items() if c in set(contact_ids)}


DIRECTORY = Directory(
    {
        "+14155550100": [("cont_00000000000000000a01", "ann@acme.com")],
        "+14155550199": [("cont_b", "bob@acme.com"), ("cont_c", "cara@acme.com")],
    },
    {"cont_00000000000000000a01": "ann@acme.com"},
)


def rows(text: str, identifier: str) -> list[Row]:
    intake = Intake(io.BytesIO(text.encode()), IntakeOptions(identifier=identifier, default_country="US"))
    found = list(intake.rows())
    resolve(found, identifier, DIRECTORY)
    return found


def test_a_phone_takes_the_email_of_the_one_contact_that_has_it() -> None:
    (row,) = rows("Phone,First Name\n(415) 555-0100,Annie\n", "phone")
    assert row.error is None and row.fields["email"] == "ann@acme.com" and row.fields["first_name"] == "Annie"


def test_a_phone_matching_two_contacts_is_an_error_naming_both() -> None:
    (row,) = rows("Phone\n+1 415 555 0199\n", "phone")
    assert row.error == Reason.AMBIGUOUS_IDENTIFIER
    assert "cont_b (bob@acme.com)" in (row.error_detail or "") and "cont_c (cara@acme.com)" in (
        row.error_detail or ""
    )


def test_an_unknown_phone_without_an_email_cannot_be_added() -> None:
    (row,) = rows("Phone\n+1 415 555 0142\n", "phone")
    assert row.error == Reason.MISSING_EMAIL and "+14155550142" in (row.error_detail or "")


def test_an_unknown_phone_with_an_email_goes_on_by_its_email() -> None:
    (row,) = rows("Phone,Email\n+1 415 555 0142,new@acme.com\n", "phone")
    assert row.error is None and row.fields["email"] == "new@acme.com"


def test_a_matched_contact_with_another_email_is_not_re_addressed() -> None:
    (row,) = rows("Mobile,Email\n+1 415 555 0100,other@acme.com\n", "phone")
    assert row.error == Reason.IDENTIFIER_MISMATCH and "ann@acme.com" in (row.error_detail or "")


def test_a_contact_id_takes_its_contacts_email() -> None:
    found = rows(
        "Contact ID,Title\ncont_00000000000000000a01,CEO\ncont_00000000000000000fff,CTO\n", "contact_id"
    )
    assert found[0].fields["email"] == "ann@acme.com" and found[0].error is None
    assert found[1].error == Reason.MISSING_EMAIL and "cont_00000000000000000fff" in (
        found[1].error_detail or ""
    )


def test_by_email_nothing_is_looked_up() -> None:
    directory = Directory({}, {})
    resolve([Row(1, ["a@x.com"], {"email": "a@x.com"})], "email", directory)
    assert directory.asked == []


def test_a_phone_identified_file_needs_a_phone_column() -> None:
    with pytest.raises(FileRejected) as info:
        rows("Email,Name\na@x.com,Ann\n", "phone")
    assert info.value.code == "NO_PHONE_COLUMN" and "'Email', 'Name'" in info.value.message


@pytest.mark.parametrize(
    ("identifier", "purpose", "ok"),
    [("email", "create", True), ("phone", "upsert", True), ("contact_id", "update", True),
     ("contact_id", "upsert", False), ("fax", "update", False)],
)  # fmt: skip
def test_contact_id_is_an_identifier_for_updates_only(identifier: str, purpose: str, ok: bool) -> None:
    assert (check_identifier(identifier, purpose) is None) is ok
