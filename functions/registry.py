"""Every Lambda function of the pipeline: logical name -> dotted handler path and ASL substitution.

The CDK stack and the local runtime both build their functions from this table, so the
state machine definition, the deployed functions and the local dispatcher cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str
    substitution: str | None  # the `${...}` placeholder in statemachines/{machine}.asl.json
    timeout_s: int = 900
    memory_mb: int = 1024
    machine: str = "import"  # which state machine's ASL names it (when it has a substitution)


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("Intake", "functions.intake.handler.handler", "IntakeFunctionArn", memory_mb=1769),
    FunctionSpec("Dedup", "functions.dedup.handler.handler", "DedupFunctionArn"),
    FunctionSpec("Suppress", "functions.suppress.handler.handler", "SuppressFunctionArn"),
    FunctionSpec("Enrich", "functions.enrich.handler.handler", "EnrichFunctionArn"),
    FunctionSpec("Score", "functions.score.handler.handler", "ScoreFunctionArn"),
    FunctionSpec("Commit", "functions.dedup.commit_handler.handler", "CommitFunctionArn"),
    FunctionSpec("Report", "functions.report.handler.handler", "ReportFunctionArn"),
    FunctionSpec(
        "Fail", "functions.report.fail_handler.handler", "FailFunctionArn", timeout_s=60, memory_mb=256
    ),
    # the HTTP API (API Gateway HTTP API): not in the state machine
    FunctionSpec("Api", "functions.api.handler.handler", None, timeout_s=29, memory_mb=1024),
    FunctionSpec("Authorizer", "functions.api.authorizer.handler", None, timeout_s=10, memory_mb=256),
    FunctionSpec("UploadTrigger", "functions.api.trigger.handler", None, timeout_s=60, memory_mb=256),
    # CRM syncs: per-connection schedules, the sweep schedule and ImportJob Completed events
    FunctionSpec("Sync", "functions.sync.handler.handler", None, timeout_s=900, memory_mb=512),
    # engagement events of the email engine (EventBridge rule on source email-engine)
    FunctionSpec("Events", "functions.events.handler.handler", None, timeout_s=300, memory_mb=1024),
    # contact webhooks out: finished imports' events and due retries (EventBridge rule + tick)
    FunctionSpec("Webhooks", "functions.events.delivery_handler.handler", None, timeout_s=300, memory_mb=512),
    # the read model: the Contacts stream's projector and the schema migrations (custom resource)
    FunctionSpec("Projector", "functions.query.handler.project", None, timeout_s=120, memory_mb=512),
    FunctionSpec("Migrate", "functions.query.handler.migrate_handler", None, timeout_s=600, memory_mb=256),
    # daily (EventBridge Scheduler): workspace retention policies and the audit log's TTL
    FunctionSpec("Maintenance", "functions.maintenance.handler.handler", None, timeout_s=900, memory_mb=512),
    # bulk operations on contacts and their undo: every step of statemachines/bulk.asl.json
    FunctionSpec("Bulk", "functions.manage.bulk_handler.handler", "BulkFunctionArn", machine="bulk"),
)

MACHINES: tuple[str, ...] = ("import", "bulk")


def machine_functions(machine: str) -> tuple[FunctionSpec, ...]:
    """The functions a state machine's ASL names through substitutions."""
    return tuple(spec for spec in FUNCTIONS if spec.substitution and spec.machine == machine)
