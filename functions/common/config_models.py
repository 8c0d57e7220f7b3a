"""Validated configuration documents: ICP tier rules, the scoring model, suppression entries.

Every document a workspace stores (or uploads as a file) goes through these models before it is
saved or used, so a typo is rejected when the rule is written, not discovered months later as a
rule that silently never matches. Unknown keys are errors (`extra="forbid"`), and the messages
name the offending rule or criterion the way a person wrote it:

    rule 2 ('Mid-market'): unknown condition 'titel_contains' (did you mean 'title_contains'?)

Use `load_icp_rules()` / `load_scoring_model()` / `load_suppression_entry()` at the edge; they
accept a parsed document or JSON text and raise `ConfigInvalid` with one readable message.

Seniority and department values in conditions are checked against a fixed vocabulary (the one
`functions.score.derive` produces from job titles) for the same reason: `seniority_in: ["VP "]`
or `department_in: ["enginering"]` would otherwise never match anything.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    field_validator,
    model_validator,
)

from functions.common.errors import ConfigInvalid
from functions.common.verification import VERIFICATION_STATUSES, verification_status

# ---------------------------------------------------------------------------------------------
# vocabularies

# Apollo's seniority ladder, most senior first. The order is also the precedence used when a
# title carries several markers ("Founder & CEO" is a founder).
SENIORITY_LEVELS: tuple[str, ...] = (
    "owner",
    "founder",
    "c_suite",
    "partner",
    "vp",
    "head",
    "director",
    "manager",
    "senior",
    "entry",
    "intern",
)

# Spellings seen in CRM exports and provider payloads (LinkedIn uses CXO / Training / Unpaid).
SENIORITY_ALIASES: dict[str, str] = {
    "c_level": "c_suite",
    "c_levels": "c_suite",
    "csuite": "c_suite",
    "cxo": "c_suite",
    "chief": "c_suite",
    "executive": "c_suite",
    "executives": "c_suite",
    "vice_president": "vp",
    "vicepresident": "vp",
    "svp": "vp",
    "evp": "vp",
    "avp": "vp",
    "head_of": "head",
    "dir": "director",
    "directors": "director",
    "mgr": "manager",
    "managers": "manager",
    "management": "manager",
    "sr": "senior",
    "mid_senior": "senior",
    "mid_senior_level": "senior",
    "senior_level": "senior",
    "individual_contributor": "entry",
    "entry_level": "entry",
    "junior": "entry",
    "jr": "entry",
    "associate": "entry",
    "training": "intern",
    "trainee": "intern",
    "unpaid": "intern",
    "internship": "intern",
    "co_founder": "founder",
    "cofounder": "founder",
    "owners": "owner",
    "partners": "partner",
}

DEPARTMENTS: tuple[str, ...] = (
    "executive",
    "engineering",
    "product",
    "design",
    "data",
    "information_technology",
    "security",
    "marketing",
    "sales",
    "revenue_operations",
    "customer_success",
    "support",
    "finance",
    "human_resources",
    "legal",
    "operations",
    "research",
    "consulting",
    "education",
    "medical",
)

DEPARTMENT_ALIASES: dict[str, str] = {
    "c_suite": "executive",
    "management": "executive",
    "leadership": "executive",
    "general_management": "executive",
    "master_executive": "executive",
    "engineering_technical": "engineering",
    "technical": "engineering",
    "tech": "engineering",
    "software": "engineering",
    "r_d": "research",
    "rnd": "research",
    "product_management": "product",
    "ux": "design",
    "analytics": "data",
    "data_science": "data",
    "it": "information_technology",
    "infosec": "security",
    "information_security": "security",
    "growth": "marketing",
    "business_development": "sales",
    "bizdev": "sales",
    "revops": "revenue_operations",
    "rev_ops": "revenue_operations",
    "customer_service": "support",
    "customer_support": "support",
    "accounting": "finance",
    "hr": "human_resources",
    "people": "human_resources",
    "talent": "human_resources",
    "recruiting": "human_resources",
    "legal_compliance": "legal",
    "ops": "operations",
    "medical_health": "medical",
    "healthcare": "medical",
}

_SLUG = re.compile(r"[^0-9a-z]+")


def slug(value: str) -> str:
    """`"Vice President"` → `"vice_president"`, `"C-Suite"` → `"c_suite"`: the form vocabularies use."""
    return _SLUG.sub("_", value.casefold().replace("&", "_")).strip("_")


def canonical_seniority(value: str | None) -> str | None:
    """The vocabulary term a seniority label stands for, or None when it is not one we know."""
    if not value or not value.strip():
        return None
    key = slug(value)
    if key in SENIORITY_LEVELS:
        return key
    return SENIORITY_ALIASES.get(key)


def canonical_department(value: str | None) -> str | None:
    """The vocabulary term a department label stands for, or None when it is not one we know."""
    if not value or not value.strip():
        return None
    key = slug(value)
    if key in DEPARTMENTS:
        return key
    return DEPARTMENT_ALIASES.get(key)


# ---------------------------------------------------------------------------------------------
# conditions (shared by ICP tier rules and fit criteria)

CONDITION_KEYS: tuple[str, ...] = (
    "title_contains",
    "seniority_in",
    "department_in",
    "employee_count_min",
    "employee_count_max",
    "industry_in",
    "tech_stack_any",
    "country_in",
    "state_in",
    "verification_status_in",
)

NonBlank = Annotated[str, Field(min_length=1)]


class Conditions(BaseModel):
    """All present conditions must hold; an absent condition does not constrain.

    List conditions are "any of" and compared case-insensitively. A condition on a field the
    contact (or its company, before enrichment) lacks does not match: an unknown employee count
    is not "at least 200". `title_contains` matches at the start of a word, so "CTO" does not
    match "Director" and "Engineer" still matches "Engineering Manager". Countries compare as
    ISO codes where one is known ("US" matches "United States").
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title_contains: list[NonBlank] | None = None
    seniority_in: list[NonBlank] | None = None
    department_in: list[NonBlank] | None = None
    employee_count_min: Annotated[int, Field(ge=0)] | None = None
    employee_count_max: Annotated[int, Field(ge=0)] | None = None
    industry_in: list[NonBlank] | None = None
    tech_stack_any: list[NonBlank] | None = None
    country_in: list[NonBlank] | None = None
    state_in: list[NonBlank] | None = None
    # the email's verification status (functions/common/verification.py); a contact never
    # verified is `unverified`, so `["valid"]` keeps unchecked addresses out of a tier
    verification_status_in: list[NonBlank] | None = None

    @field_validator(
        "title_contains",
        "seniority_in",
        "department_in",
        "industry_in",
        "tech_stack_any",
        "country_in",
        "state_in",
        "verification_status_in",
        mode="before",
    )
    @classmethod
    def _one_value_is_a_list_of_one(cls, value: Any) -> Any:
        # `"country_in": "US"` is an obvious intent; make it the list it means
        if isinstance(value, str):
            return [value]
        return value

    @field_validator(
        "title_contains", "industry_in", "tech_stack_any", "country_in", "state_in", mode="after"
    )
    @classmethod
    def _strip_and_require_values(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        stripped = [v.strip() for v in value]
        if not stripped or any(not v for v in stripped):
            # an empty "any of" can never hold: the rule would be dead, which is never the intent
            raise ValueError("must list at least one non-blank value")
        return stripped

    @field_validator("seniority_in", mode="after")
    @classmethod
    def _known_seniorities(cls, value: list[str] | None) -> list[str] | None:
        return _in_vocabulary(value, canonical_seniority, SENIORITY_LEVELS, "seniority")

    @field_validator("department_in", mode="after")
    @classmethod
    def _known_departments(cls, value: list[str] | None) -> list[str] | None:
        return _in_vocabulary(value, canonical_department, DEPARTMENTS, "department")

    @field_validator("verification_status_in", mode="after")
    @classmethod
    def _known_statuses(cls, value: list[str] | None) -> list[str] | None:
        return _in_vocabulary(value, verification_status, VERIFICATION_STATUSES, "verification status")

    @model_validator(mode="after")
    def _range_is_not_empty(self) -> Conditions:
        lo, hi = self.employee_count_min, self.employee_count_max
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"employee_count_min ({lo}) is greater than employee_count_max ({hi})")
        return self

    def is_empty(self) -> bool:
        return all(getattr(self, k) is None for k in CONDITION_KEYS)


