"""Logger, tracer and metrics, created once per process and shared by every handler."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="contact-import")
tracer = Tracer(service="contact-import")
metrics = Metrics(namespace="ContactImport", service="contact-import")


def discard_metrics() -> None:
    """Drop what handlers added to the process-wide metric set. For the one-machine runtime, where
    nothing publishes EMF (POWERTOOLS_METRICS_DISABLED): Powertools neither clears the set on a
    disabled flush nor checks the flag when a metric reaches 100 values, and then prints the EMF
    line to stdout, which would break the CLI's `--json` output on a long run."""
    metrics.clear_metrics()
