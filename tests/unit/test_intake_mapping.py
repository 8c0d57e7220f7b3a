"""Column mapping: synonyms, explicit mapping documents, and nothing lost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    plan = plan_columns(["Email", "Zip", "Lead Channel "])
    assert plan.column_map == {0: "email", 1: "custom:Zip", 2: "custom:Lead Channel"}


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


# ----------------------------------------------------------------------------- exporter dialects


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail 1 - Value", "email"), ("Phone 1 - Value", "phone"), ("Address 1 - City", "city"),
        ("Address 1 - Region", "state"), ("Address 1 - Country", "country"), ("Organization 1 - Name", "company_name"),
        ("Organization Title", "title"), ("Organization 1 - Department", "department"),
        ("Person - Email - Work", "email"), ("Person - Phone - Mobile", "mobile"), ("Person - Name", "full_name"),
        ("Person - Label", "tags"), ("MailingCity", "city"), ("MailingState", "state"), ("MobilePhone", "mobile"),
        ("LinkedIn__c", "linkedin_url"), ("FirstName", "first_name"), ("Business City", "city"),
        ("Business Phone", "phone"), ("Business Country/Region", "country"), ("Primary Email", "email"),
        ("Work Direct Phone", "phone"), ("Person Linkedin Url", "linkedin_url"), ("Direct Phone Number", "phone"),
        ("LinkedIn Contact Profile URL", "linkedin_url"), ("primary_contact_primary_email", "email"),
        ("primary_address_city", "city"), ("Email - Work", "email"), ("Contact Phone 1", "phone"),
        ("Email 1", "email"), ("Mailing State/Province", "state"), ("Departments", "department"),
        ("direct_number", "phone"), ("Business Email Validation Status", "verification_status"),
        ("Work Email Status", "verification_status"), ("Display Name", "full_name"), ("Category", "tags"),
        ("Source Name", "lead_source"), ("Company Web address - Work", "company_domain"),
        ("Primary Address City", "city"), ("Billing Address State", "state"), ("City - Home", "city"),
        ("Name / First Name", "first_name"), ("Name / Last Name", "last_name"),
        ("Phones / Primary Phone Number", "phone"), ("Emails / Primary Email", "email"),
        ("Address / City", "city"), ("phoneNumber", "phone"), ("addressCity", "city"),
    ],
)  # fmt: skip
def test_exporter_dialects_map_to_standard_fields(header: str, field: str) -> None:
    assert plan_columns([header]).column_map == {0: field}


@pytest.mark.parametrize(
    "header",
    [
        "E-mail 2 - Value", "Phone 2 - Value", "Phone Number (2)", "Email 2", "E-mail 2 Address",
        "Company Phone", "Company City", "Company State", "Company Country", "Company Address", "HQ Country",
        "Company LinkedIn URL", "Company Linkedin Url", "Corporate Phone", "Company HQ Phone", "Account Owner",
        "IP City", "IP Country", "IP State/Region", "IP Timezone", "E-mail 1 - Label", "Phone 1 - Type",
        "Phone Status", "Phonetic First Name", "Previous Job Title", "Previous Company Name", "Name Prefix",
        "Salutation", "OwnerId", "AccountId", "OtherCity", "Alternate Address City", "Company Name for Emails",
        "Organization 1 - Location", "LinkedIn Company Profile URL", "personal_emails_validation_status",
        "Business Email Type", "Company Address - Work City", "Company Phone number - Work", "Owner 2 Last Name",
        "Company Email address - Work", "Phones / Primary Phone Country Code", "Name / Title",
        "Emails / Additional Emails", "Phones / Primary Phone Calling Code",
    ],
)  # fmt: skip
def test_company_ip_metadata_and_second_group_columns_fill_no_field(header: str) -> None:
    assert plan_columns(["Email", header]).column_map[1] == f"custom:{header}"


def test_a_second_email_never_replaces_the_first() -> None:
    samples = [["ann@acme.com"], ["ann@gmail.com"]]
    plan = plan_columns(["E-mail 1 - Value", "E-mail 2 - Value"], samples=samples)
    assert plan.column_map == {0: "email", 1: "custom:E-mail 2 - Value"}
    assert "group 2" in (plan.columns[1].note or "")


def test_the_persons_column_wins_over_the_companys_and_the_loser_is_named() -> None:
    plan = plan_columns(["Email", "Organization - Name", "Person - Organization"])
    assert plan.column_map[2] == "company_name" and plan.column_map[1] == "custom:Organization - Name"
    assert any("'Person - Organization' and 'Organization - Name'" in w for w in plan.warnings)


def test_a_filled_column_beats_an_empty_one_for_the_same_field() -> None:
    plan = plan_columns(
        ["Email", "Business Phone", "Home Phone"], samples=[["a@x.com"], [""], ["+1 415 555 0100"]]
    )
    assert plan.column_map[2] == "phone" and plan.column_map[1] == "custom:Business Phone"


@pytest.mark.parametrize(
    ("headers", "cells", "filled"),
    [
        # a home or billing address fills the person's address when no better column has values
        (["City - Work", "City - Home"], [[""], ["Austin"]], {1: "city"}),
        (["Billing Address City", "Billing Address Country"], [["Austin"], ["United States"]], {0: "city", 1: "country"}),
        (["Home City"], [["Austin"]], {0: "city"}),
        # ...and loses to a filled work or mailing address, staying custom data
        (["Business City", "Home City"], [["Austin"], ["Dallas"]], {0: "city"}),
        (["MailingState", "Home State"], [["TX"], ["CA"]], {0: "state"}),
    ],
)  # fmt: skip
def test_a_home_or_billing_address_fills_the_address_only_when_nothing_better_does(
    headers: list[str], cells: list[list[str]], filled: dict[int, str]
) -> None:
    plan = plan_columns(["Email", *headers], samples=[["a@x.com"], *cells])
    got = {i - 1: t for i, t in plan.column_map.items() if i and not t.startswith("custom:")}
    assert got == filled


def test_display_name_is_the_name_only_when_no_column_names_it_more_surely() -> None:
    assert plan_columns(["Email", "Display Name"]).column_map[1] == "full_name"  # Thunderbird
    close = plan_columns(["display_name", "primary_contact_name", "primary_contact_primary_email"])
    assert close.column_map[1] == "full_name" and close.column_map[0] == "custom:display_name"


def test_the_companys_website_beats_a_persons_web_page_for_the_domain() -> None:
    plan = plan_columns(["Email", "Web address - Work", "Company Web address - Work"])
    assert plan.column_map[2] == "company_domain" and plan.column_map[1] == "custom:Web address - Work"
    assert plan.domain_fallbacks == (1,)
    lusha = plan_columns(["Email", "Company Domain", "Company Website"])
    assert lusha.column_map[1] == "company_domain" and lusha.domain_fallbacks == (2,)


def test_the_first_numbered_owner_is_the_person_and_later_owners_are_custom_data() -> None:
    headers = ["Email 1", "Owner 1 First Name", "Owner 1 Last Name", "Owner 2 First Name", "Owner"]
    plan = plan_columns(headers, samples=[["a@x.com"], ["Ann"], ["Lee"], ["Bob"], ["Rita Rep"]])
    assert [plan.column_map[i] for i in range(5)] == [
        "email", "first_name", "last_name", "custom:Owner 2 First Name", "custom:Owner",
    ]  # fmt: skip
    # an unnumbered owner is the record's owner, never the person's name
    assert plan_columns(["Email", "Owner First Name"]).column_map[1] == "custom:Owner First Name"


# ----------------------------------------------------------------------------- values decide


def test_an_email_status_of_subscription_states_is_not_a_verification_result() -> None:
    plan = plan_columns(
        ["Email address", "Email status"], samples=[["a@x.com"] * 3, ["Active", "Unsubscribed", "active"]]
    )
    assert plan.column_map[1] == "custom:Email status"
    assert "subscription states" in (plan.columns[1].note or "")
    verified = plan_columns(["Email", "Email Status"], samples=[["a@x.com"] * 2, ["Verified", "catch-all"]])
    assert verified.column_map[1] == "verification_status"


def test_a_title_of_salutations_is_not_the_job_title() -> None:
    plan = plan_columns(
        ["Email", "Title", "Job Title"], samples=[["a@x.com"] * 3, ["Mr.", "Dr.", "Ms"], ["CTO"] * 3]
    )
    assert plan.column_map[1] == "custom:Title" and plan.column_map[2] == "title"
    assert "salutation" in (plan.columns[1].note or "")


def test_a_url_column_of_linkedin_profiles_is_the_linkedin_url() -> None:
    samples = [["a@x.com"], ["https://www.linkedin.com/in/ann-lee", "linkedin.com/in/bob"]]
    plan = plan_columns(["Email", "URL"], samples=samples)
    assert plan.column_map[1] == "linkedin_url"
    assert (plan.columns[1].how, plan.columns[1].confidence) == ("values", 0.7)


def test_a_column_of_emails_is_the_email_whatever_its_header() -> None:
    plan = plan_columns(["Contact", "Name"], samples=[["ann@acme.com", "bob@globex.io"], ["Ann", "Bob"]])
    assert plan.column_map[0] == "email" and plan.columns[0].how == "values"


def test_phone_and_website_by_values_only_under_a_header_that_says_nothing() -> None:
    samples = [["a@x.com"], ["+1 415 555 0100"], ["+1 415 555 0101"], ["https://acme.com"]]
    plan = plan_columns(["Email", "Column 2", "Fax", "Column 4"], samples=samples)
    assert plan.column_map[1] == "phone" and plan.column_map[2] == "custom:Fax"
    assert plan.column_map[3] == "company_domain"


@pytest.mark.parametrize(
    ("cells", "target"),
    [
        (["rita@ourco.com", "sam@ourco.com"], "owner_email"),
        (["Rita Rep", "Sam Seller"], "custom:Contact Owner"),
    ],
)
def test_an_owner_column_is_the_owner_email_only_when_it_holds_emails(cells: list[str], target: str) -> None:
    plan = plan_columns(["Email", "Contact Owner"], samples=[["a@x.com", "b@x.com"], cells])
    assert plan.column_map[1] == target


def test_another_crms_ids_are_not_contact_ids() -> None:
    plan = plan_columns(["Email", "Record ID"], samples=[["a@x.com"], ["1234567", "7654321"]])
    assert plan.column_map[1] == "custom:Record ID"
    ours = plan_columns(["Email", "Contact ID"], samples=[["a@x.com"], ["cont_0123456789abcdef0123"]])
    assert ours.column_map[1] == "contact_id"


def test_mailchimp_geolocation_columns_are_not_the_address() -> None:
    headers = ["Email Address", "LATITUDE", "LONGITUDE", "GMTOFF", "TIMEZONE", "CC", "REGION"]
    plan = plan_columns(headers)
    assert [plan.column_map[i] for i in (4, 5, 6)] == ["custom:TIMEZONE", "custom:CC", "custom:REGION"]
    bare = plan_columns(["Email", "City", "Country", "Latitude", "Longitude"])
    assert [bare.column_map[i] for i in (1, 2)] == ["custom:City", "custom:Country"]


def test_coordinates_beside_a_postal_address_do_not_make_it_a_geolocation() -> None:
    headers = ["Email", "Address", "City", "Country", "Zip Code", "Latitude", "Longitude"]  # Klaviyo
    plan = plan_columns(headers)
    assert [plan.column_map[i] for i in (2, 3)] == ["city", "country"]


def test_the_column_map_reports_how_each_column_was_decided() -> None:
    doc = MappingDoc(columns={"Notes": "custom:notes"})
    samples = [["a@x.com", "b@x.com", "c@x.com", "d@x.com"], ["CTO"], ["hi"], ["Acme"]]
    plan = plan_columns(["Email", "Job Title", "Notes", "Widget"], doc, samples=samples, given_how="saved")
    assert plan.describe() == [
        {"column": 1, "header": "Email", "samples": ["a@x.com", "b@x.com", "c@x.com"], "target": "email",
         "how": "exact", "confidence": 1.0, "note": None},
        {"column": 2, "header": "Job Title", "samples": ["CTO"], "target": "title", "how": "synonym",
         "confidence": 0.885, "note": None},
        {"column": 3, "header": "Notes", "samples": ["hi"], "target": "custom:notes", "how": "saved",
         "confidence": 1.0, "note": None},
        {"column": 4, "header": "Widget", "samples": ["Acme"], "target": "custom:Widget", "how": "unmatched",
         "confidence": 0.0, "note": None},
    ]  # fmt: skip


def test_an_ignored_column_is_reported_as_skipped() -> None:
    plan = plan_columns(["Email", "Junk"], MappingDoc(columns={"Junk": None}))
    assert plan.column_map == {0: "email"}
    assert plan.columns[1].target is None and plan.columns[1].how == "given"


# ----------------------------------------------------------------------------- properties

_FIELD_HEADERS = ["Email", "Phone", "Mobile Phone", "City", "State", "Country", "LinkedIn URL", "Job Title",
                  "First Name", "Last Name", "Time Zone"]  # fmt: skip


@given(
    header=st.sampled_from(_FIELD_HEADERS), n=st.integers(min_value=2, max_value=9), style=st.integers(0, 2)
)
def test_a_later_group_of_any_field_is_custom_data(header: str, n: int, style: int) -> None:
    numbered = [f"{header} ({n})", f"{header} {n}", f"{header} {n} - Value"][style]
    assert plan_columns(["Email", numbered]).column_map[1] == f"custom:{numbered}"


@given(
    part=st.sampled_from(["First Name", "Last Name", "Full Name", "Email", "Mobile Phone", "Phone"]),
    n=st.integers(min_value=2, max_value=9),
    sep=st.sampled_from([" ", "_", " - "]),
)
def test_a_numbered_owner_fills_the_persons_field_only_for_owner_1(part: str, n: int, sep: str) -> None:
    first, later = f"Owner{sep}1{sep}{part}", f"Owner{sep}{n}{sep}{part}"
    plan = plan_columns([first, later])
    assert not plan.column_map[0].startswith("custom:") and plan.column_map[0] != "owner_email"
    assert plan.column_map[1] == f"custom:{later}"


@given(
    word=st.sampled_from(["Home", "Billing"]),
    field=st.sampled_from([("City", "city"), ("State", "state"), ("Country", "country")]),
    better=st.sampled_from(["Business", "Mailing", "Work", "Primary"]),
    order=st.booleans(),
)
def test_a_filled_work_address_always_beats_a_home_or_billing_one(
    word: str, field: tuple[str, str], better: str, order: bool
) -> None:
    alt, good = f"{word} {field[0]}", f"{better} {field[0]}"
    headers = [alt, good] if order else [good, alt]
    cells = [["Dallas"], ["Austin"]] if order else [["Austin"], ["Dallas"]]
    plan = plan_columns(["Email", *headers], samples=[["a@x.com"], *cells])
    assert plan.column_map[1 + headers.index(good)] == field[1]
    assert plan.column_map[1 + headers.index(alt)] == f"custom:{alt}"


@given(
    prefix=st.sampled_from(["Company", "Account", "Organization", "HQ", "Corporate", "Company HQ"]),
    header=st.sampled_from(
        ["Phone", "City", "State", "Country", "LinkedIn URL", "Phone Number", "Owner", "Address"]
    ),
    sep=st.sampled_from([" ", " - ", "_", ""]),
)
def test_a_company_prefix_never_fills_a_person_field(prefix: str, header: str, sep: str) -> None:
    name = f"{prefix}{sep}{header}"
    assert plan_columns(["Email", name]).column_map[1] == f"custom:{name}"


@given(
    header=st.sampled_from(_FIELD_HEADERS),
    style=st.sampled_from(["lower", "upper", "snake", "camel", "spaced"]),
)
def test_case_spacing_and_separators_do_not_change_the_field(header: str, style: str) -> None:
    words = header.split()
    variant = {
        "lower": header.lower(),
        "upper": header.upper(),
        "snake": "_".join(w.lower() for w in words),
        "camel": words[0].lower() + "".join(w.capitalize() for w in words[1:]),
        "spaced": f"  {header} ",
    }[style]
    assert plan_columns([variant]).column_map == plan_columns([header]).column_map


_SUBSCRIPTION = [
    "Active",
    "Unsubscribed",
    "SUBSCRIBED",
    "never_subscribed",
    "Cleaned",
    "Pending",
    "Opted Out",
]
_VERIFICATION = ["Verified", "valid", "Invalid", "catch-all", "Unknown", "risky"]


@given(
    states=st.lists(st.sampled_from(_SUBSCRIPTION), min_size=2, max_size=8),
    results=st.lists(st.sampled_from(_VERIFICATION), max_size=8),
    header=st.sampled_from(["Email status", "Email Status", "email_status", "Email Verification Status"]),
)
def test_an_email_status_mostly_of_subscription_states_never_fills_the_verification_status(
    states: list[str], results: list[str], header: str
) -> None:
    cells = states + results[: len(states)]  # subscription states are at least half the cells
    plan = plan_columns(["Email", header], samples=[["a@x.com"], cells])
    assert plan.column_map[1] == f"custom:{header}"


@given(results=st.lists(st.sampled_from(_VERIFICATION), min_size=1, max_size=8))
def test_an_email_status_of_verification_results_is_the_verification_status(results: list[str]) -> None:
    plan = plan_columns(["Email", "Email Status"], samples=[["a@x.com"], results])
    assert plan.column_map[1] == "verification_status"


@given(
    container=st.sampled_from(["Name", "Names", "Email", "Emails", "Phone", "Phones"]),
    part=st.sampled_from([h for h in _FIELD_HEADERS if "LinkedIn" not in h]),  # any LinkedIn header is one
    sep=st.sampled_from([" / ", " - ", ": "]),
)
def test_a_composite_header_fills_only_a_field_of_its_own_kind(container: str, part: str, sep: str) -> None:
    kinds = {
        "name": {"first_name", "last_name", "full_name"},
        "email": {"email"},
        "phone": {"phone", "mobile"},
    }
    target = plan_columns([f"{container}{sep}{part}"]).column_map[0]
    assert target.startswith("custom:") or target in kinds[container.lower().rstrip("s")]