def _in_vocabulary(
    value: list[str] | None, canon: Any, vocabulary: tuple[str, ...], what: str
) -> list[str] | None:
    if value is None:
        return None
    if not value:
        raise ValueError("must list at least one value")
    out: list[str] = []
    for v in value:
        term = canon(v)
        if term is None:
            raise ValueError(f"unknown {what} {v!r}; use one of: {', '.join(vocabulary)}")
        if term not in out:
            out.append(term)
    return out


# ---------------------------------------------------------------------------------------------
# ICP tier rules

Tier = Literal["A", "B", "C", "D"]


class IcpRule(BaseModel):
    """One ordered tier rule; a rule with no conditions matches every contact (a catch-all)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    tier: Tier
    conditions: Conditions = Field(default_factory=Conditions)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("tier", mode="before")
    @classmethod
    def _tier_upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class IcpRuleSet(RootModel[list[IcpRule]]):
    """A workspace's ordered ICP tier rules (the file is a JSON list); first match wins."""

    root: list[IcpRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_are_unique(self) -> IcpRuleSet:
        # the rule name is what a report shows; two rules with one name make it ambiguous
        seen: dict[str, int] = {}
        for i, rule in enumerate(self.root, start=1):
            key = rule.name.casefold()
            if key in seen:
                raise ValueError(f"rule {i} ({rule.name!r}): duplicate rule name, also rule {seen[key]}")
            seen[key] = i
        return self

    def __iter__(self) -> Iterator[IcpRule]:  # type: ignore[override]
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)

    def __getitem__(self, i: int) -> IcpRule:
        return self.root[i]


