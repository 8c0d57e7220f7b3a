"""Verification status words from files and providers, and their columns' headers."""

from __future__ import annotations

import pytest

from functions.common.context import JobContext
from functions.common.verification import verification_status
from functions.intake.vocabulary import match_header


@pytest.mark.parametrize(
    ("word", "status"),
    [("Verified", "valid"), ("valid", "valid"), ("catch-all", "risky"), ("accept_all", "risky"),
     ("guessed", "risky"), ("Bounced", "invalid"), ("undeliverable", "invalid"), ("unavailable", "unknown"),
     ("Unknown", "unknown"), ("Valid (Esp)", "valid"), ("Catch-all (Digital)", "risky"), ("", None),
     ("maybe?", None), ("(valid)", None)],
)  # fmt: skip
def test_provider_and_file_words_map_to_the_contact_statuses(word: str, status: str | None) -> None:
    assert verification_status(word) == status


@pytest.mark.parametrize(
    ("header", "field"),
    [("Email Status", "verification_status"), ("Email Verification", "verification_status"),
     ("Lead Source", "lead_source")],
)  # fmt: skip
def test_status_and_source_headers_map_to_their_fields(header: str, field: str) -> None:
    assert match_header(header).field == field


@pytest.mark.parametrize(
    ("source", "lead_source"),
    [("csv", "csv_import_20261203"), ("webhook", "webhook"), ("sync:hubspot", "sync:hubspot"),
     ("apollo_search", "apollo_search")],
)  # fmt: skip
def test_lead_source_defaults_to_what_started_the_job(source: str, lead_source: str) -> None:
    ctx = JobContext.from_options("j1", "ws", {}, "2026-12-03T09:00:00Z", "2026-12-03T08:59:00Z", source)
    assert ctx.lead_source == lead_source
