"""Company names as lookup keys, and the rule for a confident, unique match (pure).

A name is normalised before it is compared: accents and case folded, punctuation dropped,
legal suffixes removed (cleanco knows them in many languages: Inc, Ltd, GmbH, S.A., …), so
"ACME, Inc", "Acme Inc." and "Acmé GmbH" all read `acme`. The exact normalised name is the
index key; a fuzzy score (rapidfuzz) admits a near spelling only when it is close and clearly
better than any other candidate, because a wrong domain is worse than none.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from cleanco import basename  # type: ignore[import-untyped]
from rapidfuzz import fuzz

# a near spelling must score at least this (0-100, rapidfuzz's normalised Indel ratio) ...
FUZZY_THRESHOLD = 92.0
# ... and beat the next-best different company by this much
FUZZY_MARGIN = 5.0
# names this short carry too little to be matched approximately
FUZZY_MIN_LENGTH = 5

_NON_WORD = re.compile(r"[^0-9a-z]+")
_AMPERSAND = re.compile(r"\s*&\s*")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalise_company_name(name: str | None) -> str:
    """The comparable form of a company name ("" when nothing is left)."""
    if not name:
        return ""
    text = _AMPERSAND.sub(" and ", _fold(name.strip()))
    # cleanco strips one layer of legal suffix (and the punctuation around it) per call:
    # "Acme Holdings, Inc." needs two
    for _ in range(3):
        stripped = basename(text)
        if stripped == text or not stripped.strip():
            break
        text = stripped
    words = _NON_WORD.sub(" ", text).split()
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    return " ".join(words)


def block_of(normalised: str) -> str:
    """The candidate block a name is filed under for approximate matching: its first word."""
    return normalised.split(" ", 1)[0] if normalised else ""


def unique_exact(domains: Iterable[str]) -> str | None:
    """The domain when exactly one company carries this normalised name."""
    found = set(domains)
    return next(iter(found)) if len(found) == 1 else None


def best_fuzzy(normalised: str, candidates: Mapping[str, Iterable[str]]) -> str | None:
    """The domain of the one candidate name close enough to `normalised`, else None.

    `candidates` maps normalised names to the domains carrying them. Ambiguity (a name held by
    two domains, or two names scoring within the margin) resolves nothing.
    """
    if len(normalised) < FUZZY_MIN_LENGTH:
        return None
    scored = sorted(
        ((fuzz.ratio(normalised, name), name) for name in candidates if name),
        reverse=True,
    )
    if not scored or scored[0][0] < FUZZY_THRESHOLD:
        return None
    best_score, best_name = scored[0]
    domain = unique_exact(candidates[best_name])
    if domain is None:
        return None
    for score, name in scored[1:]:
        if best_score - score >= FUZZY_MARGIN:
            break
        if set(candidates[name]) != {domain}:
            return None
    return domain