# ---------------------------------------------------------------------------------------------
# scoring model

Score100 = Annotated[float, Field(ge=0, le=100)]


class Weights(BaseModel):
    """Relative weights; normalised by their sum, so 40/30/30 and 4/3/3 are the same model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fit: Annotated[float, Field(ge=0)] = 40
    engagement: Annotated[float, Field(ge=0)] = 30
    intent: Annotated[float, Field(ge=0)] = 30

    @model_validator(mode="after")
    def _not_all_zero(self) -> Weights:
        if self.fit + self.engagement + self.intent <= 0:
            raise ValueError("at least one of fit, engagement, intent must be greater than 0")
        return self


class FitCriterion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    # whole points keep fit arithmetic exact (and monotone) and are what people write anyway
    points: Annotated[int, Field(ge=1, le=1000)]
    conditions: Conditions = Field(default_factory=Conditions)


class GradeThresholds(BaseModel):
    """Lowest score for each grade; below D is F. Must be strictly descending."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    A: Score100 = 80
    B: Score100 = 60
    C: Score100 = 40
    D: Score100 = 20

    @model_validator(mode="after")
    def _descending(self) -> GradeThresholds:
        if not (self.A > self.B > self.C > self.D):
            raise ValueError(
                f"thresholds must be strictly descending A > B > C > D, got "
                f"A={self.A:g} B={self.B:g} C={self.C:g} D={self.D:g}"
            )
        return self


