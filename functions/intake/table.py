"""Where the table is in a real export: the header row after any preamble, a name for every
column, and the footer lines a report puts after its data.

LinkedIn's Connections.csv starts with a "Notes:" block; a Salesforce report ends with
"Grand Totals", "Confidential Information" and "Copyright" lines; HubSpot repeats "Phone
Number" for the associated company. None of these is a reason to refuse the file: the
preamble and footers are skipped with a warning, repeated names are disambiguated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Records read ahead of the data: to find the header and to sample the columns' values.
PROBE_RECORDS = 60
# A header further down than this is not looked for: the file is refused as it was before.
MAX_PREAMBLE = 20

LOOKS_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}")
LOOKS_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
LOOKS_NUMBER = re.compile(r"[+\-]?[\d][\d\s().,/:\-]*")
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
_FOOTER = re.compile(
    r"\s*(?:grand\s+totals?|totals?\b|sub-?totals?\b|confidential\s+information|copyright\b|\(c\)\s*\d|©|"
    r"generated\s+(?:by|on|at)\b|report\s+generated|all\s+rights\s+reserved|powered\s+by\b|"
    r"exported\s+(?:by|on|at)\b|end\s+of\s+report)",
    re.IGNORECASE,
)


def filled(cells: Sequence[str]) -> int:
    return sum(1 for c in cells if c.strip())


def looks_like_data(cells: Sequence[str]) -> bool:
    """A record whose cells are emails, URLs or mostly numbers is data, not column names."""
    names = [c.strip() for c in cells if c.strip()]
    if any(LOOKS_EMAIL.fullmatch(n) or LOOKS_URL.fullmatch(n) for n in names):
        return True
    numeric = sum(1 for n in names if LOOKS_NUMBER.fullmatch(n))
    return len(names) > 1 and numeric * 2 > len(names)


def find_header(records: Sequence[Sequence[str]]) -> int:
    """The index of the header among the first non-blank records.

    The header is the first record that fills at least half as many cells as the typical
    (median) record, and at least two: preamble lines (a title, LinkedIn's notes) fill one or few.
    When no record qualifies the first one is taken, as in a file without a preamble. A
    record taken that is data (emails, URLs, numbers) is refused by the header checks.
    """
    if not records:
        return 0
    counts = [filled(r) for r in records]
    # the typical record's width, not the widest: one ragged row must not hide a narrow header
    typical = sorted(counts)[len(counts) // 2]
    if max(counts) < 2:
        return 0
    need = max(2, (typical + 1) // 2)
    for index in range(min(len(records), MAX_PREAMBLE + 1)):
        if counts[index] >= need:
            # the first wide record is the header; when it is data, the header checks refuse it
            return index
    return 0


def name_columns(cells: Sequence[str]) -> tuple[list[str], list[str]]:
    """A name for every column and the warnings about names made up.

    Trailing unnamed columns (a trailing delimiter) are dropped; an unnamed column in the
    middle is called "Column N" after its position; a repeated name gets " (2)", " (3)", ….
    """
    names = [c.strip().strip(_INVISIBLE).strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    warnings: list[str] = []
    taken = {n.casefold() for n in names if n}
    unnamed = []
    for position, name in enumerate(names, start=1):
        if not name:
            label = f"Column {position}"
            suffix = 2
            while label.casefold() in taken:
                label = f"Column {position} ({suffix})"
                suffix += 1
            names[position - 1] = label
            taken.add(label.casefold())
            unnamed.append(position)
    if unnamed:
        listed = ", ".join(map(str, unnamed))
        warnings.append(
            f"Column(s) {listed} have no name in the header row; they are called 'Column N' after their "
            "position and kept as custom data."
        )
    seen: dict[str, int] = {}
    renamed: list[str] = []
    for position, name in enumerate(names, start=1):
        key = name.casefold()
        if key not in seen:
            seen[key] = 1
            continue
        count = seen[key]
        while True:
            count += 1
            label = f"{name} ({count})"
            if label.casefold() not in taken:
                break
        seen[key] = count
        taken.add(label.casefold())
        names[position - 1] = label
        renamed.append(f"column {position} {name!r} is called {label!r}")
    if renamed:
        warnings.append(
            "Repeated column names were kept and told apart: " + "; ".join(renamed) + ". A repeated column "
            "never replaces the first one (exports repeat names for the associated company)."
        )
    return names, warnings


def is_footer(cells: Sequence[str], after_footer: bool) -> bool:
    """A report footer line ("Grand Totals (12 records)", "Confidential Information - Do Not
    Distribute", "Copyright (c) …"), or a one-cell line after one ("Generated By: …", the org's name)."""
    values = [c for c in cells if c.strip()]
    if not values or len(values) > 2:
        return False
    if _FOOTER.match(values[0]):
        return True
    return after_footer and len(values) == 1


def snippet(cells: Sequence[str], limit: int = 60) -> str:
    text = " ".join(c.strip() for c in cells if c.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"
