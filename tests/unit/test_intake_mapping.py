"""Column mapping: synonyms, explicit mapping documents, and nothing lost."""

from __future__ import annotations

import pytest

from functions.common.errors import ConfigInvalid, FileRejected
from functions.intake.custom_fields import CustomFieldDef
from functions.intake.mapping import MappingDoc, load_mapping, normalise_header, plan_columns


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Email", "email"), ("E-mail", "email"), ("Email Address", "email"), ("Work Email", "email"),
        ("EMAIL_ADDRESS", "email"), ("First Name", "first_name"), ("firstName", "first_name"),
        ("Surname", "last_name"), ("Name", "full_name"), ("Full Name", "full_name"),
        ("Job Title", "title"), ("Website", "company_domain"), ("Company Domain", "company_domain"),
        ("Domain", "company_domain"), ("Company", "company_name"), ("Account Name", "company_name"),
        ("Organization", "company_name"), ("LinkedIn", "linkedin_url"), ("Contact LinkedIn URL", "linkedin_url"),
        ("Mobile Phone", "mobile"), ("Phone Number", "phone"), ("Contact Owner Email", "owner_email"),
        ("EG-CON-ID", "contact_id"), ("Contact ID", "contact_id"), ("id", "contact_id"), ("Tags", "tags"),
        ("Time Zone", "time_zone"), ("State/Province", "state"), ("Country", "country"), ("Prénom", "first_name"),
        ("company_domain", "company_domain"), ("Seniority", "seniority"), ("Department", "department"),
    ],
)  # fmt: skip
def test_headers_auto_map_to_standard_fields(header: str, field: str) -> None:
    plan = plan_columns([header])
    assert plan.column_map == {0: field}


def test_unknown_columns_are_kept_as_custom_data_under_their_header() -> None:
    plan = plan_columns(["Email", "Zip", "Lead Source "])
    assert plan.column_map == {0: "email", 1: "custom:Zip", 2: "custom:Lead Source"}


def test_normalise_header_drops_case_separators_and_accents() -> None:
    assert normalise_header(" E-Mail_Address ") == "emailaddress"
    assert normalise_header("Prénom") == "prenom"


def test_two_headers_for_one_field_keep_the_better_synonym_and_warn() -> None:
    plan = plan_columns(["Personal Email", "Email", "Phone"])
    assert plan.column_map == {0: "custom:Personal Email", 1: "email", 2: "phone"}
    assert any("both look like email" in w for w in plan.warnings)


def test_domain_column_wins_and_website_becomes_a_fallback() -> None:
    plan = plan_columns(["Email", "Website", "Domain"])
    assert plan.column_map[2] == "company_domain"
    assert plan.column_map[1] == "custom:Website"
    assert plan.domain_fallbacks == (1,)


def test_explicit_mapping_overrides_auto_mapping() -> None:
    doc = MappingDoc(columns={"Work Address": "email", "Email": "custom:old_email", "Notes": None})
    plan = plan_columns(["Email", "Work Address", "Notes", "Company"], doc)
    assert plan.column_map == {0: "custom:old_email", 1: "email", 3: "company_name"}


def test_explicit_mapping_matches_headers_loosely() -> None:
    plan = plan_columns(["E-Mail "], MappingDoc(columns={"e-mail": "email"}))
    assert plan.column_map == {0: "email"}


def test_mapping_for_a_missing_column_warns() -> None:
    plan = plan_columns(["Email"], MappingDoc(columns={"Phone No": "phone"}))
    assert plan.column_map == {0: "email"}
    assert any("'Phone No'" in w for w in plan.warnings)


def test_explicit_field_does_not_stop_auto_mapping_of_others() -> None:
    plan = plan_columns(["Email", "Mobile"], MappingDoc(columns={"Email": "email"}))
    assert plan.column_map == {0: "email", 1: "mobile"}


def test_custom_field_definitions_auto_map_by_name_or_label() -> None:
    defs = {
        "onboarding_stage": CustomFieldDef(name="onboarding_stage", field_type="string"),
        "arr": CustomFieldDef(name="arr", field_type="number", display_label="Annual Revenue"),
    }
    plan = plan_columns(["Email", "Onboarding Stage", "Annual Revenue"], custom_fields=defs)
    assert plan.column_map == {0: "email", 1: "custom:onboarding_stage", 2: "custom:arr"}


def test_unmapped_header_clashing_with_a_custom_target_is_rejected() -> None:
    with pytest.raises(FileRejected) as info:
        plan_columns(["Email", "Notes", "notes_col"], MappingDoc(columns={"notes_col": "custom:Notes"}))
    assert info.value.code == "INVALID_MAPPING"
    assert "'Notes'" in info.value.message


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"columns": {"Email": "emial"}}, "column 'Email': 'emial' is not a contact field"),
        (
            {"columns": {"A": "email", "B": "email"}},
            "'email' is mapped twice: from column 'A' and column 'B'",
        ),
        ({"columns": {"A": "custom:9lives"}}, "column 'A': 'custom:9lives' is not a valid custom field name"),
        ({"columns": {"A": "custom:x", "B": "custom:x"}}, "'custom:x' is mapped twice"),
        ({"columns": {" ": "email"}}, "empty column name"),
        ({"cols": {}}, "columns"),
    ],
)
def test_invalid_mapping_documents_name_the_offending_column(doc: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigInvalid) as info:
        load_mapping(doc)
    assert fragment in str(info.value)


def test_mapping_loads_from_json_text() -> None:
    doc = load_mapping('{"columns": {"Work Email": "email", "Notes": null, "Zip": "custom:zip"}}')
    assert doc.columns == {"Work Email": "email", "Notes": None, "Zip": "custom:zip"}


def test_mapping_that_is_not_json_is_refused() -> None:
    with pytest.raises(ConfigInvalid, match="not valid JSON"):
        load_mapping("{columns:")
