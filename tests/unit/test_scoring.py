"""Lead score and grade: fit, engagement, intent, weights, thresholds."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.common.config_models import ScoringModelDoc
from functions.dedup.classify import GlobalContactView
from functions.score.icp import Profile, TierMatch, build_profile
from functions.score.scoring import History, engagement_component, grade_for, rule_text, score


def model(**doc: Any) -> ScoringModelDoc:
    return ScoringModelDoc.model_validate(doc)


CRITERIA = [
    {"name": "Decision maker", "points": 30, "conditions": {"seniority_in": ["vp", "c_suite", "head"]}},
    {"name": "Revenue team", "points": 20, "conditions": {"department_in": ["sales", "marketing"]}},
    {
        "name": "Mid-market",
        "points": 30,
        "conditions": {"employee_count_min": 200, "employee_count_max": 5000},
    },
    {"name": "US", "points": 20, "conditions": {"country_in": ["US"]}},
]
PERFECT = build_profile({"title": "VP of Sales", "country": "US"}, {"employee_count": 500})
NOBODY = build_profile({"title": "Board Member"})


# --- fit -----------------------------------------------------------------------------------------


def test_fit_is_matched_points_over_total_points_scaled_to_100() -> None:
    p = build_profile({"title": "VP of Sales", "country": "DE"})  # 30 + 20 of 100
    result = score(model(fit_criteria=CRITERIA), p)
    assert result.fit == 50
    assert result.breakdown["fit_points"] == {"matched": 50, "total": 100}
    assert [m["name"] for m in result.breakdown["fit_matched"]] == ["Decision maker", "Revenue team"]


def test_fit_criterion_on_missing_company_data_does_not_match_before_enrichment() -> None:
    before = score(model(fit_criteria=CRITERIA), build_profile({"title": "VP of Sales", "country": "US"}))
    after = score(model(fit_criteria=CRITERIA), PERFECT)
    assert before.fit == 70 and after.fit == 100


def test_model_without_fit_criteria_has_fit_zero() -> None:
    assert score(model(), PERFECT).fit == 0


# --- engagement ----------------------------------------------------------------------------------


def test_never_contacted_is_neutral() -> None:
    assert score(model(), NOBODY, None).engagement == 50
    assert score(model(), NOBODY, GlobalContactView("a@x.com")).engagement == 50
    assert score(model(), NOBODY, None).breakdown["engagement_basis"] == "never contacted"


def test_neutral_engagement_is_configurable() -> None:
    assert score(model(engagement={"neutral": 30}), NOBODY).engagement == 30


def test_hard_bounce_lowers_engagement_to_zero_whatever_the_replies() -> None:
    h = History(total_sent=3, total_responses=3, bounce_status="hard")
    assert score(model(), NOBODY, h).engagement == 0
    assert score(model(), NOBODY, History(bounce_status="HARD_BOUNCE")).engagement == 0


def test_soft_bounce_is_not_penalised() -> None:
    assert score(model(), NOBODY, History(bounce_status="soft")).engagement == 50


@pytest.mark.parametrize(("sent", "expected"), [(1, 43.8), (4, 25), (8, 0), (20, 0)])
def test_unanswered_sends_decay_engagement_from_neutral_to_zero(sent: int, expected: float) -> None:
    assert score(model(), NOBODY, History(total_sent=sent)).engagement == expected


def test_responses_lift_engagement_above_neutral_up_to_100() -> None:
    assert score(model(), NOBODY, History(total_sent=10, total_responses=1)).engagement == 70  # 10% of 25%
    assert score(model(), NOBODY, History(total_sent=4, total_responses=1)).engagement == 100  # 25%
    assert score(model(), NOBODY, History(total_sent=2, total_responses=2)).engagement == 100


def test_any_response_ranks_above_never_contacted_which_ranks_above_ignored() -> None:
    replied = score(model(), NOBODY, History(total_sent=50, total_responses=1)).engagement
    untried = score(model(), NOBODY, None).engagement
    ignored = score(model(), NOBODY, History(total_sent=3)).engagement
    assert replied > untried > ignored


def test_reply_without_a_recorded_send_counts_as_full_response() -> None:
    assert score(model(), NOBODY, History(total_sent=0, total_responses=1)).engagement == 100


def test_engagement_reads_global_contact_counters_not_the_stored_rate() -> None:
    gc = GlobalContactView("a@x.com", total_sent=10, total_responses=1, response_rate=0.9)
    assert engagement_component(gc)[0] == 70


# --- intent --------------------------------------------------------------------------------------


def test_intent_is_zero_at_import_by_default() -> None:
    result = score(model(), NOBODY)
    assert result.intent == 0
    assert result.breakdown["intent_basis"] == "unknown at import"


def test_intent_can_be_given_and_is_clamped() -> None:
    assert score(model(), NOBODY, intent=80).intent == 80
    assert score(model(), NOBODY, intent=150).intent == 100
    assert score(model(), NOBODY, intent=float("nan")).intent == 0


# --- combination ---------------------------------------------------------------------------------


def test_default_weights_give_a_never_contacted_perfect_fit_55_grade_c() -> None:
    # 100×0.4 + 50×0.3 + 0×0.3: "the score starts low and climbs as engagement accrues"
    result = score(model(fit_criteria=CRITERIA), PERFECT)
    assert (result.score, result.grade) == (55, "C")


def test_default_model_scores_an_unknown_never_contacted_contact_15_f() -> None:
    assert (score(model(), NOBODY).score, score(model(), NOBODY).grade) == (15, "F")


def test_weights_are_normalised_by_their_sum() -> None:
    a = score(model(fit_criteria=CRITERIA, weights={"fit": 40, "engagement": 30, "intent": 30}), PERFECT)
    b = score(model(fit_criteria=CRITERIA, weights={"fit": 4, "engagement": 3, "intent": 3}), PERFECT)
    assert a.score == b.score
    assert a.breakdown["weights_pct"] == {"fit": 40, "engagement": 30, "intent": 30}


def test_fit_only_model_scores_the_fit() -> None:
    m = model(fit_criteria=CRITERIA, weights={"fit": 1, "engagement": 0, "intent": 0})
    assert score(m, PERFECT).score == 100
    assert score(m, NOBODY).score == 0


def test_score_rounds_half_up() -> None:
    # (0 + 25) / 2 = 12.5 → 13 (round() would give 12)
    m = model(weights={"fit": 1, "engagement": 1, "intent": 0})
    assert score(m, NOBODY, History(total_sent=4)).score == 13


def test_score_is_an_integer() -> None:
    assert isinstance(score(model(fit_criteria=CRITERIA), PERFECT).score, int)


# --- grades --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "grade"),
    [(100, "A"), (80, "A"), (79, "B"), (60, "B"), (40, "C"), (20, "D"), (19, "F"), (0, "F")],
)
def test_grade_is_the_highest_threshold_reached_and_below_d_is_f(value: int, grade: str) -> None:
    assert grade_for(model(), value) == grade


def test_grade_thresholds_are_configurable() -> None:
    m = model(grade_thresholds={"A": 50, "B": 40, "C": 30, "D": 10})
    assert grade_for(m, 55) == "A"
    assert grade_for(m, 9) == "F"


# --- report text ---------------------------------------------------------------------------------


def test_rule_text_names_the_tier_rule_and_the_breakdown() -> None:
    result = score(model(fit_criteria=CRITERIA), PERFECT)
    text = rule_text(TierMatch("A", "Enterprise revenue leaders"), result)
    assert text.startswith("ICP A: Enterprise revenue leaders | score 55 (C)")
    assert "fit 100×40%" in text and "engagement 50×30%" in text and "intent 0×30%" in text
    assert "Decision maker +30" in text


def test_rule_text_says_when_no_rule_matched() -> None:
    assert rule_text(TierMatch("D", None)) == "ICP D: no rule matched"


# --- properties ----------------------------------------------------------------------------------

SENIORITIES = ["vp", "director", "manager", "c_suite", "entry"]
conditions = st.fixed_dictionaries(
    {},
    optional={
        "seniority_in": st.lists(st.sampled_from(SENIORITIES), min_size=1, max_size=3),
        "department_in": st.lists(
            st.sampled_from(["sales", "marketing", "engineering"]), min_size=1, max_size=2
        ),
        "employee_count_min": st.integers(0, 2000),
        "country_in": st.lists(st.sampled_from(["US", "GB"]), min_size=1, max_size=2),
    },
)
criteria_lists = st.lists(st.tuples(st.integers(1, 100), conditions), max_size=6).map(
    lambda xs: [{"name": f"c{i}", "points": p, "conditions": c} for i, (p, c) in enumerate(xs)]
)
weights = st.fixed_dictionaries(
    {
        "fit": st.floats(0, 1000, allow_nan=False),
        "engagement": st.floats(0, 1000, allow_nan=False),
        "intent": st.floats(0, 1000, allow_nan=False),
    }
).filter(lambda w: sum(w.values()) > 0)
histories = st.one_of(
    st.none(),
    st.builds(
        History,
        total_sent=st.integers(0, 500),
        total_responses=st.integers(0, 500),
        bounce_status=st.sampled_from([None, "soft", "hard", "none"]),
    ),
)
profiles = st.builds(
    Profile,
    seniority=st.sampled_from([None, *SENIORITIES]),
    department=st.sampled_from([None, "sales", "marketing", "engineering"]),
    country=st.sampled_from([None, "US", "GB"]),
    employee_count=st.one_of(st.none(), st.integers(0, 3000)),
)
intents = st.one_of(st.none(), st.floats(-50, 150, allow_nan=False))


@given(criteria_lists, weights, profiles, histories, intents)
def test_property_score_is_an_integer_between_0_and_100(
    criteria: list[dict[str, Any]], w: dict[str, float], p: Profile, h: History | None, i: float | None
) -> None:
    result = score(model(fit_criteria=criteria, weights=w), p, h, intent=i)
    assert isinstance(result.score, int)
    assert 0 <= result.score <= 100
    for component in (result.fit, result.engagement, result.intent):
        assert 0 <= component <= 100
    assert result.grade in {"A", "B", "C", "D", "F"}


@given(criteria_lists, weights, profiles, histories, st.integers(1, 100))
def test_property_adding_a_matched_fit_criterion_never_lowers_the_score(
    criteria: list[dict[str, Any]], w: dict[str, float], p: Profile, h: History | None, points: int
) -> None:
    before = score(model(fit_criteria=criteria, weights=w), p, h)
    matched_by_all = {"name": "always", "points": points, "conditions": {}}
    after = score(model(fit_criteria=[*criteria, matched_by_all], weights=w), p, h)
    assert after.score >= before.score
    assert after.fit >= before.fit


@given(weights, st.floats(0, 1000, allow_nan=False), histories, intents)
def test_property_raising_the_fit_weight_never_lowers_a_perfect_fit_score(
    w: dict[str, float], extra: float, h: History | None, i: float | None
) -> None:
    perfect = [{"name": "everyone", "points": 10, "conditions": {}}]
    before = score(model(fit_criteria=perfect, weights=w), Profile(), h, intent=i)
    after = score(model(fit_criteria=perfect, weights={**w, "fit": w["fit"] + extra}), Profile(), h, intent=i)
    assert after.score >= before.score


@given(st.integers(0, 100), st.integers(0, 100))
def test_property_a_higher_score_never_gets_a_worse_grade(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    order = "FDCBA"
    assert order.index(grade_for(model(), hi)) >= order.index(grade_for(model(), lo))


@given(st.integers(0, 100), st.integers(0, 100))
def test_property_more_responses_never_lower_engagement(sent: int, responses: int) -> None:
    lo = engagement_component(History(total_sent=sent + responses + 1, total_responses=responses))[0]
    hi = engagement_component(History(total_sent=sent + responses + 1, total_responses=responses + 1))[0]
    assert hi >= lo
