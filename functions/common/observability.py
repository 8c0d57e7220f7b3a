"""Logger, tracer and metrics, created once per process and shared by every handler."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="contact-import")
tracer = Tracer(service="contact-import")
metrics = Metrics(namespace="ContactImport", service="contact-import")