class EngagementSettings(BaseModel):
    """How GlobalContact history becomes an engagement component (see `score.scoring`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # a person never emailed on the platform: no evidence either way
    neutral: Score100 = 50
    # unanswered sends pull engagement from neutral down to 0 after this many
    unanswered_sends_to_zero: Annotated[int, Field(ge=1, le=1000)] = 8
    # a response rate at or above this earns the full 100
    full_response_rate: Annotated[float, Field(gt=0, le=1)] = 0.25


_EVENT_TYPES = (
    "sent",
    "delivered",
    "opened",
    "clicked",
    "replied",
    "bounced",
    "unsubscribed",
    "spam_complaint",
    "meeting_booked",
    "task_completed",
)


class EventScoring(BaseModel):
    """How engagement events feed the score (see `score.signals`): points per event type for the
    engagement and the intent component, halved every `half_life_days` of the event's age."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # reply >> click >> open; a booked meeting is mostly intent
    engagement_points: dict[str, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: {"opened": 2.0, "clicked": 8.0, "replied": 30.0, "meeting_booked": 20.0}
    )
    intent_points: dict[str, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: {
            "meeting_booked": 60.0,
            "replied": 15.0,
            "clicked": 5.0,
            "task_completed": 5.0,
        }
    )
    half_life_days: Annotated[float, Field(gt=0, le=3650)] = 30

    @field_validator("engagement_points", "intent_points")
    @classmethod
    def _known_types(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(_EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(_EVENT_TYPES)}")
        return value

    def __hash__(self) -> int:  # frozen with dict fields: hash what they hold
        return hash(
            (
                tuple(sorted(self.engagement_points.items())),
                tuple(sorted(self.intent_points.items())),
                self.half_life_days,
            )
        )


class ScoringModelDoc(BaseModel):
    """A workspace's lead-score model. `{}` is valid: the documented defaults, no fit criteria."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    weights: Weights = Field(default_factory=Weights)
    fit_criteria: list[FitCriterion] = Field(default_factory=list)
    grade_thresholds: GradeThresholds = Field(default_factory=GradeThresholds)
    engagement: EngagementSettings = Field(default_factory=EngagementSettings)
    # intent is a one-sided signal (visits, job posts); none exists at import, so it counts 0
    intent_at_import: Score100 = 0
    events: EventScoring = Field(default_factory=EventScoring)

    @model_validator(mode="after")
    def _criterion_names_unique(self) -> ScoringModelDoc:
        seen: dict[str, int] = {}
        for i, c in enumerate(self.fit_criteria, start=1):
            key = c.name.casefold()
            if key in seen:
                raise ValueError(
                    f"fit criterion {i} ({c.name!r}): duplicate criterion name, also criterion {seen[key]}"
                )
            seen[key] = i
        return self

    @property
    def total_fit_points(self) -> int:
        return sum(c.points for c in self.fit_criteria)


# ---------------------------------------------------------------------------------------------
# suppression entries


class SuppressionReason(StrEnum):
    OPT_OUT = "opt_out"
    HARD_BOUNCE = "hard_bounce"
    SPAM_COMPLAINT = "spam_complaint"
    UNSUBSCRIBE = "unsubscribe"
    MANUAL = "manual"
    COMPLIANCE = "compliance"


class SuppressionKind(StrEnum):
    EMAIL = "email"
    DOMAIN = "domain"


def canonical_domain(value: str) -> str:
    """Lower-case, no `@`/`www.`/trailing dot, IDNA (punycode) for non-ASCII labels."""
    v = value.strip().lower().lstrip("@").rstrip(".")
    if v.startswith("www."):
        v = v[4:]
    if not v.isascii():
        v = v.encode("idna").decode("ascii")
    return v


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


class SuppressionEntry(BaseModel):
    """One suppression: a workspace email, a workspace domain (and its subdomains), or a global email."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: SuppressionKind
    value: str
    reason: SuppressionReason
    is_global: bool = False
    note: Annotated[str, Field(max_length=500)] | None = None
    created_at: datetime | None = None

    @field_validator("reason", mode="before")
    @classmethod
    def _reason_spelling(cls, value: Any) -> Any:
        # "Opt out", "opt-out" and "OPT_OUT" are all the one reason
        return slug(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _value_fits_kind(self) -> SuppressionEntry:
        if self.kind is SuppressionKind.EMAIL:
            v = self.value.strip()
            local, at, domain = v.rpartition("@")
            if not at or not local or not domain:
                raise ValueError(f"value {self.value!r} is not an email address")
            try:
                canon = f"{local.lower()}@{canonical_domain(domain)}"
            except UnicodeError as exc:
                raise ValueError(f"value {self.value!r} has an invalid domain") from exc
        else:
            if self.is_global:
                # platform-wide blocking is for people who opted out, never for whole companies
                raise ValueError("global suppressions are emails only")
            if "@" in self.value.strip().lstrip("@"):
                raise ValueError(f"value {self.value!r} is an email; use kind 'email'")
            try:
                canon = canonical_domain(self.value)
            except UnicodeError as exc:
                raise ValueError(f"value {self.value!r} is not a domain") from exc
            if not _DOMAIN.match(canon):
                raise ValueError(f"value {self.value!r} is not a domain")
        object.__setattr__(self, "value", canon)
        return self


# ---------------------------------------------------------------------------------------------
# loading with readable errors


def load_icp_rules(data: Any) -> IcpRuleSet:
    """Validate an ICP rule document (a JSON list, or `{"rules": [...]}`); raise `ConfigInvalid`."""
    doc = _parse_json(data, "ICP rules")
    if isinstance(doc, Mapping) and set(doc) == {"rules"}:
        doc = doc["rules"]
    if not isinstance(doc, list):
        raise ConfigInvalid("ICP rules: expected a JSON list of rules")
    try:
        return IcpRuleSet.model_validate(doc)
    except ValidationError as exc:
        raise ConfigInvalid("ICP rules: " + format_errors(exc, doc, item_label="rule")) from None


def load_scoring_model(data: Any) -> ScoringModelDoc:
    """Validate a scoring model document; raise `ConfigInvalid` naming the offending field."""
    doc = _parse_json(data, "scoring model")
    if not isinstance(doc, Mapping):
        raise ConfigInvalid("scoring model: expected a JSON object")
    try:
        return ScoringModelDoc.model_validate(doc)
    except ValidationError as exc:
        criteria = doc.get("fit_criteria")
        raise ConfigInvalid(
            "scoring model: "
            + format_errors(exc, criteria if isinstance(criteria, list) else [], item_label="fit criterion")
        ) from None


def load_suppression_entry(data: Any) -> SuppressionEntry:
    doc = _parse_json(data, "suppression entry")
    try:
        return SuppressionEntry.model_validate(doc)
    except ValidationError as exc:
        raise ConfigInvalid("suppression entry: " + format_errors(exc, [], item_label="entry")) from None


def _parse_json(data: Any, what: str) -> Any:
    if isinstance(data, bytes | bytearray):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigInvalid(f"{what}: file is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if isinstance(data, str):
        try:
            return json.loads(data)
        except json.JSONDecodeError as exc:
            raise ConfigInvalid(
                f"{what}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            ) from None
    return data


_ITEM_LISTS = {"rule": None, "fit criterion": "fit_criteria"}


def format_errors(exc: ValidationError, items: list[Any], *, item_label: str) -> str:
    """Turn pydantic's errors into "rule 2 ('Mid-market'): unknown condition 'titel_contains'" lines."""
    messages: list[str] = []
    list_key = _ITEM_LISTS.get(item_label)
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        prefix = ""
        # pydantic wraps root-model and list items in their index; find "which rule" first
        if list_key is None and loc and isinstance(loc[0], int):
            prefix = _item_prefix(item_label, loc[0], items)
            loc = loc[1:]
        elif list_key is not None and len(loc) >= 2 and loc[0] == list_key and isinstance(loc[1], int):
            prefix = _item_prefix(item_label, loc[1], items)
            loc = loc[2:]
        messages.append(prefix + _describe(loc, err))
    # one problem per line in a file is easier to act on; keep them in document order, no repeats
    return "; ".join(dict.fromkeys(messages))


def _item_prefix(label: str, index: int, items: list[Any]) -> str:
    name = None
    if 0 <= index < len(items) and isinstance(items[index], Mapping):
        raw = items[index].get("name")
        if isinstance(raw, str) and raw.strip():
            name = raw.strip()
    return f"{label} {index + 1} ({name!r}): " if name else f"{label} {index + 1}: "


_ALL_FIELDS: dict[str, tuple[str, ...]] = {
    "conditions": CONDITION_KEYS,
    "weights": tuple(Weights.model_fields),
    "grade_thresholds": tuple(GradeThresholds.model_fields),
    "engagement": tuple(EngagementSettings.model_fields),
    "events": tuple(EventScoring.model_fields),
}


def _describe(loc: list[Any], err: Mapping[str, Any]) -> str:
    kind = err["type"]
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    where = ".".join(str(p) for p in loc)
    if kind == "extra_forbidden" and loc:
        unknown = str(loc[-1])
        parent = str(loc[-2]) if len(loc) >= 2 else ""
        noun = "condition" if parent == "conditions" else "field"
        known = _ALL_FIELDS.get(parent) or _known_at(loc)
        hint = difflib.get_close_matches(unknown, known, n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
        where_parent = ".".join(str(p) for p in loc[:-1] if p != "conditions")
        scope = f"{where_parent}: " if where_parent else ""
        return f"{scope}unknown {noun} {unknown!r}{suffix}"
    if loc and len(loc) >= 2 and loc[-2] == "conditions":
        return f"condition {loc[-1]!r}: {msg}"
    if len(loc) >= 3 and loc[-3] == "conditions" and isinstance(loc[-1], int):
        return f"condition {loc[-2]!r} value {loc[-1] + 1}: {msg}"
    if kind == "missing":
        return f"missing field {where!r}" if where else msg
    return f"{where}: {msg}" if where else msg


def _known_at(loc: list[Any]) -> tuple[str, ...]:
    # the top level of a rule or a criterion, or of the scoring model itself
    if len(loc) == 1:
        return (
            *IcpRule.model_fields,
            *FitCriterion.model_fields,
            *ScoringModelDoc.model_fields,
            *SuppressionEntry.model_fields,
        )
    return ()
