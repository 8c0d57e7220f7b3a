"""Seniority and department from a job title, for contacts whose file or provider gave none.

Deterministic keyword rules, no model: the point is that "VP of Sales" lands in the rule a
person wrote for `seniority_in: ["vp"]`, and that the result is explainable. Titles are
tokenised (case-folded, dots dropped so "V.P." is "vp" and "Sr." is "sr", punctuation split)
and keywords match whole words or word sequences, never substrings: "CTO" must not match
"Director", "IT" must not match "Digital".

Vocabularies (`SENIORITY_LEVELS`, `DEPARTMENTS`) live in `functions.common.config_models` so
configuration can be validated against exactly what this module produces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from functions.common.config_models import (
    DEPARTMENTS,
    SENIORITY_LEVELS,
    canonical_department,
    canonical_seniority,
)

__all__ = [
    "DEPARTMENTS",
    "SENIORITY_LEVELS",
    "derive_department",
    "derive_seniority",
    "normalise_department",
    "normalise_seniority",
    "title_tokens",
]

_SPLIT = re.compile(r"[^0-9a-z+#&]+")


def title_tokens(title: str) -> tuple[str, ...]:
    """Case-folded words of a title; dots removed first so abbreviations stay one word."""
    t = title.casefold().replace(".", "").replace("&", " & ")
    return tuple(w for w in _SPLIT.split(t) if w)


class _Phrases:
    """Keywords of one rule: single words as a set, multi-word phrases as padded strings."""

    __slots__ = ("multi", "single")

    def __init__(self, phrases: Sequence[str]) -> None:
        self.single = frozenset(p for p in phrases if " " not in p)
        self.multi = tuple(f" {p} " for p in phrases if " " in p)


def _any(tokens: tuple[str, ...], phrases: _Phrases) -> bool:
    if not phrases.single.isdisjoint(tokens):
        return True
    if phrases.multi:
        # whole-word phrase match: both sides padded, so " vice president " never hits "avice presidents"
        padded = f" {' '.join(tokens)} "
        return any(m in padded for m in phrases.multi)
    return False


def _p(*phrases: str) -> _Phrases:
    return _Phrases(phrases)


# --- seniority ----------------------------------------------------------------------------------

_C_SUITE_ACRONYMS = frozenset(
    [
        "ceo",
        "cto",
        "cfo",
        "coo",
        "cmo",
        "cio",
        "cro",
        "cpo",
        "ciso",
        "cso",
        "cdo",
        "cco",
        "chro",
        "cxo",
        "cao",
        "cbo",
        "cgo",
        "clo",
        "cno",
        "cco",
        "cdao",
        "cseo",
    ]
)
# Support roles name their principal ("Assistant to the CEO"); they are not the principal.
_ASSISTANT = _p(
    "assistant to", "executive assistant", "personal assistant", "ea to", "administrative assistant"
)
_INTERN = _p("intern", "interns", "internship", "trainee", "apprentice", "working student", "werkstudent")
# "Product Owner" is a scrum role, not a business owner.
_NOT_AN_OWNER = frozenset(
    ["product", "process", "account", "data", "service", "content", "system", "project", "budget", "risk"]
)
# "Partner Manager", "Channel Partner Marketing": partner is the object, not the rank.
_NOT_A_PARTNER_AFTER = frozenset(
    [
        "manager",
        "marketing",
        "sales",
        "success",
        "development",
        "programs",
        "program",
        "relations",
        "ecosystem",
        "account",
        "accounts",
        "alliances",
        "channel",
        "enablement",
        "operations",
        "specialist",
        "lead",
        "director",
        "executive",
        "solutions",
        "engineer",
        "integrations",
        "network",
        "support",
        "experience",
        "onboarding",
        "coordinator",
        "management",
    ]
)
_VP = _p("vp", "svp", "evp", "avp", "vice president", "vicepresident", "v p")
_C_SUITE_PHRASES = _p("managing director", "executive director", "chief executive", "president")
_CHIEF_OF_STAFF = _p("chief of staff")
_HEAD = _p("head")
_DIRECTOR = _p("director", "dir", "directeur", "direktor")
_MANAGER = _p("manager", "mgr", "supervisor", "team lead", "team leader", "foreman", "superintendent")
# "Lead Generation Specialist" is a lead-gen role, not a lead engineer.
_NOT_A_LEAD_BEFORE = frozenset(["generation", "gen", "gens", "qualification"])
_SENIOR_WORDS = frozenset(["senior", "sr", "principal", "staff", "lead", "expert", "distinguished", "fellow"])
_STAFF_IS_SENIOR_BEFORE = frozenset(
    [
        "engineer",
        "software",
        "scientist",
        "developer",
        "designer",
        "architect",
        "data",
        "product",
        "machine",
        "ml",
        "research",
        "researcher",
        "security",
        "site",
        "frontend",
        "backend",
    ]
)
_ENTRY = _p(
    "junior",
    "jr",
    "associate",
    "assistant",
    "coordinator",
    "analyst",
    "representative",
    "rep",
    "specialist",
    "engineer",
    "developer",
    "programmer",
    "designer",
    "consultant",
    "accountant",
    "recruiter",
    "administrator",
    "scientist",
    "technician",
    "agent",
    "clerk",
    "sdr",
    "bdr",
    "writer",
    "editor",
    "strategist",
    "marketer",
    "tester",
    "officer",
    "executive",
    "ae",
    "graduate",
)


def derive_seniority(title: str | None) -> str | None:
    """Seniority from a job title, highest marker wins; None when the title names no level."""
    if not title or not title.strip():
        return None
    return _seniority_of(title)


# a list repeats a few hundred distinct titles over many rows: derive each once
@lru_cache(maxsize=16384)
def _seniority_of(title: str) -> str | None:
    t = title_tokens(title)
    if not t:
        return None
    if _any(t, _ASSISTANT):
        return "entry"
    if _any(t, _INTERN):
        return "intern"
    # Apollo's order: owner, founder, c_suite, partner, vp, head, director, manager, senior, entry
    for i, w in enumerate(t):
        if w in ("owner", "proprietor", "coowner") and (i == 0 or t[i - 1] not in _NOT_AN_OWNER):
            return "owner"
    if "founder" in t or "cofounder" in t:
        return "founder"
    if _any(t, _CHIEF_OF_STAFF):
        # a chief of staff runs the executive's office; rank-wise a director
        return "director"
    if _C_SUITE_ACRONYMS.intersection(t) or _is_chief_officer(t):
        return "c_suite"
    if _any(t, _C_SUITE_PHRASES) and not _any(t, _VP):
        return "c_suite"
    for i, w in enumerate(t):
        if (
            w == "partner"
            and (i + 1 == len(t) or t[i + 1] not in _NOT_A_PARTNER_AFTER)
            and (i == 0 or t[i - 1] not in ("channel", "strategic", "technology"))
        ):
            return "partner"
    if _any(t, _VP):
        return "vp"
    if _any(t, _HEAD):
        return "head"
    if _any(t, _DIRECTOR):
        return "director"
    if _any(t, _MANAGER):
        return "manager"
    for i, w in enumerate(t):
        nxt = t[i + 1] if i + 1 < len(t) else ""
        if w == "lead" and nxt in _NOT_A_LEAD_BEFORE:
            continue
        # "Staff Engineer" is senior; "Staff Accountant" is an entry-level accounting title
        if w == "staff" and nxt not in _STAFF_IS_SENIOR_BEFORE:
            continue
        if w in _SENIOR_WORDS:
            return "senior"
    if _any(t, _ENTRY):
        return "entry"
    return None


def _is_chief_officer(t: Sequence[str]) -> bool:
    # "Chief Technology Officer", "Chief Revenue & Growth Officer"
    if "chief" not in t:
        return False
    i = t.index("chief")
    return "officer" in t[i + 1 :] or (i + 1 < len(t) and t[i + 1] == "executive")


# --- department ---------------------------------------------------------------------------------

_ACRONYM_DEPARTMENT: dict[str, str] = {
    "ceo": "executive",
    "cxo": "executive",
    "cto": "engineering",
    "cfo": "finance",
    "coo": "operations",
    "cmo": "marketing",
    "cgo": "marketing",
    "cio": "information_technology",
    "cro": "sales",
    "cpo": "product",
    "ciso": "security",
    "chro": "human_resources",
    "cdo": "data",
    "cdao": "data",
    "clo": "legal",
}

# Ordered: the first department with a matching phrase wins, so more specific functions come
# first ("Product Marketing" is marketing, "Sales Engineer" is sales, "Data Engineer" is data,
# "Information Technology" is IT, "Technical Recruiter" is HR - all before engineering's broad
# "technical"/"engineer"). Executive is last: "Founder" alone is executive.
_DEPARTMENT_PHRASES: tuple[tuple[str, _Phrases], ...] = (
    (
        "revenue_operations",
        _p("revenue operations", "revops", "rev ops", "gtm operations", "go to market operations"),
    ),
    (
        "customer_success",
        _p("customer success", "client success", "customer experience", "chief customer", "csm"),
    ),
    (
        "support",
        _p("customer support", "customer service", "support", "customer care", "helpdesk", "help desk"),
    ),
    (
        "sales",
        _p(
            "sales",
            "business development",
            "bizdev",
            "bdr",
            "sdr",
            "ae",
            "account executive",
            "revenue",
            "commercial",
            "partnerships",
            "account manager",
            "account management",
            "key account",
            "channel",
            "alliances",
            "presales",
            "pre sales",
            "inside sales",
        ),
    ),
    (
        "marketing",
        _p(
            "marketing",
            "growth",
            "brand",
            "demand generation",
            "demand gen",
            "lead generation",
            "content",
            "seo",
            "sem",
            "communications",
            "comms",
            "pr",
            "public relations",
            "social media",
            "digital marketing",
            "marketer",
            "events",
            "copywriter",
        ),
    ),
    (
        "design",
        _p("design", "designer", "ux", "ui", "creative", "art director", "user experience", "ux researcher"),
    ),
    ("product", _p("product", "products")),
    ("research", _p("research", "researcher", "r&d", "r & d")),
    (
        "data",
        _p(
            "data",
            "analytics",
            "machine learning",
            "ml",
            "ai",
            "artificial intelligence",
            "bi",
            "business intelligence",
            "data scientist",
        ),
    ),
    ("security", _p("security", "infosec", "cybersecurity", "cyber security")),
    (
        "information_technology",
        _p(
            "it",
            "information technology",
            "information systems",
            "information officer",
            "systems administrator",
            "sysadmin",
            "network",
            "infrastructure",
        ),
    ),
    (
        "finance",
        _p(
            "finance",
            "financial",
            "accounting",
            "accountant",
            "controller",
            "comptroller",
            "treasury",
            "treasurer",
            "fp&a",
            "fp & a",
            "payroll",
            "tax",
            "audit",
            "auditor",
            "bookkeeper",
        ),
    ),
    (
        "human_resources",
        _p(
            "human resources",
            "hr",
            "people",
            "talent",
            "recruiting",
            "recruiter",
            "recruitment",
            "talent acquisition",
            "hrbp",
            "compensation",
            "benefits",
        ),
    ),
    (
        "legal",
        _p("legal", "counsel", "attorney", "lawyer", "paralegal", "compliance", "privacy", "solicitor"),
    ),
    (
        "engineering",
        _p(
            "engineering",
            "engineer",
            "engineers",
            "developer",
            "development",
            "software",
            "technology",
            "technical",
            "tech",
            "devops",
            "architect",
            "programmer",
            "qa",
            "quality assurance",
            "sre",
            "firmware",
            "frontend",
            "backend",
            "full stack",
            "fullstack",
        ),
    ),
    (
        "operations",
        _p(
            "operations",
            "operating",
            "ops",
            "supply chain",
            "logistics",
            "procurement",
            "purchasing",
            "facilities",
            "office manager",
            "administration",
        ),
    ),
    ("consulting", _p("consultant", "consulting", "advisory", "advisor")),
    ("education", _p("teacher", "professor", "lecturer", "education", "instructor", "tutor")),
    ("medical", _p("physician", "nurse", "doctor", "medical", "clinical", "clinician", "pharmacist")),
    (
        "executive",
        _p(
            "chief executive",
            "founder",
            "cofounder",
            "owner",
            "president",
            "managing director",
            "general manager",
            "executive director",
            "managing partner",
            "proprietor",
        ),
    ),
)


def derive_department(title: str | None) -> str | None:
    """Department from a job title; None when no function is named ("Board Member")."""
    if not title or not title.strip():
        return None
    return _department_of(title)


@lru_cache(maxsize=16384)
def _department_of(title: str) -> str | None:
    t = title_tokens(title)
    if not t:
        return None
    for w in t:
        if w in _ACRONYM_DEPARTMENT:
            # a C-level acronym names its function outright; "CTO & Co-founder" is engineering
            return _ACRONYM_DEPARTMENT[w]
    for dept, phrases in _DEPARTMENT_PHRASES:
        if dept == "executive" and (("owner" in t and not _owner_is_a_business_owner(t)) or _any(t, _VP)):
            # a product owner or a vice president is not the company's executive
            continue
        if _any(t, phrases):
            return dept
    return None


def _owner_is_a_business_owner(t: Sequence[str]) -> bool:
    return any(w == "owner" and (i == 0 or t[i - 1] not in _NOT_AN_OWNER) for i, w in enumerate(t))


# --- normalising given values -------------------------------------------------------------------


def normalise_seniority(value: str | None, title: str | None = None) -> str | None:
    """The contact's seniority: the given value if it names a level, else derived from the title.

    A given value is first read as a vocabulary term or alias ("VP", "C-Level"), then as a
    title ("Senior Manager" in a seniority column is a manager). An unreadable value ("n/a")
    counts as absent, so the title still gets its say.
    """
    return canonical_seniority(value) or derive_seniority(value) or derive_seniority(title)


def normalise_department(value: str | None, title: str | None = None) -> str | None:
    """The contact's department: the given value if it names one, else derived from the title."""
    return canonical_department(value) or derive_department(value) or derive_department(title)
