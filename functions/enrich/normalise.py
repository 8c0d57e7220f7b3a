"""Provider vocabularies mapped onto one, so ICP rules and scoring see the same values whichever
provider (or the cache) answered."""

from __future__ import annotations

import re
from collections.abc import Iterable

from functions.common.config_models import SENIORITY_LEVELS

# Apollo's seniority vocabulary, most senior first; other providers are mapped onto it.
SENIORITIES: tuple[str, ...] = SENIORITY_LEVELS

_SENIORITY_ALIASES = {
    # People Data Labs job_title_levels
    "cxo": "c_suite",
    "training": "intern",
    "unpaid": "intern",
    "c-suite": "c_suite",
    "c suite": "c_suite",
}


def _strings(values: object) -> list[object]:
    """A provider value that may be one string or a list of them, as a list (else empty)."""
    if isinstance(values, str):
        return [values]
    return list(values) if isinstance(values, list | tuple) else []


def seniority(values: object) -> str | None:
    """The most senior recognised level among `values` (a string or a list), in Apollo's
    vocabulary."""
    best: int | None = None
    for value in _strings(values):
        if not isinstance(value, str):
            continue
        key = value.strip().lower()
        key = _SENIORITY_ALIASES.get(key, key)
        if key in SENIORITIES:
            rank = SENIORITIES.index(key)
            best = rank if best is None else min(best, rank)
    return SENIORITIES[best] if best is not None else None


_DEPARTMENT_ALIASES = {
    "engineering_technical": "engineering",
    "c_suite": "executive",
    "information_technology": "it",
}


def department(values: object) -> str | None:
    """The first department (of a string or a list), snake_case, without Apollo's `master_`
    prefix."""
    for value in _strings(values):
        if isinstance(value, str) and value.strip():
            key = re.sub(r"[\s\-]+", "_", value.strip().lower())
            key = key.removeprefix("master_")
            return _DEPARTMENT_ALIASES.get(key, key)
    return None


_LINKEDIN = re.compile(r"^(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/(in|company|pub)/([^/?#\s]+)", re.I)


def linkedin_url(value: str | None) -> str | None:
    """`https://www.linkedin.com/in/<handle>` whatever form the provider used
    (`http://www.linkedin.com/in/x`, `linkedin.com/in/x`, ...); other URLs pass through."""
    if not isinstance(value, str) or not value.strip():
        return None
    match = _LINKEDIN.match(value.strip())
    if not match:
        return value.strip()
    return f"https://www.linkedin.com/{match.group(1).lower()}/{match.group(2)}"


def domain(value: str | None) -> str | None:
    """A bare lowercase host from `https://www.acme.com/`, `www.acme.com` or `acme.com`."""
    if not isinstance(value, str) or not value.strip():
        return None
    host = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", value.strip().lower())
    host = host.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    host = host.removeprefix("www.")
    return host or None


# People Data Labs' inferred_revenue bands, used as the one vocabulary (upper bounds in USD).
REVENUE_BANDS: tuple[tuple[float, str], ...] = (
    (1e6, "$0-$1M"),
    (1e7, "$1M-$10M"),
    (2.5e7, "$10M-$25M"),
    (5e7, "$25M-$50M"),
    (1e8, "$50M-$100M"),
    (2.5e8, "$100M-$250M"),
    (5e8, "$250M-$500M"),
    (1e9, "$500M-$1B"),
    (1e10, "$1B-$10B"),
)
_TOP_BAND = "$10B+"
_KNOWN_BANDS = {band for _, band in REVENUE_BANDS} | {_TOP_BAND}
_SUFFIX = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
_PRINTED = re.compile(r"^\$?\s*([0-9]+(?:\.[0-9]+)?)\s*([KMBT]?)$", re.I)


def revenue_band(amount: float | int | str | None) -> str | None:
    """The band for an amount (a number, or Apollo's printed `"100M"`, `"1.5B"`); a value that is
    already one of the bands passes through."""
    if amount is None or isinstance(amount, bool):
        return None
    if isinstance(amount, str):
        text = amount.strip()
        if text in _KNOWN_BANDS:
            return text
        match = _PRINTED.match(text.replace(",", ""))
        if not match:
            return None
        amount = float(match.group(1)) * _SUFFIX[match.group(2).upper()]
    if not isinstance(amount, int | float) or amount < 0:
        return None
    for upper, band in REVENUE_BANDS:
        if amount < upper:
            return band
    return _TOP_BAND


def text(value: object) -> str | None:
    """A non-empty stripped string, or None for anything else (providers send nulls and "")."""
    return (value.strip() or None) if isinstance(value, str) else None


def count(value: object) -> int | None:
    """A non-negative integer from an int, an integral float or a digit string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def names(values: Iterable[object]) -> tuple[str, ...]:
    """Distinct non-empty strings in first-seen order (case-insensitive)."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        name = text(value)
        if name and name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return tuple(out)
