"""Seniority and department derived from job titles."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.score.derive import (
    DEPARTMENTS,
    SENIORITY_LEVELS,
    derive_department,
    derive_seniority,
    normalise_department,
    normalise_seniority,
    title_tokens,
)


@pytest.mark.parametrize(
    ("title", "seniority", "department"),
    [
        # the examples
        ("VP of Sales", "vp", "sales"),
        ("Chief Technology Officer", "c_suite", "engineering"),
        ("CTO", "c_suite", "engineering"),
        ("Head of Growth", "head", "marketing"),
        ("Senior Software Engineer", "senior", "engineering"),
        ("Founder", "founder", "executive"),
        ("Owner", "owner", "executive"),
        # the rest of the ladder
        ("Co-Founder & CEO", "founder", "executive"),
        ("Business Owner", "owner", "executive"),
        ("Managing Partner", "partner", "executive"),
        ("Partner", "partner", None),
        ("Senior Vice President, Marketing", "vp", "marketing"),
        ("V.P. Engineering", "vp", "engineering"),
        ("SVP Sales", "vp", "sales"),
        ("Director of Revenue Operations", "director", "revenue_operations"),
        ("Associate Director of Finance", "director", "finance"),
        ("Sr. Product Manager", "manager", "product"),
        ("Product Marketing Manager", "manager", "marketing"),
        ("Team Lead, Support", "manager", "support"),
        ("Staff Engineer", "senior", "engineering"),
        ("Lead Developer", "senior", "engineering"),
        ("Software Engineer", "entry", "engineering"),
        ("Junior Accountant", "entry", "finance"),
        ("Account Executive", "entry", "sales"),
        ("Marketing Intern", "intern", "marketing"),
        ("President", "c_suite", "executive"),
        ("Managing Director", "c_suite", "executive"),
        ("Chief Operating Officer", "c_suite", "operations"),
        ("Chief Information Officer", "c_suite", "information_technology"),
        ("Chief People Officer", "c_suite", "human_resources"),
        ("CISO", "c_suite", "security"),
        ("IT Director", "director", "information_technology"),
        ("Head of People", "head", "human_resources"),
        ("Data Engineer", "entry", "data"),
        ("Sales Engineer", "entry", "sales"),
        ("Technical Recruiter", "entry", "human_resources"),
        ("Office Manager", "manager", "operations"),
    ],
)
def test_title_derives_seniority_and_department(
    title: str, seniority: str | None, department: str | None
) -> None:
    assert derive_seniority(title) == seniority
    assert derive_department(title) == department


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Product Owner", None),  # a scrum role, not a business owner
        ("Partner Manager", "manager"),  # partner is the object, not the rank
        ("Channel Partner Manager", "manager"),
        ("Assistant to the CEO", "entry"),  # names the principal, is not the principal
        ("Executive Assistant", "entry"),
        ("Internal Communications Manager", "manager"),  # "internal" is not "intern"
        ("Staff Accountant", "entry"),  # staff is senior only for engineers and the like
        ("Lead Generation Specialist", "entry"),  # lead-gen, not a lead
        ("Chief of Staff", "director"),
        ("Vice President", "vp"),  # not a president
    ],
)
def test_title_pitfalls_do_not_fool_seniority(title: str, expected: str | None) -> None:
    assert derive_seniority(title) == expected


def test_acronym_inside_a_word_is_not_a_match() -> None:
    # "cto" is inside "director"; "it" is inside "digital"
    assert derive_seniority("Director") == "director"
    assert derive_department("Digital Director") is None


def test_product_owner_is_not_an_executive() -> None:
    assert derive_department("Product Owner") == "product"


def test_vice_president_alone_is_not_the_executive_department() -> None:
    assert derive_department("Vice President") is None


@pytest.mark.parametrize("title", [None, "", "   ", "---", "Board Member", "Investor"])
def test_titles_naming_no_level_derive_nothing(title: str | None) -> None:
    assert derive_seniority(title) is None


def test_title_tokens_drop_dots_and_split_punctuation() -> None:
    assert title_tokens("Sr. V.P., Sales/Marketing") == ("sr", "vp", "sales", "marketing")
    assert title_tokens("R&D Lead") == ("r", "&", "d", "lead")


def test_given_seniority_wins_over_title() -> None:
    assert normalise_seniority("Director", "VP of Sales") == "director"


def test_given_seniority_alias_is_canonicalised() -> None:
    assert normalise_seniority("C-Level", None) == "c_suite"
    assert normalise_seniority("Vice President", None) == "vp"


def test_given_seniority_written_as_a_title_is_read_as_one() -> None:
    assert normalise_seniority("Senior Manager", None) == "manager"


def test_unreadable_given_seniority_falls_back_to_the_title() -> None:
    assert normalise_seniority("n/a", "Head of Growth") == "head"


def test_given_department_alias_and_fallback() -> None:
    assert normalise_department("HR", "VP of Sales") == "human_resources"
    assert normalise_department("Software Development", None) == "engineering"
    assert normalise_department("??", "VP of Sales") == "sales"
    assert normalise_department(None, None) is None


@given(st.text(max_size=80))
def test_derivation_never_fails_and_stays_in_the_vocabulary(title: str) -> None:
    s = derive_seniority(title)
    d = derive_department(title)
    assert s is None or s in SENIORITY_LEVELS
    assert d is None or d in DEPARTMENTS


@given(
    st.sampled_from(["VP", "Director", "Head", "Manager", "CEO", "Founder"]),
    st.text(alphabet=string.ascii_letters + " ,-&./", max_size=30),
)
def test_derivation_ignores_case(word: str, rest: str) -> None:
    title = f"{word} {rest}"
    assert derive_seniority(title.upper()) == derive_seniority(title.lower())
