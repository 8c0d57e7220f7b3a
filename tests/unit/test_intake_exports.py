"""Real export layouts (tests/corpus/exports.py): every column a person would map lands in its
field, and no company, salutation or IP-geolocation column fills a person's field."""

from __future__ import annotations

import io

import pytest

from functions.common.rows import STANDARD_FIELDS
from functions.intake.parse import Intake, IntakeOptions
from tests.corpus.exports import EXPORTS, NOT_PERSON, build

PERSON_FIELDS = frozenset(STANDARD_FIELDS) - {"company_name", "company_domain"}


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return build()


def read(data: bytes) -> tuple[Intake, list]:  # type: ignore[type-arg]
    intake = Intake(io.BytesIO(data), IntakeOptions())
    return intake, list(intake.rows())


def test_the_corpus_covers_many_products() -> None:
    assert len({e.product.split(" (")[0] for e in EXPORTS.values()}) >= 12


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_expected_column_lands_in_its_field(name: str, files: dict[str, bytes]) -> None:
    export = EXPORTS[name]
    intake, _ = read(files[name])
    mapped = {i: t for i, t in intake.column_map.items() if t in STANDARD_FIELDS}
    headers = [h for h, _, _ in export.columns]
    assert {headers[i]: t for i, t in mapped.items()} == {headers[i]: f for i, f in export.expected().items()}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_no_company_salutation_or_ip_column_fills_a_person_field(name: str, files: dict[str, bytes]) -> None:
    export = EXPORTS[name]
    intake, rows = read(files[name])
    for index, (header, kind, _) in enumerate(export.columns):
        if kind in NOT_PERSON:
            assert intake.column_map.get(index, "").startswith("custom:"), (
                header,
                intake.column_map.get(index),
            )
    assert all(r.error in (None, "MISSING_EMAIL") for r in rows), [r.error_detail for r in rows if r.error]


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_the_values_reach_the_rows(name: str, files: dict[str, bytes]) -> None:
    export = EXPORTS[name]
    _, rows = read(files[name])
    assert len(rows) == export.rows
    for index, target in export.expected().items():
        holders = [r for r in rows if r.raw[index].strip() and r.error is None]
        assert all(target in r.fields for r in holders), (export.columns[index][0], target)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_the_column_map_says_how_each_column_was_decided(name: str, files: dict[str, bytes]) -> None:
    intake, _ = read(files[name])
    described = intake.column_plan
    assert [c["column"] for c in described] == list(range(1, len(intake.headers) + 1))
    targets = [c["target"] for c in described if c["target"] in STANDARD_FIELDS]
    assert len(targets) == len(set(targets))  # a field is mapped at most once
    for column in described:
        assert column["how"] in {"exact", "synonym", "values", "unmatched"}
        assert 0.0 <= column["confidence"] <= 1.0
        assert len(column["samples"]) <= 3
        assert (column["how"] == "unmatched") == str(column["target"]).startswith("custom:")


def test_linkedin_notes_before_the_header_are_skipped_with_a_warning(files: dict[str, bytes]) -> None:
    intake, rows = read(files["linkedin_Connections.csv"])
    assert intake.headers[:3] == ["First Name", "Last Name", "URL"]
    assert any("before the header row were skipped" in w and "Notes:" in w for w in intake.warnings)
    assert rows[0].fields["linkedin_url"].startswith("https://www.linkedin.com/in/")
    # LinkedIn hides most emails: those rows are errors that say so, the file is not rejected
    assert [r.error for r in rows].count("MISSING_EMAIL") == 5


def test_salesforce_report_footer_is_not_imported(files: dict[str, bytes]) -> None:
    intake, rows = read(files["salesforce_report.csv"])
    assert len(rows) == 8 and all(r.error is None for r in rows)
    footer = next(w for w in intake.warnings if "report footer" in w)
    assert "Grand Totals" in footer and "Confidential Information" in footer and "Copyright" in footer


def test_hubspot_repeated_company_columns_are_kept_apart(files: dict[str, bytes]) -> None:
    intake, rows = read(files["hubspot_contacts.csv"])
    assert intake.headers[23:] == ["Phone Number (2)", "City (2)", "Country/Region (2)"]
    assert rows[0].custom["Phone Number (2)"].startswith("+1 (800)")
    assert rows[0].fields["phone"] != rows[0].custom["Phone Number (2)"]
    assert any("'Phone Number (2)'" in w for w in intake.warnings)


def test_outlook_salutation_title_is_not_the_job_title(files: dict[str, bytes]) -> None:
    intake, rows = read(files["outlook_contacts.csv"])
    title = next(c for c in intake.column_plan if c["header"] == "Title")
    assert title["target"] == "custom:Title" and "salutation" in title["note"]
    assert rows[0].fields["title"] in {"VP Sales", "Head of Marketing", "Software Engineer", "CTO",
                                       "Account Executive", "Director, Operations"}  # fmt: skip


def test_google_labels_split_into_tags(files: dict[str, bytes]) -> None:
    _, rows = read(files["google_contacts.csv"])
    for row in rows:
        assert all(":::" not in t and not t.startswith("*") for t in row.fields.get("tags", []))
    assert any("Friends" in row.fields.get("tags", []) for row in rows)


def test_apollo_phone_apostrophes_are_stripped(files: dict[str, bytes]) -> None:
    _, rows = read(files["apollo_contacts.csv"])
    assert all(r.raw[10].startswith("'") for r in rows)
    assert all(r.fields["phone"].startswith("+1") for r in rows), [r.fields.get("phone") for r in rows]
