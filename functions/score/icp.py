"""ICP tier: ordered workspace rules, first match wins, no match is D.

The same condition vocabulary (`Conditions`) drives the scoring model's fit criteria, so the
matcher and the `Profile` it reads live here and `scoring` imports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from functions.common.canonical import country_iso2
from functions.common.config_models import Conditions, IcpRule, IcpRuleSet
from functions.common.verification import verification_status
from functions.score.derive import normalise_department, normalise_seniority, title_tokens

DEFAULT_TIER = "D"


@dataclass(frozen=True, slots=True)
class Profile:
    """What segmentation and scoring look at: contact fields plus its company's firmographics.

    Company fields (`employee_count`, `industry`, `tech_stack`) are often absent until
    enrichment; conditions on them then do not match rather than guess.
    """

    title: str | None = None
    seniority: str | None = None
    department: str | None = None
    country: str | None = None
    state: str | None = None
    employee_count: int | None = None
    industry: str | None = None
    tech_stack: tuple[str, ...] = ()
    verification_status: str = "unverified"


def build_profile(contact: Mapping[str, Any], company: Mapping[str, Any] | None = None) -> Profile:
    """A `Profile` from a contact's standard fields and (optionally) its Company record.

    Seniority and department come from the contact's own values when they name a known level
    or function, else they are derived from the title. Company values come from `company`;
    the same keys on the contact are a fallback (an API caller may send them inline).
    """
    company = company or {}
    title = _text(contact.get("title"))

    def firmo(key: str) -> Any:
        value = company.get(key)
        return value if not _blank(value) else contact.get(key)

    return Profile(
        title=title,
        seniority=normalise_seniority(_text(contact.get("seniority")), title),
        department=normalise_department(_text(contact.get("department")), title),
        country=_text(contact.get("country")),
        state=_text(contact.get("state")),
        employee_count=_count(firmo("employee_count")),
        industry=_text(firmo("industry")),
        tech_stack=_stack(firmo("tech_stack")),
        # a contact stored before statuses existed, or never checked, is unverified
        verification_status=verification_status(_text(contact.get("verification_status"))) or "unverified",
    )


class TierMatch(NamedTuple):
    tier: str
    rule: str | None  # the matched rule's name; None when nothing matched (tier D)


def evaluate_tier(rules: IcpRuleSet | Iterable[IcpRule], profile: Profile) -> TierMatch:
    """The tier of the first rule whose conditions all hold; `("D", None)` when none does."""
    for rule in rules:
        if conditions_match(rule.conditions, profile):
            return TierMatch(rule.tier, rule.name)
    return TierMatch(DEFAULT_TIER, None)


def conditions_match(conditions: Conditions, profile: Profile) -> bool:
    """True when every present condition holds for the profile (no conditions: always true)."""
    c = conditions
    if c.title_contains is not None:
        if not profile.title:
            return False
        title = f" {' '.join(title_tokens(profile.title))} "
        if not any(n in title for n in _title_needles(tuple(c.title_contains))):
            return False
    if c.seniority_in is not None and profile.seniority not in c.seniority_in:
        return False
    if c.department_in is not None and profile.department not in c.department_in:
        return False
    if c.employee_count_min is not None and (
        profile.employee_count is None or profile.employee_count < c.employee_count_min
    ):
        return False
    if c.employee_count_max is not None and (
        profile.employee_count is None or profile.employee_count > c.employee_count_max
    ):
        return False
    if c.industry_in is not None and not _folded_in(profile.industry, c.industry_in):
        return False
    if c.tech_stack_any is not None:
        wanted = _folded_set(tuple(c.tech_stack_any))
        if not any(_fold(t) in wanted for t in profile.tech_stack):
            return False
    if c.country_in is not None and (
        profile.country is None or _country_key(profile.country) not in _country_keys(tuple(c.country_in))
    ):
        return False
    if c.verification_status_in is not None and profile.verification_status not in c.verification_status_in:
        return False
    return not (c.state_in is not None and not _folded_in(profile.state, c.state_in))


@lru_cache(maxsize=1024)
def _title_needles(needles: tuple[str, ...]) -> tuple[str, ...]:
    # " vp" inside " svp of sales " is not found: a needle must start at a word
    out = []
    for n in needles:
        tokens = title_tokens(n)
        if tokens:
            out.append(f" {' '.join(tokens)}")
    return tuple(out)


def _country_key(value: str) -> str:
    # "US", "USA" and "United States" are one country in a file and in a rule alike
    return country_iso2(value) or _fold(value)


@lru_cache(maxsize=1024)
def _country_keys(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_country_key(v) for v in values)


def _fold(value: str) -> str:
    return " ".join(value.casefold().split())


@lru_cache(maxsize=1024)
def _folded_set(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_fold(v) for v in values)


def _folded_in(value: str | None, options: list[str]) -> bool:
    return value is not None and _fold(value) in _folded_set(tuple(options))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == ()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def _count(value: Any) -> int | None:
    # enrichment gives a number; a CSV gives "1,200" or "350.0"; a band ("51-200") is not a count
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value >= 0 and value == value and value != float("inf") else None
    s = str(value).strip().replace(",", "").replace("_", "")
    try:
        n = float(s)
    except ValueError:
        return None
    return int(n) if n >= 0 and n != float("inf") else None


def _stack(value: Any) -> tuple[str, ...]:
    if _blank(value):
        return ()
    items = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    return tuple(s for s in (str(i).strip() for i in items) if s)
