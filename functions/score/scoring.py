"""Lead score (0-100) and grade (A-F) from a ScoringModel: fit, engagement, intent, weighted.

Decisions, and why:

* **Fit** = points of the matched fit criteria / all points, scaled 0-100. Criteria use the ICP
  condition vocabulary; a criterion on a field the contact lacks (company size before
  enrichment) does not match. A model with no criteria has fit 0: nothing has been declared
  a fit, and inventing a middle value would grade every contact the same made-up way.
* **Engagement** comes from the platform-wide GlobalContact history:
  - never contacted (no GlobalContact, or `total_sent == 0`): *neutral* (default 50). It is
    a known fact that nobody has tried yet, and engagement is a two-sided signal - a person
    can be better (replied) or worse (ignored, bounced) than untried - so no history sits in
    the middle, not at the bottom.
  - hard bounce: 0, whatever else is recorded; the address is dead.
  - contacted, never responded: falls linearly from neutral to 0 over
    `unanswered_sends_to_zero` sends (default 8: a prospect who ignored eight touches is a
    dead list) - burning another attempt on them should rank below an untried prospect.
  - responded: above neutral, rising with the response rate (responses / sends, computed
    from the counters, not the stored rate, which is a derived copy) to 100 at
    `full_response_rate` (default 25 %).
  A soft bounce is not penalised: it is transient by definition.
* **Intent** is unknown at import and counts `intent_at_import` (default 0). Intent is a
  one-sided signal (site visits, hiring, research): its absence is not negative evidence, but
  its presence is the only thing that should raise it. So scores start low and climb as
  signals accrue, as the product pages describe.
* **Score** = weighted mean of the three with weights normalised by their sum, rounded half
  up. Arithmetic is exact (fractions), so the documented monotonicity holds to the last
  point: a matched criterion more never lowers a score, a larger fit weight never lowers a
  perfect-fit contact's score.
* **Events** (`signals`, once engagement events exist for the contact, see `score.signals`):
  engagement = the history component above plus the decayed event points, capped at 100, and 0
  after an opt-out (unsubscribe, spam complaint) as after a hard bounce; intent =
  `intent_at_import` plus the decayed intent points, capped at 100. The breakdown lists the
  event types behind each component with their counts, points and newest event ids.
* **Grade**: the highest grade whose threshold the score reaches; below D is F.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from math import floor
from typing import Any, Protocol

from functions.common.config_models import EngagementSettings, ScoringModelDoc, Weights
from functions.score.icp import Profile, TierMatch, conditions_match
from functions.score.signals import EventSignals

HARD_BOUNCE_STATUSES = frozenset({"hard", "hard_bounce", "hard_bounced", "bounced_hard", "invalid"})


class EngagementHistory(Protocol):
    """What scoring reads of a GlobalContact (any object with these attributes will do)."""

    @property
    def total_sent(self) -> int: ...
    @property
    def total_responses(self) -> int: ...
    @property
    def bounce_status(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class History:
    """A plain `EngagementHistory` for callers that do not hold a GlobalContact view."""

    total_sent: int = 0
    total_responses: int = 0
    bounce_status: str | None = None
    response_rate: float | None = None


@dataclass(frozen=True, slots=True)
class ScoreResult:
    score: int
    grade: str
    fit: float
    engagement: float
    intent: float
    breakdown: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for a report: "score 58 (C): fit 100×40% + engagement 50×30% + intent 0×30%"."""
        w = self.breakdown.get("weights_pct", {})
        parts = [
            f"fit {self.fit:g}×{w.get('fit', 0):g}%",
            f"engagement {self.engagement:g}×{w.get('engagement', 0):g}%",
            f"intent {self.intent:g}×{w.get('intent', 0):g}%",
        ]
        text = f"score {self.score} ({self.grade}): " + " + ".join(parts)
        matched = self.breakdown.get("fit_matched") or []
        if matched:
            text += "; fit matched: " + ", ".join(f"{m['name']} +{m['points']}" for m in matched)
        return text


