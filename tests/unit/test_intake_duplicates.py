"""In-file duplicate tracking."""

from __future__ import annotations

import tracemalloc

from hypothesis import given
from hypothesis import strategies as st

from functions.intake.duplicates import InFileDuplicates, twin_detail


def test_every_row_of_a_group_names_the_others() -> None:
    dups = InFileDuplicates()
    for number, email in enumerate(
        ["a@x.com", "b@x.com", "a@x.com", "c@x.com", "a@x.com", "b@x.com"], start=1
    ):
        dups.add(number, email)
    assert dups.twins() == {1: [3, 5], 3: [1, 5], 5: [1, 3], 2: [6], 6: [2]}
    assert len(dups) == 6


def test_unique_emails_have_no_twins() -> None:
    dups = InFileDuplicates()
    dups.add(1, "a@x.com")
    dups.add(2, "a+1@x.com")
    dups.add(3, "a.@x.com")
    assert dups.twins() == {}


@given(st.lists(st.sampled_from(["a@x.com", "b@x.com", "c@y.org", "d@z.io", "é@x.com"]), max_size=60))
def test_twins_match_a_naive_grouping(emails: list[str]) -> None:
    dups = InFileDuplicates()
    for number, email in enumerate(emails, start=1):
        dups.add(number, email)
    expected: dict[int, list[int]] = {}
    for number, email in enumerate(emails, start=1):
        others = [n for n, e in enumerate(emails, start=1) if e == email and n != number]
        if others:
            expected[number] = others
    assert dups.twins() == expected


def test_a_huge_group_lists_a_bounded_number_of_twins() -> None:
    dups = InFileDuplicates()
    for number in range(1, 5001):
        dups.add(number, "same@x.com")
    twins = dups.twins(limit=10)
    assert len(twins) == 5000
    assert twins[1] == list(range(2, 12))
    assert twins[5000] == list(range(1, 11))
    assert all(len(v) == 10 for v in twins.values())


def test_memory_stays_small_for_many_rows() -> None:
    dups = InFileDuplicates()
    tracemalloc.start()
    for number in range(1, 100_001):
        dups.add(number, f"person{number}@example.com")
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert current < 100_000 * 32  # ~20 bytes a row plus array slack; a dict of strings would be ~150


def test_twin_detail_names_the_rows() -> None:
    assert (
        twin_detail("a@x.com", [3]) == "a@x.com also appears in row 3; keep one of these rows and re-import"
    )
    assert "rows 3, 9 and more" in twin_detail("a@x.com", [3, 9], limit=2)
