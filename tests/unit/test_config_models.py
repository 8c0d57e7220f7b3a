"""Configuration documents: what is accepted, and how a bad file is explained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.common.config_models import (
    DEPARTMENTS,
    SENIORITY_LEVELS,
    Conditions,
    IcpRuleSet,
    ScoringModelDoc,
    SuppressionEntry,
    SuppressionKind,
    SuppressionReason,
    canonical_department,
    canonical_seniority,
    load_icp_rules,
    load_scoring_model,
    load_suppression_entry,
)
from functions.common.errors import ConfigInvalid

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def icp_error(doc: object) -> str:
    with pytest.raises(ConfigInvalid) as exc:
        load_icp_rules(doc)
    return str(exc.value)


def scoring_error(doc: object) -> str:
    with pytest.raises(ConfigInvalid) as exc:
        load_scoring_model(doc)
    return str(exc.value)


# --- example files -------------------------------------------------------------------------------


def test_example_icp_rules_file_is_valid_and_ends_with_a_catch_all() -> None:
    rules = load_icp_rules((EXAMPLES / "icp_rules.json").read_bytes())
    assert len(rules) >= 4
    assert rules[len(rules) - 1].conditions.is_empty()


def test_example_scoring_file_is_valid() -> None:
    model = load_scoring_model((EXAMPLES / "scoring.json").read_text())
    assert model.fit_criteria
    assert (model.weights.fit, model.weights.engagement, model.weights.intent) == (40, 30, 30)


# --- ICP rules: accepted shapes ------------------------------------------------------------------


def test_rule_file_may_be_a_list_or_an_object_with_rules() -> None:
    as_list = load_icp_rules([{"name": "All", "tier": "C"}])
    as_object = load_icp_rules({"rules": [{"name": "All", "tier": "C"}]})
    assert as_list == as_object


def test_json_text_and_utf8_bom_bytes_are_accepted() -> None:
    text = json.dumps([{"name": "All", "tier": "B"}])
    assert load_icp_rules(text)[0].tier == "B"
    assert load_icp_rules(b"\xef\xbb\xbf" + text.encode())[0].tier == "B"


def test_lowercase_tier_is_accepted_as_uppercase() -> None:
    assert load_icp_rules([{"name": "x", "tier": "a"}])[0].tier == "A"


def test_rule_without_conditions_is_a_catch_all() -> None:
    rule = load_icp_rules([{"name": "Everyone", "tier": "D"}])[0]
    assert rule.conditions.is_empty()


def test_single_string_condition_value_becomes_a_list() -> None:
    c = Conditions.model_validate({"country_in": "US", "title_contains": "VP"})
    assert c.country_in == ["US"]
    assert c.title_contains == ["VP"]


def test_seniority_values_are_canonicalised_to_the_vocabulary() -> None:
    c = Conditions.model_validate({"seniority_in": ["VP", "Vice President", "C-Level", "Director "]})
    assert c.seniority_in == ["vp", "c_suite", "director"]


def test_department_aliases_are_canonicalised() -> None:
    c = Conditions.model_validate({"department_in": ["HR", "RevOps", "Engineering", "IT"]})
    assert c.department_in == [
        "human_resources",
        "revenue_operations",
        "engineering",
        "information_technology",
    ]


def test_empty_document_list_is_a_valid_rule_set_with_no_rules() -> None:
    assert len(load_icp_rules([])) == 0


# --- ICP rules: rejected, with a message naming the rule -----------------------------------------


def test_unknown_condition_names_the_rule_by_position_and_name() -> None:
    msg = icp_error(
        [
            {"name": "Enterprise", "tier": "A", "conditions": {"title_contains": ["VP"]}},
            {"name": "Mid-market", "tier": "B", "conditions": {"titel_contains": ["VP"]}},
        ]
    )
    assert "rule 2 ('Mid-market'): unknown condition 'titel_contains'" in msg
    assert "did you mean 'title_contains'" in msg


def test_unknown_rule_field_is_rejected_with_a_suggestion() -> None:
    msg = icp_error([{"name": "x", "tier": "A", "condtions": {}}])
    assert "rule 1 ('x'): unknown field 'condtions'" in msg
    assert "did you mean 'conditions'" in msg


def test_tier_outside_a_to_d_is_rejected() -> None:
    assert "rule 1 ('x'): tier:" in icp_error([{"name": "x", "tier": "E"}])


def test_rule_without_a_name_is_named_by_position() -> None:
    assert "rule 1: missing field 'name'" in icp_error([{"tier": "A"}])


def test_blank_rule_name_is_rejected() -> None:
    assert "must not be blank" in icp_error([{"name": "   ", "tier": "A"}])


def test_duplicate_rule_names_are_rejected_case_insensitively() -> None:
    msg = icp_error([{"name": "SMB", "tier": "C"}, {"name": "smb", "tier": "D"}])
    assert "rule 2 ('smb'): duplicate rule name, also rule 1" in msg


def test_unknown_seniority_is_rejected_listing_the_vocabulary() -> None:
    msg = icp_error([{"name": "x", "tier": "A", "conditions": {"seniority_in": ["boss"]}}])
    assert "condition 'seniority_in': unknown seniority 'boss'" in msg
    assert "c_suite" in msg and "intern" in msg


def test_misspelt_department_is_rejected() -> None:
    msg = icp_error([{"name": "x", "tier": "A", "conditions": {"department_in": ["enginering"]}}])
    assert "unknown department 'enginering'" in msg


def test_empty_any_of_list_is_rejected_because_it_could_never_match() -> None:
    msg = icp_error([{"name": "x", "tier": "A", "conditions": {"industry_in": []}}])
    assert "condition 'industry_in'" in msg


def test_blank_value_in_a_list_is_rejected() -> None:
    assert "industry_in" in icp_error(
        [{"name": "x", "tier": "A", "conditions": {"industry_in": ["SaaS", " "]}}]
    )


def test_employee_count_min_above_max_is_rejected() -> None:
    msg = icp_error(
        [{"name": "x", "tier": "A", "conditions": {"employee_count_min": 500, "employee_count_max": 100}}]
    )
    assert "employee_count_min (500) is greater than employee_count_max (100)" in msg


def test_negative_or_non_numeric_employee_count_is_rejected() -> None:
    assert "employee_count_min" in icp_error(
        [{"name": "x", "tier": "A", "conditions": {"employee_count_min": -1}}]
    )
    assert "employee_count_max" in icp_error(
        [{"name": "x", "tier": "A", "conditions": {"employee_count_max": "lots"}}]
    )


def test_every_problem_in_a_file_is_reported() -> None:
    msg = icp_error([{"name": "a", "tier": "Z"}, {"name": "b", "tier": "A", "conditions": {"foo": 1}}])
    assert "rule 1 ('a')" in msg and "rule 2 ('b')" in msg


def test_invalid_json_is_rejected_with_its_position() -> None:
    assert "not valid JSON" in icp_error('[{"name": "x",')
    assert "line 1" in icp_error('[{"name": "x",')


def test_a_rule_file_that_is_not_a_list_is_rejected() -> None:
    assert "expected a JSON list" in icp_error({"name": "x", "tier": "A"})


def test_non_utf8_file_is_rejected() -> None:
    assert "not UTF-8" in icp_error(b"\xff\xfe[\x00]")


def test_rule_set_can_be_validated_directly_and_iterated() -> None:
    rules = IcpRuleSet.model_validate([{"name": "a", "tier": "A"}, {"name": "b", "tier": "B"}])
    assert [r.name for r in rules] == ["a", "b"]


# --- scoring model -------------------------------------------------------------------------------


def test_empty_scoring_document_means_documented_defaults() -> None:
    model = load_scoring_model({})
    assert (model.weights.fit, model.weights.engagement, model.weights.intent) == (40, 30, 30)
    t = model.grade_thresholds
    assert (t.A, t.B, t.C, t.D) == (80, 60, 40, 20)
    assert model.fit_criteria == []
    assert model.intent_at_import == 0
    assert model.engagement.neutral == 50


def test_weights_need_not_sum_to_100() -> None:
    model = load_scoring_model({"weights": {"fit": 2, "engagement": 1, "intent": 0}})
    assert model.weights.fit == 2


def test_negative_weight_is_rejected() -> None:
    assert "weights.fit" in scoring_error({"weights": {"fit": -1}})


def test_all_zero_weights_are_rejected() -> None:
    msg = scoring_error({"weights": {"fit": 0, "engagement": 0, "intent": 0}})
    assert "at least one of fit, engagement, intent must be greater than 0" in msg


def test_unknown_weight_is_rejected_with_a_suggestion() -> None:
    assert "weights: unknown field 'fitt' (did you mean 'fit'?)" in scoring_error({"weights": {"fitt": 1}})


def test_unknown_top_level_field_is_rejected() -> None:
    assert "unknown field 'weight' (did you mean 'weights'?)" in scoring_error({"weight": {}})


def test_fit_criterion_errors_name_the_criterion() -> None:
    msg = scoring_error({"fit_criteria": [{"name": "Big", "points": 5, "conditions": {"size_min": 5}}]})
    assert "fit criterion 1 ('Big'): unknown condition 'size_min'" in msg


def test_fit_criterion_points_must_be_a_positive_integer() -> None:
    assert "fit criterion 1 ('A'): points" in scoring_error({"fit_criteria": [{"name": "A", "points": 0}]})
    assert "points" in scoring_error({"fit_criteria": [{"name": "A", "points": 2.5}]})


def test_duplicate_fit_criterion_names_are_rejected() -> None:
    msg = scoring_error({"fit_criteria": [{"name": "A", "points": 1}, {"name": "a", "points": 2}]})
    assert "fit criterion 2 ('a'): duplicate criterion name" in msg


def test_grade_thresholds_must_be_strictly_descending() -> None:
    msg = scoring_error({"grade_thresholds": {"A": 50, "B": 60, "C": 40, "D": 20}})
    assert "strictly descending" in msg
    assert "strictly descending" in scoring_error({"grade_thresholds": {"A": 80, "B": 60, "C": 60, "D": 20}})


def test_grade_threshold_above_100_is_rejected() -> None:
    assert "grade_thresholds.A" in scoring_error({"grade_thresholds": {"A": 101}})


def test_engagement_settings_are_bounded() -> None:
    assert "engagement.neutral" in scoring_error({"engagement": {"neutral": 120}})
    assert "engagement.full_response_rate" in scoring_error({"engagement": {"full_response_rate": 0}})


def test_total_fit_points_sums_the_criteria() -> None:
    model = ScoringModelDoc.model_validate(
        {"fit_criteria": [{"name": "a", "points": 3}, {"name": "b", "points": 7}]}
    )
    assert model.total_fit_points == 10


# --- suppression entries -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [r.value for r in SuppressionReason])
def test_every_documented_suppression_reason_is_accepted(reason: str) -> None:
    entry = load_suppression_entry({"kind": "email", "value": "a@b.com", "reason": reason})
    assert entry.reason.value == reason


def test_suppression_reasons_are_exactly_the_documented_six() -> None:
    assert {r.value for r in SuppressionReason} == {
        "opt_out",
        "hard_bounce",
        "spam_complaint",
        "unsubscribe",
        "manual",
        "compliance",
    }


def test_suppression_reason_spellings_are_normalised() -> None:
    entry = load_suppression_entry({"kind": "email", "value": "a@b.com", "reason": "Opt-Out"})
    assert entry.reason is SuppressionReason.OPT_OUT


def test_undocumented_suppression_reason_is_rejected() -> None:
    with pytest.raises(ConfigInvalid, match="reason"):
        load_suppression_entry({"kind": "email", "value": "a@b.com", "reason": "because"})


def test_suppression_domain_is_canonicalised() -> None:
    entry = SuppressionEntry(
        kind=SuppressionKind.DOMAIN, value="@WWW.Acme.COM.", reason=SuppressionReason.MANUAL
    )
    assert entry.value == "acme.com"


def test_internationalised_suppression_domain_is_stored_as_punycode() -> None:
    entry = SuppressionEntry(kind="domain", value="bücher.de", reason="manual")
    assert entry.value == "xn--bcher-kva.de"


def test_suppression_email_is_lowercased() -> None:
    assert SuppressionEntry(kind="email", value=" Bob@ACME.com ", reason="opt_out").value == "bob@acme.com"


def test_global_suppression_must_be_an_email() -> None:
    with pytest.raises(ConfigInvalid, match="global suppressions are emails only"):
        load_suppression_entry(
            {"kind": "domain", "value": "acme.com", "reason": "opt_out", "is_global": True}
        )


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("email", "bob"),
        ("email", "@acme.com"),
        ("domain", "bob@acme.com"),
        ("domain", "acme"),
        ("domain", "-x-.com"),
    ],
)
def test_suppression_value_must_fit_its_kind(kind: str, value: str) -> None:
    with pytest.raises(ConfigInvalid):
        load_suppression_entry({"kind": kind, "value": value, "reason": "manual"})


# --- vocabularies --------------------------------------------------------------------------------


def test_canonical_seniority_knows_linkedin_and_apollo_labels() -> None:
    assert canonical_seniority("CXO") == "c_suite"
    assert canonical_seniority("Training") == "intern"
    assert canonical_seniority("Mid-Senior level") == "senior"
    assert canonical_seniority("boss") is None
    assert canonical_seniority("  ") is None


def test_canonical_department_maps_aliases_and_rejects_unknown() -> None:
    assert canonical_department("Human Resources") == "human_resources"
    assert canonical_department("Engineering & Technical") == "engineering"
    assert canonical_department("Widgets") is None


def test_every_alias_lands_in_its_vocabulary() -> None:
    from functions.common.config_models import DEPARTMENT_ALIASES, SENIORITY_ALIASES

    assert set(SENIORITY_ALIASES.values()) <= set(SENIORITY_LEVELS)
    assert set(DEPARTMENT_ALIASES.values()) <= set(DEPARTMENTS)