def score(
    model: ScoringModelDoc,
    profile: Profile,
    engagement: EngagementHistory | None = None,
    *,
    intent: float | None = None,
    signals: EventSignals | None = None,
) -> ScoreResult:
    """Score a contact; `engagement` is its GlobalContact history (None: never seen on the platform).

    `intent` overrides the model's `intent_at_import` when a caller knows better (0-100);
    `signals` are the points of the contact's engagement events (see module docstring).
    """
    fit_value, matched = _fit(model, profile)
    eng_value, eng_basis = engagement_component(engagement, model.engagement)
    intent_value = Fraction(model.intent_at_import if intent is None else _clamp100(intent))
    if signals is not None:
        if signals.opted_out:
            eng_value, eng_basis = Fraction(0), "opted out (unsubscribe or spam complaint)"
        elif eng_basis != "hard bounce" and signals.engagement_points > 0:
            eng_value = min(Fraction(100), eng_value + _points(signals.engagement_points))
            eng_basis += f" + events {signals.engagement_points:g}"
        intent_value = min(Fraction(100), intent_value + _points(signals.intent_points))

    wf, we, wi, total, pct = _weights(model.weights)
    raw = (wf * fit_value + we * eng_value + wi * intent_value) / total
    value = _half_up(raw)
    grade = grade_for(model, value)

    breakdown: dict[str, Any] = {
        "fit": _show(fit_value),
        "engagement": _show(eng_value),
        "intent": _show(intent_value),
        "weights_pct": dict(pct),
        "fit_points": {"matched": sum(m["points"] for m in matched), "total": model.total_fit_points},
        "fit_matched": matched,
        "engagement_basis": eng_basis,
        "intent_basis": "given" if intent is not None else "unknown at import",
    }
    if signals is not None:
        breakdown["intent_basis"] = (
            f"events {signals.intent_points:g}" if signals.intent_points else "no events"
        )
        breakdown["engagement_events"] = signals.engagement_events
        breakdown["intent_events"] = signals.intent_events
    return ScoreResult(
        score=value,
        grade=grade,
        fit=_show(fit_value),
        engagement=_show(eng_value),
        intent=_show(intent_value),
        breakdown=breakdown,
    )


def grade_for(model: ScoringModelDoc, value: float) -> str:
    t = model.grade_thresholds
    for letter, threshold in (("A", t.A), ("B", t.B), ("C", t.C), ("D", t.D)):
        if value >= threshold:
            return letter
    return "F"


def engagement_component(
    history: EngagementHistory | None, settings: EngagementSettings | None = None
) -> tuple[Fraction, str]:
    """Engagement 0-100 from platform history, and a short word on why (see module docstring)."""
    s = settings or EngagementSettings()
    neutral = Fraction(s.neutral)
    if history is None:
        return neutral, "never contacted"
    bounce = (getattr(history, "bounce_status", None) or "").strip().casefold()
    if bounce in HARD_BOUNCE_STATUSES:
        return Fraction(0), "hard bounce"
    sent = max(0, int(getattr(history, "total_sent", 0) or 0))
    responses = max(0, int(getattr(history, "total_responses", 0) or 0))
    if responses > 0:
        # a reply without a recorded send (an inbound reply) counts as a full response rate
        rate = Fraction(1) if sent == 0 else min(Fraction(1), Fraction(responses, sent))
        lift = min(Fraction(1), rate / Fraction(s.full_response_rate))
        return neutral + (100 - neutral) * lift, f"responded {responses}/{sent or responses}"
    if sent == 0:
        return neutral, "never contacted"
    decay = max(Fraction(0), 1 - Fraction(sent, s.unanswered_sends_to_zero))
    return neutral * decay, f"no response to {sent} sends"


def rule_text(tier: TierMatch, result: ScoreResult | None = None) -> str:
    """The report's Rule column: the matched ICP rule (or that none matched) and the score breakdown."""
    head = f"ICP {tier.tier}: {tier.rule}" if tier.rule else f"ICP {tier.tier}: no rule matched"
    return f"{head} | {result.summary()}" if result is not None else head


def _fit(model: ScoringModelDoc, profile: Profile) -> tuple[Fraction, list[dict[str, Any]]]:
    total = model.total_fit_points
    if total == 0:
        return Fraction(0), []
    hits = [c for c in model.fit_criteria if conditions_match(c.conditions, profile)]
    matched: list[dict[str, Any]] = [{"name": c.name, "points": c.points} for c in hits]
    return Fraction(sum(c.points for c in hits) * 100, total), matched


@lru_cache(maxsize=256)
def _weights(w: Weights) -> tuple[Fraction, Fraction, Fraction, Fraction, tuple[tuple[str, float], ...]]:
    # one model scores a whole chunk: convert its weights to exact fractions once
    wf, we, wi = Fraction(w.fit), Fraction(w.engagement), Fraction(w.intent)
    total = wf + we + wi  # > 0: the model validates it
    pct = (
        ("fit", _show(wf / total * 100)),
        ("engagement", _show(we / total * 100)),
        ("intent", _show(wi / total * 100)),
    )
    return wf, we, wi, total, pct


def _half_up(x: Fraction) -> int:
    # round() is banker's rounding; a score of 62.5 should read 63 every time
    return max(0, min(100, floor(x + Fraction(1, 2))))


def _points(x: float) -> Fraction:
    # the points are rounded already: exact from here on, like the rest of the arithmetic
    return Fraction(str(x))


def _clamp100(x: float) -> float:
    x = float(x)
    if x != x:  # NaN: no usable signal
        return 0.0
    return max(0.0, min(100.0, x))


def _show(x: Fraction) -> float:
    return round(float(x), 1)
