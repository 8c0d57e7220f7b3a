"""API payload -> pipeline row: the same canonical forms an import produces."""

from __future__ import annotations

import pytest

from functions.api.contact_rows import FieldError, contact_row, mark_duplicates, typed_custom
from functions.common.rows import Reason
from functions.intake.custom_fields import CustomFieldDef


def row(**data: object):
    return contact_row(1, data, custom_defs={})


def test_email_is_canonical_and_the_company_domain_comes_from_it() -> None:
    r = row(email=" Bob <BOB@Sales.Acme-Example.co.uk> ")
    assert r.error is None
    assert r.fields["email"] == "bob@sales.acme-example.co.uk"
    assert r.fields["company_domain"] == "acme-example.co.uk"


def test_free_mail_is_never_a_company_domain() -> None:
    r = row(email="someone@gmail.com", company_domain="yahoo.com")
    assert "company_domain" not in r.fields
    assert any("free-mail" in w for w in r.warnings)


def test_a_website_gives_its_registrable_domain() -> None:
    assert (
        row(email="a@x-example.com", company_domain="https://www.globex.co.uk/about").fields["company_domain"]
        == "globex.co.uk"
    )


def test_full_name_is_split_and_the_suffix_moved() -> None:
    r = row(email="a@x-example.com", full_name="Jane van der Berg Jr.")
    assert (r.fields["first_name"], r.fields["last_name"], r.fields["name_suffix"]) == (
        "Jane",
        "van der Berg",
        "Jr.",
    )


def test_phone_goes_to_e164_only_when_a_country_is_known() -> None:
    assert (
        row(email="a@x-example.com", phone="(415) 555-2671", country="US").fields["phone"] == "+14155552671"
    )
    assert row(email="a@x-example.com", phone="(415) 555-2671").fields["phone"] == "(415) 555-2671"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({}, Reason.MISSING_EMAIL),
        ({"email": "  "}, Reason.MISSING_EMAIL),
        ({"email": "no-at-sign"}, Reason.INVALID_EMAIL),
    ],
)
def test_a_missing_or_invalid_email_is_a_row_error_naming_the_field(data: dict, reason: Reason) -> None:
    r = contact_row(1, data, custom_defs={})
    assert r.error == reason and r.meta["field"] == "email"


def test_custom_values_are_typed_by_their_definition() -> None:
    defs = {
        "seats": CustomFieldDef(name="seats", field_type="number"),
        "stage": CustomFieldDef(name="stage", field_type="dropdown", options=("trial", "customer")),
        "langs": CustomFieldDef(name="langs", field_type="multi_select", options=("en", "fr")),
        "vip": CustomFieldDef(name="vip", field_type="boolean"),
    }
    typed = typed_custom({"seats": "1,200", "stage": "CUSTOMER", "langs": ["fr", "en"], "vip": True}, defs)
    assert typed == {"seats": 1200, "stage": "customer", "langs": ["fr", "en"], "vip": True}
    with pytest.raises(FieldError) as err:
        typed_custom({"stage": "churned"}, defs)
    assert err.value.field == "custom_fields.stage"
    with pytest.raises(FieldError) as err:
        typed_custom({"nope": "x"}, defs)
    assert "create it first" in err.value.message


def test_rows_sharing_an_email_all_become_duplicate_errors() -> None:
    rows = [
        contact_row(n, {"email": e}, custom_defs={})
        for n, e in enumerate(["a@x.com", "b@x.com", "A@X.com"], 1)
    ]
    mark_duplicates(rows)
    assert [r.error for r in rows] == [Reason.DUPLICATE_IN_FILE, None, Reason.DUPLICATE_IN_FILE]
    assert "row 3" in (rows[0].error_detail or "")


def test_tags_are_deduplicated_case_insensitively() -> None:
    assert row(email="a@x-example.com", tags=["VIP", "vip", " hot "]).fields["tags"] == ["VIP", "hot"]
