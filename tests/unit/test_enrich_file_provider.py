from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from functions.common.errors import ConfigInvalid
from functions.enrich import normalise
from functions.enrich.file_provider import DEFAULT_PATH, FileProvider
from functions.enrich.models import PersonHints, ResultStatus
from functions.enrich.orchestrate import EnrichmentRequest, enrich_rows
from tests.stubs.enrichment_cache import InMemoryCache

SAMPLE_LINES = DEFAULT_PATH.read_text(encoding="utf-8").splitlines()


def test_the_example_file_is_the_default_and_every_line_is_a_valid_record() -> None:
    assert DEFAULT_PATH.name == "enrichment.jsonl" and DEFAULT_PATH.parent.name == "examples"
    provider = FileProvider.from_path()
    assert 140 <= len(provider) == len(SAMPLE_LINES)


def test_the_example_file_uses_the_normalised_vocabularies() -> None:
    emails = set()
    for line in SAMPLE_LINES:
        doc = json.loads(line)
        emails.add(doc["email"])
        assert doc["email"] == doc["email"].strip().lower()
        contact, company = doc["contact"], doc["company"]
        assert contact["seniority"] in normalise.SENIORITIES
        assert company["domain"] == doc["email"].split("@")[1]
        assert company["revenue_band"] is None or normalise.revenue_band(company["revenue_band"])
        if contact["linkedin_url"]:
            assert normalise.linkedin_url(contact["linkedin_url"]) == contact["linkedin_url"]
    assert len(emails) == len(SAMPLE_LINES), "one line per email"


def test_a_listed_email_is_found_whatever_its_case_and_others_are_not() -> None:
    first = json.loads(SAMPLE_LINES[0])
    provider = FileProvider.from_path()
    result = asyncio.run(provider.enrich(first["email"].upper(), PersonHints()))
    assert result.status is ResultStatus.FOUND and result.provider == "file"
    assert result.contact is not None and result.company is not None
    assert result.contact.title == first["contact"]["title"]
    assert list(result.company.tech_stack) == first["company"]["tech_stack"]
    missing = asyncio.run(provider.enrich("nobody@nowhere-inc.com", PersonHints()))
    assert missing.status is ResultStatus.NOT_FOUND


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        '{"contact": {}}',
        '{"email": "x@y.com", "contact": {"shoe_size": 9}}',
        '{"email": "no-at-sign"}',
    ],
    ids=["not-json", "no-email", "unknown-field", "not-an-email"],
)
def test_a_bad_line_rejects_the_file_naming_the_line(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "enrichment.jsonl"
    path.write_text(SAMPLE_LINES[0] + "\n\n" + bad + "\n", encoding="utf-8")
    with pytest.raises(ConfigInvalid, match=r"enrichment.jsonl line 3"):
        FileProvider.from_path(path)


def test_enrich_rows_with_the_file_provider_end_to_end() -> None:
    emails = [json.loads(line)["email"] for line in SAMPLE_LINES[:20]] + ["stranger@unknown.org"]
    batch = [EnrichmentRequest(n, e) for n, e in enumerate(emails, start=1)]
    cache = InMemoryCache()
    outcome = asyncio.run(enrich_rows(batch, FileProvider.from_path(), cache, now=datetime.now(UTC)))
    assert outcome.counters["enriched"] == 20 and outcome.counters["not_found"] == 1
    assert len(cache.items) == 21
