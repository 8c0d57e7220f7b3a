"""Company ids: stable, opaque-looking, and turned back into the company's domain."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from functions.common.company_ids import company_id, domain_of

DOMAINS = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?\.(com|co\.uk|io|de)", fullmatch=True)


@given(DOMAINS)
def test_company_id_round_trips_to_its_domain(domain: str) -> None:
    cid = company_id(domain)
    assert cid.startswith("comp_") and cid == cid.lower()
    assert domain_of(cid) == domain


def test_same_domain_same_id_and_different_domains_differ() -> None:
    assert company_id("acme.com") == company_id("acme.com")
    assert company_id("acme.com") != company_id("acme.co.uk")


def test_text_that_is_no_company_id_names_no_domain() -> None:
    for text in ("cont_abc", "comp_", "comp_!!!", "comp_1", "acme.com"):
        assert domain_of(text) is None
