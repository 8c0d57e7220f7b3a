"""The pipeline's own event bus: Report publishes `ImportJob Completed` here (CI_EVENT_BUS)."""

from __future__ import annotations

from aws_cdk import aws_events as events
from constructs import Construct

from infra.config import InfraConfig


class DomainEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(
            self,
            "Bus",
            event_bus_name=config.name_prefix,
            description="Contact import domain events (source 'contact-import')",
        )
