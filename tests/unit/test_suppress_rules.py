"""Suppression: lookup keys for a batch read, and the decision from what was found."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.common.config_models import SuppressionEntry, SuppressionReason
from functions.common.rows import Reason
from functions.suppress.rules import (
    Layer,
    SuppressionKey,
    decide_suppression,
    domain_and_parents,
    domain_keys,
    suppression_keys,
)

G, E, D = Layer.GLOBAL, Layer.EMAIL, Layer.DOMAIN


def decide(email: str, company_domain: str | None, found: dict[SuppressionKey, object]) -> str | None:
    hit = decide_suppression(suppression_keys(email, company_domain), found)  # type: ignore[arg-type]
    return hit.text if hit else None


# --- keys ----------------------------------------------------------------------------------------


def test_keys_cover_global_email_and_every_domain_level_in_precedence_order() -> None:
    keys = suppression_keys("bob@eu.acme.com", "acme-group.co.uk")
    assert keys == [
        SuppressionKey(G, "bob@eu.acme.com"),
        SuppressionKey(E, "bob@eu.acme.com"),
        SuppressionKey(D, "eu.acme.com"),
        SuppressionKey(D, "acme.com"),
        SuppressionKey(D, "acme-group.co.uk"),
        SuppressionKey(D, "co.uk"),
    ]


def test_keys_are_not_repeated_when_company_domain_is_the_email_domain() -> None:
    keys = suppression_keys("bob@acme.com", "acme.com")
    assert keys == [
        SuppressionKey(G, "bob@acme.com"),
        SuppressionKey(E, "bob@acme.com"),
        SuppressionKey(D, "acme.com"),
    ]


def test_keys_are_canonical() -> None:
    keys = suppression_keys(" Bob@ACME.com ", "WWW.Acme.IO.")
    assert SuppressionKey(E, "bob@acme.com") in keys
    assert SuppressionKey(D, "acme.io") in keys


def test_no_company_domain_means_only_the_email_domain() -> None:
    assert [k.value for k in suppression_keys("a@acme.com", None) if k.layer is D] == ["acme.com"]
    assert [k.value for k in suppression_keys("a@acme.com", "  ") if k.layer is D] == ["acme.com"]


def test_domain_parents_stop_before_the_bare_tld() -> None:
    assert domain_and_parents("a.b.acme.com") == ["a.b.acme.com", "b.acme.com", "acme.com"]
    assert domain_and_parents("acme.com") == ["acme.com"]


def test_item_keys_match_the_suppressions_table() -> None:
    assert SuppressionKey(G, "bob@acme.com").item_key("ws1") == {"scope": "GLOBAL", "value": "bob@acme.com"}
    assert SuppressionKey(E, "bob@acme.com").item_key("ws1") == {"scope": "ws1", "value": "bob@acme.com"}
    assert SuppressionKey(D, "acme.com").item_key("ws1") == {"scope": "ws1", "value": "@acme.com"}


@pytest.mark.parametrize(
    "key", [SuppressionKey(G, "a@b.com"), SuppressionKey(E, "a@b.com"), SuppressionKey(D, "b.com")]
)
def test_item_key_round_trips(key: SuppressionKey) -> None:
    assert SuppressionKey.from_item(key.item_key("ws1")) == key


def test_domain_keys_recheck_a_domain_changed_by_enrichment() -> None:
    assert domain_keys("eu.newco.com") == [SuppressionKey(D, "eu.newco.com"), SuppressionKey(D, "newco.com")]
    assert domain_keys(None) == []


# --- decisions -----------------------------------------------------------------------------------


def test_nothing_found_means_not_suppressed() -> None:
    assert decide("bob@acme.com", "acme.com", {}) is None


def test_workspace_email_suppression_reports_its_reason() -> None:
    assert (
        decide("bob@acme.com", None, {SuppressionKey(E, "bob@acme.com"): "opt_out"})
        == "SUPPRESSED_EMAIL: opt_out"
    )


def test_global_opt_out_is_honoured_in_every_workspace() -> None:
    found = {SuppressionKey(G, "bob@acme.com"): "opt_out"}
    assert decide("bob@acme.com", None, found) == "SUPPRESSED_GLOBAL: opt_out"


def test_suppressing_a_domain_suppresses_its_subdomains() -> None:
    found = {SuppressionKey(D, "acme.com"): "compliance"}
    assert decide("bob@eu.acme.com", None, found) == "SUPPRESSED_DOMAIN: compliance (acme.com)"


def test_suppressing_a_subdomain_does_not_suppress_the_parent_or_a_lookalike() -> None:
    assert decide("bob@acme.com", None, {SuppressionKey(D, "eu.acme.com"): "manual"}) is None
    assert decide("bob@notacme.com", None, {SuppressionKey(D, "acme.com"): "manual"}) is None


def test_company_domain_is_checked_as_well_as_the_email_domain() -> None:
    found = {SuppressionKey(D, "acme.com"): "manual"}
    assert decide("bob.smith@gmail.com", "acme.com", found) == "SUPPRESSED_DOMAIN: manual (acme.com)"


def test_global_wins_over_email_which_wins_over_domain() -> None:
    everything = {
        SuppressionKey(G, "bob@acme.com"): "spam_complaint",
        SuppressionKey(E, "bob@acme.com"): "unsubscribe",
        SuppressionKey(D, "acme.com"): "manual",
    }
    assert decide("bob@acme.com", None, everything) == "SUPPRESSED_GLOBAL: spam_complaint"
    del everything[SuppressionKey(G, "bob@acme.com")]
    assert decide("bob@acme.com", None, everything) == "SUPPRESSED_EMAIL: unsubscribe"


def test_most_specific_domain_is_reported() -> None:
    found = {SuppressionKey(D, "acme.com"): "manual", SuppressionKey(D, "eu.acme.com"): "compliance"}
    assert decide("bob@eu.acme.com", None, found) == "SUPPRESSED_DOMAIN: compliance (eu.acme.com)"


def test_precedence_holds_whatever_order_the_keys_come_in() -> None:
    keys = list(reversed(suppression_keys("bob@acme.com")))
    found = {SuppressionKey(D, "acme.com"): "manual", SuppressionKey(E, "bob@acme.com"): "hard_bounce"}
    hit = decide_suppression(keys, found)
    assert hit is not None and hit.code is Reason.SUPPRESSED_EMAIL


def test_entries_found_for_other_rows_are_ignored() -> None:
    found = {SuppressionKey(E, "alice@acme.com"): "opt_out", SuppressionKey(D, "other.com"): "manual"}
    assert decide("bob@acme.com", None, found) is None


@pytest.mark.parametrize("reason", [r.value for r in SuppressionReason])
def test_every_stored_reason_is_reported(reason: str) -> None:
    assert (
        decide("bob@acme.com", None, {SuppressionKey(E, "bob@acme.com"): reason})
        == f"SUPPRESSED_EMAIL: {reason}"
    )


def test_found_values_may_be_entries_or_raw_items() -> None:
    entry = SuppressionEntry(kind="email", value="bob@acme.com", reason="hard_bounce")
    assert (
        decide("bob@acme.com", None, {SuppressionKey(E, "bob@acme.com"): entry})
        == "SUPPRESSED_EMAIL: hard_bounce"
    )
    item = {"scope": "ws1", "value": "@acme.com", "reason": "compliance"}
    assert decide("bob@acme.com", None, {SuppressionKey.from_item(item): item}) == (
        "SUPPRESSED_DOMAIN: compliance (acme.com)"
    )


def test_entry_stored_without_a_reason_still_suppresses() -> None:
    assert (
        decide("bob@acme.com", None, {SuppressionKey(E, "bob@acme.com"): {}})
        == "SUPPRESSED_EMAIL: unspecified"
    )


def test_hit_carries_code_key_and_reason() -> None:
    hit = decide_suppression(suppression_keys("bob@acme.com"), {SuppressionKey(D, "acme.com"): "manual"})
    assert hit is not None
    assert (hit.code, hit.key, hit.reason) == (
        Reason.SUPPRESSED_DOMAIN,
        SuppressionKey(D, "acme.com"),
        "manual",
    )


# --- properties ----------------------------------------------------------------------------------

labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)


@given(st.lists(labels, min_size=0, max_size=3), labels, st.sampled_from(["com", "io", "co.uk"]), labels)
def test_property_every_subdomain_of_a_suppressed_domain_is_suppressed(
    subs: list[str], name: str, suffix: str, local: str
) -> None:
    suppressed = f"{name}.{suffix}"
    email = f"{local}@{'.'.join([*subs, suppressed])}"
    hit = decide_suppression(suppression_keys(email), {SuppressionKey(D, suppressed): "manual"})
    assert hit is not None and hit.key.value == suppressed


@given(st.emails(), st.one_of(st.none(), st.from_regex(r"[a-z]{1,10}\.(com|io|co\.uk)", fullmatch=True)))
def test_property_keys_start_with_global_then_email_and_are_unique(email: str, domain: str | None) -> None:
    keys = suppression_keys(email, domain)
    assert [k.layer for k in keys[:2]] == [G, E]
    assert all(k.layer is D for k in keys[2:])
    assert len(keys) == len(set(keys))
