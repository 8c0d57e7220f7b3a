from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from functions.common.rows import Row, RowResult, RowStatus
from functions.report.fail_handler import error_message
from functions.report.logic import fit_width, neutralise, write_reports


def test_formula_like_cells_are_quoted_and_others_untouched() -> None:
    assert [neutralise(c) for c in ["=1+2", "+44 20", "-3", "@SUM(A1)", "\tx", "plain", ""]] == [
        "'=1+2",
        "'+44 20",
        "'-3",
        "'@SUM(A1)",
        "'\tx",
        "plain",
        "",
    ]


def test_short_rows_are_padded_and_long_rows_keep_their_extra_cells() -> None:
    assert fit_width(["a"], 3) == (["a", "", ""], [])
    assert fit_width(["a", "b", "c", "d"], 2) == (["a", "b"], ["c", "d"])


@given(st.lists(st.sampled_from(list(RowStatus)), min_size=1, max_size=50))
def test_counters_always_add_up_to_total(statuses: list[RowStatus]) -> None:
    outcomes = [
        (Row(i, [f"r{i}@x.com"]), RowResult(i, s, f"{s.upper()}: why")) for i, s in enumerate(statuses, 1)
    ]
    results, errors = io.StringIO(), io.StringIO()
    counters = write_reports(["Email"], outcomes, results, errors)
    assert counters["total"] == len(statuses)
    assert sum(counters[k] for k in ("imported", "updated", "skipped", "suppressed", "errored")) == len(
        statuses
    )
    assert counters["errored"] == statuses.count(RowStatus.ERROR)
    assert len(list(csv.reader(io.StringIO(errors.getvalue())))) == 1 + counters["errored"]
    assert len(list(csv.reader(io.StringIO(results.getvalue())))) == 1 + len(statuses)


def test_extra_cells_of_a_ragged_row_are_kept_in_the_reason() -> None:
    out = io.StringIO()
    write_reports(
        ["Email"],
        [(Row(1, ["a@x.com", "stray"]), RowResult(1, RowStatus.ERROR, "MALFORMED_ROW"))],
        out,
        io.StringIO(),
    )
    row = list(csv.reader(io.StringIO(out.getvalue())))[1]
    assert row[0] == "a@x.com" and "stray" in row[2]


def test_fail_message_comes_from_the_lambda_error_cause() -> None:
    cause = '{"errorType": "QuotaExhausted", "errorMessage": "enrichment quota exhausted for apollo"}'
    assert error_message({"Error": "QuotaExhausted", "Cause": cause}) == (
        "QuotaExhausted: enrichment quota exhausted for apollo"
    )
    assert error_message({"Error": "States.Timeout", "Cause": ""}) == "States.Timeout"
    assert error_message(None) == "unknown error"
