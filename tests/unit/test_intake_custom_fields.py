"""Typed custom fields: definitions and coercion of cells."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from functions.intake.custom_fields import CustomFieldDef, coerce


def field(field_type: str, **kw: Any) -> CustomFieldDef:
    return CustomFieldDef(name="f", field_type=field_type, **kw)


STAGES = ("not_started", "trial_active", "customer")


@pytest.mark.parametrize(
    ("defn", "raw", "expected"),
    [
        (field("string"), "  hello ", "hello"),
        (field("number"), "42", 42),
        (field("number"), "-3.5", -3.5),
        (field("number"), "1,234,567", 1234567),
        (field("number"), "2.0", 2),
        (field("number"), "1e3", 1000),
        (field("boolean"), "Yes", True),
        (field("boolean"), "0", False),
        (field("boolean"), "FALSE", False),
        (field("date"), "2023-10-25", "2023-10-25"),
        (field("date"), "2023-10-25T13:00:00", "2023-10-25"),
        (field("date"), "25/10/2023", "2023-10-25"),
        (field("date"), "10/25/2023", "2023-10-25"),
        (field("date"), "05/05/2023", "2023-05-05"),
        (field("date"), "25 Oct 2023", "2023-10-25"),
        (field("date"), "October 25, 2023", "2023-10-25"),
        (field("dropdown", options=STAGES), "Trial_Active", "trial_active"),
        (
            field("multi_select", options=STAGES),
            "customer; trial_active;customer",
            ["customer", "trial_active"],
        ),
        (field("multi_select", options=STAGES), "customer, not_started", ["customer", "not_started"]),
        (field("number"), "   ", None),
    ],
)
def test_coerce(defn: CustomFieldDef, raw: str, expected: object) -> None:
    assert coerce(defn, raw) == expected


@pytest.mark.parametrize(
    ("defn", "raw", "fragment"),
    [
        (field("number"), "abc", "is not a number"),
        (field("number"), "$1,200", "is not a number"),
        (field("number"), "nan", "is not a number"),
        (field("boolean"), "maybe", "not a yes/no value"),
        (field("date"), "10/11/2023", "ambiguous"),
        (field("date"), "31/02/2023", "not a valid date"),
        (field("date"), "soon", "not a date"),
        (
            field("dropdown", options=STAGES),
            "churned",
            "not one of the options (not_started, trial_active, customer)",
        ),
        (field("multi_select", options=STAGES), "customer;churned", "'churned' is not one of the options"),
    ],
)
def test_values_that_do_not_fit_raise_with_a_reason(defn: CustomFieldDef, raw: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        coerce(defn, raw)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "f", "field_type": "dropdown"},
        {"name": "f", "field_type": "dropdown", "options": ["a", "A"]},
        {"name": "f", "field_type": "string", "options": ["a"]},
        {"name": "f", "field_type": "number", "fallback_value": "many"},
        {"name": "9f", "field_type": "string"},
        {"name": "f", "field_type": "currency"},
    ],
)
def test_invalid_definitions_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CustomFieldDef(**kwargs)


def test_fallback_value_is_checked_against_the_type() -> None:
    assert CustomFieldDef(name="n", field_type="number", fallback_value=0).fallback_value == 0
    assert CustomFieldDef(name="m", field_type="multi_select", options=["a", "b"], fallback_value=["a"])
