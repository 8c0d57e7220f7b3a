"""One machine publishes no metrics, and a long run must never print EMF lines on stdout."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from functions.common.observability import metrics
from local.runtime import Dispatcher


def test_dispatched_handlers_leave_no_metric_to_auto_flush_onto_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")

    def counting_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        metrics.add_metric(name="RowsParsed", unit=MetricUnit.Count, value=1)
        return {"ok": True}

    dispatcher = Dispatcher()
    dispatcher._handlers["Intake"] = counting_handler
    # Powertools prints a metric once it holds 100 values, whatever POWERTOOLS_METRICS_DISABLED says
    for _ in range(250):
        dispatcher.invoke("contact-import-Intake", b"{}", {})
    assert capsys.readouterr().out == ""
    assert not metrics.metric_set
