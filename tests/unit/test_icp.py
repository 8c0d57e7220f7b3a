"""ICP tier evaluation: ordered rules, first match wins, no match is D."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.common.config_models import Conditions, IcpRule, load_icp_rules
from functions.score.icp import Profile, TierMatch, build_profile, conditions_match, evaluate_tier


def rules(*specs: dict[str, Any]) -> list[IcpRule]:
    return list(load_icp_rules(list(specs)))


def match(conditions: dict[str, Any], profile: Profile) -> bool:
    return conditions_match(Conditions.model_validate(conditions), profile)


VP_SALES = build_profile(
    {"title": "VP of Sales", "country": "US", "state": "NY"},
    {"employee_count": 350, "industry": "Software", "tech_stack": ["HubSpot", "Slack"]},
)


# --- evaluate_tier -------------------------------------------------------------------------------


def test_first_matching_rule_wins_even_if_a_later_rule_is_a_better_tier() -> None:
    rs = rules(
        {"name": "Sales people", "tier": "C", "conditions": {"department_in": ["sales"]}},
        {"name": "VPs", "tier": "A", "conditions": {"seniority_in": ["vp"]}},
    )
    assert evaluate_tier(rs, VP_SALES) == TierMatch("C", "Sales people")


def test_no_matching_rule_is_tier_d_with_no_rule_name() -> None:
    rs = rules({"name": "Engineers", "tier": "A", "conditions": {"department_in": ["engineering"]}})
    assert evaluate_tier(rs, VP_SALES) == TierMatch("D", None)


def test_empty_rule_set_is_tier_d() -> None:
    assert evaluate_tier([], VP_SALES) == ("D", None)


def test_rule_with_no_conditions_matches_everything() -> None:
    rs = rules({"name": "Everyone", "tier": "B"})
    assert evaluate_tier(rs, Profile()) == TierMatch("B", "Everyone")


def test_all_conditions_of_a_rule_must_hold() -> None:
    rs = rules(
        {"name": "Big VPs", "tier": "A", "conditions": {"seniority_in": ["vp"], "employee_count_min": 1000}},
    )
    assert evaluate_tier(rs, VP_SALES).tier == "D"


def test_tier_accepts_a_loaded_rule_set() -> None:
    rs = load_icp_rules([{"name": "VPs", "tier": "A", "conditions": {"seniority_in": ["vp"]}}])
    assert evaluate_tier(rs, VP_SALES) == TierMatch("A", "VPs")


# --- conditions ----------------------------------------------------------------------------------


def test_title_contains_is_any_of_and_case_insensitive() -> None:
    assert match({"title_contains": ["director", "vp"]}, VP_SALES)
    assert not match({"title_contains": ["director", "cto"]}, VP_SALES)


def test_title_contains_matches_at_a_word_start_not_inside_a_word() -> None:
    director = build_profile({"title": "Director of Engineering"})
    assert not match({"title_contains": ["CTO"]}, director)  # "dire-cto-r"
    assert match({"title_contains": ["Engineer"]}, director)  # a prefix of "Engineering"
    assert match({"title_contains": ["of engineering"]}, director)  # phrases too
    assert not match({"title_contains": ["VP"]}, build_profile({"title": "SVP Sales"}))


def test_title_contains_ignores_punctuation_differences() -> None:
    assert match({"title_contains": ["V.P."]}, build_profile({"title": "VP, Sales"}))
    assert match({"title_contains": ["vice president"]}, build_profile({"title": "Vice-President Sales"}))


def test_condition_on_a_missing_title_does_not_match() -> None:
    assert not match({"title_contains": ["VP"]}, Profile())


def test_seniority_and_department_are_derived_from_the_title_when_absent() -> None:
    p = build_profile({"title": "Head of Growth"})
    assert (p.seniority, p.department) == ("head", "marketing")
    assert match({"seniority_in": ["head"], "department_in": ["marketing"]}, p)


def test_given_seniority_and_department_win_over_the_title() -> None:
    p = build_profile({"title": "VP of Sales", "seniority": "Director", "department": "Marketing"})
    assert (p.seniority, p.department) == ("director", "marketing")


def test_seniority_condition_on_a_contact_without_one_does_not_match() -> None:
    assert not match({"seniority_in": ["vp"]}, build_profile({"title": "Board Member"}))


def test_employee_count_bounds_are_inclusive() -> None:
    p = Profile(employee_count=200)
    assert match({"employee_count_min": 200}, p)
    assert match({"employee_count_max": 200}, p)
    assert not match({"employee_count_min": 201}, p)
    assert not match({"employee_count_max": 199}, p)


def test_unknown_employee_count_matches_neither_min_nor_max() -> None:
    # before enrichment, a company is not "small" just because its size is unknown
    assert not match({"employee_count_min": 1}, Profile())
    assert not match({"employee_count_max": 10_000}, Profile())


def test_industry_is_case_and_space_insensitive() -> None:
    assert match({"industry_in": ["  software "]}, VP_SALES)
    assert match({"industry_in": ["SOFTWARE"]}, VP_SALES)
    assert not match({"industry_in": ["Retail"]}, VP_SALES)


def test_tech_stack_any_needs_one_shared_technology() -> None:
    assert match({"tech_stack_any": ["salesforce", "hubspot"]}, VP_SALES)
    assert not match({"tech_stack_any": ["Salesforce"]}, VP_SALES)
    assert not match({"tech_stack_any": ["HubSpot"]}, Profile())


def test_country_names_and_codes_match_each_other() -> None:
    assert match({"country_in": ["United States"]}, VP_SALES)
    assert match({"country_in": ["GB"]}, build_profile({"country": "United Kingdom"}))
    assert match({"country_in": ["Atlantis"]}, build_profile({"country": "atlantis"}))
    assert not match({"country_in": ["United Kingdom"]}, VP_SALES)


def test_country_and_state_are_case_insensitive_and_required() -> None:
    assert match({"country_in": ["us", "ca"], "state_in": ["ny"]}, VP_SALES)
    assert not match({"country_in": ["GB"]}, VP_SALES)
    assert not match({"state_in": ["NY"]}, build_profile({"title": "VP"}))


# --- build_profile -------------------------------------------------------------------------------


def test_company_record_supplies_firmographics_and_contact_is_the_fallback() -> None:
    p = build_profile(
        {"industry": "Retail", "employee_count": 5}, {"industry": "Software", "employee_count": None}
    )
    assert p.industry == "Software"
    assert p.employee_count == 5


def test_company_fields_are_absent_until_enrichment() -> None:
    p = build_profile({"title": "CTO"})
    assert (p.employee_count, p.industry, p.tech_stack) == (None, None, ())


def test_employee_count_is_read_from_numbers_and_numeric_text_only() -> None:
    assert build_profile({}, {"employee_count": "1,200"}).employee_count == 1200
    assert build_profile({}, {"employee_count": 350.0}).employee_count == 350
    assert build_profile({}, {"employee_count": "51-200"}).employee_count is None
    assert build_profile({}, {"employee_count": True}).employee_count is None
    assert build_profile({}, {"employee_count": -3}).employee_count is None


def test_tech_stack_may_be_a_comma_separated_string() -> None:
    assert build_profile({}, {"tech_stack": "HubSpot, Slack;  Zoom"}).tech_stack == (
        "HubSpot",
        "Slack",
        "Zoom",
    )


def test_blank_contact_values_are_absent() -> None:
    p = build_profile({"title": "  ", "country": ""})
    assert (p.title, p.country, p.seniority) == (None, None, None)


# --- properties ----------------------------------------------------------------------------------

SENIORITIES = ["vp", "director", "manager", "c_suite", "entry"]
DEPTS = ["sales", "marketing", "engineering"]
COUNTRIES = ["US", "GB", "DE"]

condition_dicts = st.fixed_dictionaries(
    {},
    optional={
        "seniority_in": st.lists(st.sampled_from(SENIORITIES), min_size=1, max_size=3),
        "department_in": st.lists(st.sampled_from(DEPTS), min_size=1, max_size=2),
        "employee_count_min": st.integers(0, 2000),
        "country_in": st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=2),
        "title_contains": st.lists(
            st.sampled_from(["VP", "Director", "Sales", "Head"]), min_size=1, max_size=2
        ),
    },
)
rule_lists = st.lists(st.tuples(st.sampled_from("ABCD"), condition_dicts), min_size=0, max_size=6).map(
    lambda xs: rules(*({"name": f"r{i}", "tier": t, "conditions": c} for i, (t, c) in enumerate(xs)))
)
profiles = st.builds(
    Profile,
    title=st.sampled_from([None, "VP Sales", "Director of Marketing", "Head of Engineering", "Engineer"]),
    seniority=st.sampled_from([None, *SENIORITIES]),
    department=st.sampled_from([None, *DEPTS]),
    country=st.sampled_from([None, *COUNTRIES]),
    employee_count=st.one_of(st.none(), st.integers(0, 3000)),
)


@given(rule_lists, profiles)
def test_property_result_is_the_first_rule_that_matches(rs: list[IcpRule], profile: Profile) -> None:
    result = evaluate_tier(rs, profile)
    matching = [r for r in rs if conditions_match(r.conditions, profile)]
    if matching:
        assert result == TierMatch(matching[0].tier, matching[0].name)
    else:
        assert result == TierMatch("D", None)


@given(rule_lists, profiles, st.sampled_from("ABCD"))
def test_property_a_leading_catch_all_always_wins(rs: list[IcpRule], profile: Profile, tier: str) -> None:
    catch_all = IcpRule(name="catch-all", tier=tier)
    assert evaluate_tier([catch_all, *rs], profile) == TierMatch(tier, "catch-all")


@given(rule_lists, profiles, rule_lists)
def test_property_rules_after_a_match_never_change_the_result(
    rs: list[IcpRule], profile: Profile, more: list[IcpRule]
) -> None:
    first = evaluate_tier(rs, profile)
    if first.rule is not None:
        renamed = [r.model_copy(update={"name": f"later-{r.name}"}) for r in more]
        assert evaluate_tier([*rs, *renamed], profile) == first


@given(condition_dicts, profiles)
def test_property_adding_a_condition_never_widens_a_rule(conds: dict[str, Any], profile: Profile) -> None:
    narrower = {**conds, "employee_count_max": 2500}
    if match(narrower, profile):
        assert match(conds, profile)


def test_a_rule_can_require_a_verification_status_and_a_missing_one_is_unverified() -> None:
    stored_before_statuses = build_profile({"title": "VP of Sales"})
    checked = build_profile({"title": "VP of Sales", "verification_status": "Verified"})
    assert stored_before_statuses.verification_status == "unverified"
    assert match({"verification_status_in": ["valid"]}, checked)
    assert not match({"verification_status_in": ["valid"]}, stored_before_statuses)
    assert match({"verification_status_in": "unverified"}, stored_before_statuses)
    assert match(
        {"verification_status_in": ["valid", "risky"]}, build_profile({"verification_status": "catch-all"})
    )


def test_an_unknown_verification_status_in_a_rule_is_rejected_naming_the_choices() -> None:
    with pytest.raises(
        ValueError, match="unknown verification status 'sort of'; use one of: unverified, valid"
    ):
        Conditions.model_validate({"verification_status_in": ["sort of"]})
