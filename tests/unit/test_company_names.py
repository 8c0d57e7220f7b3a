"""Company names normalised for lookup, and the confident-unique-match rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.common.company_names import best_fuzzy, block_of, normalise_company_name, unique_exact


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Acme Inc.", "acme"),
        ("ACME, Inc", "acme"),
        ("acme incorporated", "acme"),
        ("Acmé GmbH", "acme"),
        ("Acme Ltd", "acme"),
        ("Acme S.A.", "acme"),
        ("Acme Holdings, Inc.", "acme holdings"),
        ("The Acme Company, LLC", "acme"),
        ("Société Générale S.A.", "societe generale"),
        ("Müller & Söhne GmbH", "muller and sohne"),
        ("  Nimbus   Cloud   Corp. ", "nimbus cloud"),
        ("", ""),
        (None, ""),
    ],
)
def test_suffixes_case_accents_and_punctuation_fold_away(raw: str | None, normalised: str) -> None:
    assert normalise_company_name(raw) == normalised


_WORD = st.sampled_from(
    ["acme", "nimbus", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne", "tyrell"]
)
_SUFFIX = st.sampled_from(
    ["", " Inc.", " Inc", ", Inc", " LLC", " Ltd", " Limited", " GmbH", " S.A.", " Corp."]
)
_CASE = st.sampled_from([str.lower, str.upper, str.title, str.capitalize])


@given(st.lists(_WORD, min_size=1, max_size=3), _SUFFIX, _SUFFIX, _CASE, _CASE)
def test_suffix_and_case_variants_of_one_name_normalise_alike(
    words: list[str], s1: str, s2: str, case1: object, case2: object
) -> None:
    name = " ".join(words)
    a = case1(name) + s1  # type: ignore[operator]
    b = case2(name) + s2  # type: ignore[operator]
    assert normalise_company_name(a) == normalise_company_name(b) != ""


# words far enough apart that no two of them are a misspelling of each other
_DISTINCT = [
    "software", "logistics", "capital", "robotics", "pharma", "media", "foods", "energy", "labs",
    "analytics", "security", "consulting", "motors", "textiles", "insurance",
]  # fmt: skip


@given(
    st.sampled_from(["acme", "global", "northwind", "summit", "blue river"]),
    st.lists(st.sampled_from(_DISTINCT), min_size=2, max_size=2, unique=True),
    _SUFFIX,
)
def test_two_companies_sharing_a_word_do_not_match(shared: str, pair: list[str], suffix: str) -> None:
    ours = normalise_company_name(f"{shared} {pair[0]}{suffix}")
    theirs = normalise_company_name(f"{shared} {pair[1]}")
    assert ours != theirs
    assert best_fuzzy(ours, {theirs: {"theirs.com"}}) is None


@given(_WORD, st.sampled_from(_DISTINCT), _SUFFIX)
def test_a_name_is_not_matched_to_a_longer_name_it_is_part_of(shared: str, extra: str, suffix: str) -> None:
    assert best_fuzzy(normalise_company_name(shared + suffix), {f"{shared} {extra}": {"x.com"}}) is None


def test_a_near_spelling_matches_the_one_close_candidate() -> None:
    candidates = {"nimbus cloud": {"nimbus.io"}, "nimbus logistics": {"nimbuslog.com"}}
    assert best_fuzzy("nimbus clouds", candidates) == "nimbus.io"


def test_a_near_spelling_between_two_close_candidates_is_ambiguous() -> None:
    candidates = {"initech systems": {"initech.com"}, "initech systemz": {"initechz.com"}}
    assert best_fuzzy("initech system", candidates) is None


def test_a_name_two_domains_carry_resolves_nothing() -> None:
    assert unique_exact(["acme.com", "acme.de"]) is None
    assert unique_exact(["acme.com", "acme.com"]) == "acme.com"
    assert best_fuzzy("acme widgets", {"acme widget": {"acme.com", "acme.de"}}) is None


def test_short_names_are_never_matched_approximately() -> None:
    assert best_fuzzy("ibn", {"ibm": {"ibm.com"}}) is None


def test_the_block_is_the_first_word() -> None:
    assert block_of("acme holdings") == "acme"
    assert block_of("") == ""


def test_an_enriched_company_is_refiled_by_name_only_when_new_or_its_name_reads_differently() -> None:
    from functions.dedup.commit import renamed

    assert renamed("Acme, Inc.", None)  # no Company record yet
    assert not renamed("ACME Inc", "Acme")  # the provider's spelling of the same name
    assert renamed("Acme Analytics", "Acme")
    assert renamed("Acme", "")  # stored without a name
