"""The direct paths of `ddb.to_av` / `ddb.from_av` give exactly what boto3's TypeSerializer and
TypeDeserializer (with the module's plain-Python rules) give, and `capacity.value_size`'s what
the general rule gives."""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.common import capacity, ddb

_ser, _deser = TypeSerializer(), TypeDeserializer()


def reference_av(value: Any) -> dict[str, Any]:
    return _ser.serialize(ddb._plain(value))


def reference_py(av: dict[str, Any]) -> Any:
    return ddb._py(_deser.deserialize(av))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=20),
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(values)
def test_to_av_equals_boto3(value: Any) -> None:
    assert ddb.to_av(value) == reference_av(value)


@settings(max_examples=150, deadline=None)
@given(values)
def test_from_av_equals_boto3(value: Any) -> None:
    av = reference_av(value)
    assert ddb.from_av(av) == reference_py(av)
    assert type(ddb.from_av(av)) is type(reference_py(av))


def test_edge_values() -> None:
    for value in (10**38 - 1, -(10**38) + 1, {"a": None, "b": [None, 1]}, {1, 2}, {"x", "y"}, b"raw"):
        assert ddb.to_av(value) == reference_av(value)
    for too_long in (10**38, -(10**40)):  # refused the same way: more digits than DynamoDB keeps
        with pytest.raises(decimal.Rounded):
            ddb.to_av(too_long)
    for av in (
        {"N": "-0"},
        {"N": "007"},
        {"N": "1.50"},
        {"N": "1E+2"},
        {"N": "9" * 38},
        {"NS": ["1", "2.5"]},
        {"SS": ["b", "a"]},
        {"B": Binary(b"x").value},
        {"M": {"n": {"N": "12"}, "l": {"L": [{"NULL": True}, {"BOOL": False}]}}},
    ):
        assert ddb.from_av(av) == reference_py(av)
        assert type(ddb.from_av(av)) is type(reference_py(av))


def test_large_integers_keep_their_value() -> None:
    assert ddb.from_av({"N": "12345678901234567890"}) == 12345678901234567890
    assert ddb.to_av(Decimal("1.5")) == {"N": "1.5"}


def reference_size(value: Any) -> int:
    """`capacity.value_size` as first written: isinstance checks and a normalised Decimal per number."""
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, int | float | Decimal):
        digits = Decimal(str(value)).normalize().as_tuple().digits
        return 1 + math.ceil((len(digits) if any(digits) else 1) / 2)
    if isinstance(value, dict):
        return 3 + sum(1 + len(str(k).encode("utf-8")) + reference_size(v) for k, v in value.items())
    return 3 + sum(1 + reference_size(v) for v in value)


sized = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.text(max_size=20),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(sized)
def test_value_size_direct_paths_equal_the_general_rule(value: Any) -> None:
    assert capacity.value_size(value) == reference_size(value)


def test_in_parallel_keeps_order_context_and_charges_worker_cpu() -> None:
    from functions.common import faults

    seen: list[str | None] = []
    faults.inject("probe", seen.append)
    spent: list[float] = []
    token = ddb.worker_cpu.set(spent)
    try:
        with faults.scope("ws_probe"):
            out = ddb.in_parallel(lambda n: (faults.point("probe"), sum(range(n * 10_000)))[1], range(8), 4)
    finally:
        ddb.worker_cpu.reset(token)
        faults.clear()
    assert out == [sum(range(n * 10_000)) for n in range(8)]
    assert seen == ["ws_probe"] * 8  # each thread ran in the caller's fault scope
    assert len(spent) == 8 and sum(spent) > 0
