"""Least privilege: each role holds exactly the actions on exactly the resources its code uses.

The expected sets below are written from reading the handlers (see infra/access.py for the
why of each line); the template is compared to them exactly, so a wider grant and a missing
one both fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from functions.registry import FUNCTIONS
from tests.infra.helpers import Synth, as_list, grants, ref_id, state_machine_of, statements_of_role

PROJECTOR_DLQ: set[tuple[str, str]] = set()  # filled from the synthesized template below
XRAY = {("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")}


def own_logs(log_group: str) -> set[tuple[str, str]]:
    return {
        ("logs:CreateLogStream", f"log-group:{log_group}"),
        ("logs:PutLogEvents", f"log-group:{log_group}"),
    }


def table(name: str, *actions: str) -> set[tuple[str, str]]:
    return {(f"dynamodb:{a}", f"table:{name}") for a in actions}


def objects(prefix: str, *actions: str) -> set[tuple[str, str]]:
    return {(f"s3:{a}", f"objects:{prefix}") for a in actions}


LIST_IMPORTS = {("s3:ListBucket", "bucket")}
# logical ids (the import state machine, the keys secret, the sync dead-letter queue, the
# scheduler role) are put in by the test
START_IMPORT = {("states:StartExecution", "state-machine:IMPORT")}
START_BULK = {("states:StartExecution", "state-machine:BULK")}
READ_KEYS = {("secretsmanager:GetSecretValue", "secret:KEYS")}
SYNC_SCHEDULES = "arn:{Partition}:scheduler:{Region}:{AccountId}:schedule/contact-import-dev-sync/*"
MANAGE_SYNC_SCHEDULES = {
    (f"scheduler:{a}", SYNC_SCHEDULES) for a in ("CreateSchedule", "UpdateSchedule", "DeleteSchedule")
} | {("iam:PassRole", "role:SCHEDULER")}
# Data API statements on the read model's cluster with its generated secret
READ_MODEL = {
    ("rds-data:ExecuteStatement", "arn:{Partition}:rds:{Region}:{AccountId}:cluster:db-cluster"),
    ("secretsmanager:GetSecretValue", "db-secret"),
}
CHUNK_STAGE = objects("imports/*", "GetObject", "PutObject") | LIST_IMPORTS
ADVANCE_JOB = table("ImportJobs", "GetItem", "UpdateItem")
# engagement ingest (functions/events/store.py and rescore.py)
EVENT_INGEST = (
    table("EngagementEvents", "PartiQLInsert", "PutItem", "BatchGetItem", "Query")
    | table("GlobalContacts", "UpdateItem", "BatchGetItem", "PartiQLInsert", "PartiQLUpdate")
    | table("Suppressions", "PartiQLInsert")
)

EXPECTED: dict[str, set[tuple[str, str]]] = {
    "Intake": table("ImportJobs", "GetItem", "PutItem", "UpdateItem")
    | objects("uploads/*", "GetObject")
    | objects("imports/*", "GetObject", "PutObject", "DeleteObject")
    | LIST_IMPORTS,
    "Dedup": ADVANCE_JOB
    | table("Contacts", "BatchGetItem")
    | table("GlobalContacts", "BatchGetItem")
    | table("CompanyNames", "BatchGetItem")
    | CHUNK_STAGE
    # an `update` by a contact id of the older format is resolved through the read model
    | READ_MODEL,
    "Suppress": ADVANCE_JOB | table("Suppressions", "BatchGetItem") | CHUNK_STAGE,
    "Enrich": ADVANCE_JOB
    | table("EnrichmentCache", "BatchGetItem", "BatchWriteItem")
    | table("Config", "GetItem")
    | table("Suppressions", "BatchGetItem")
    | CHUNK_STAGE
    | READ_KEYS,
    "Score": ADVANCE_JOB
    | table("Config", "GetItem")
    | table("Companies", "BatchGetItem")
    | table("EngagementEvents", "Query")
    | CHUNK_STAGE,
    "Commit": table("ImportJobs", "GetItem")
    | table("ClientAssignments", "PartiQLInsert")
    | table("Contacts", "BatchGetItem", "PartiQLInsert", "PartiQLUpdate")
    | table("GlobalContacts", "BatchGetItem", "PartiQLInsert", "PartiQLUpdate")
    | table("Companies", "BatchGetItem", "PartiQLInsert", "BatchWriteItem")
    | table("CompanyNames", "BatchGetItem", "PartiQLInsert", "PartiQLUpdate")
    | CHUNK_STAGE,
    "Report": table("ImportJobs", "GetItem", "UpdateItem")
    # after commit: one webhook outbox marker when the workspace has a subscription
    | table("Config", "Query")
    | table("WebhookDeliveries", "PutItem")
    | objects("imports/*", "GetObject")
    | objects("reports/*", "PutObject", "AbortMultipartUpload")
    | {("events:PutEvents", "event-bus")}
    | READ_MODEL,
    "Fail": table("ImportJobs", "GetItem", "UpdateItem"),
    "UploadTrigger": table("ImportJobs", "GetItem") | START_IMPORT,
    "Authorizer": table("Config", "GetItem"),
    "Api": table("Contacts", "GetItem", "UpdateItem", "DeleteItem", "Query")
    | table("Contacts", "BatchGetItem", "PartiQLInsert", "PartiQLUpdate")
    # merge, its undo and an email change put whole items (issue 14)
    | table("Contacts", "PutItem")
    | table("GlobalContacts", "BatchGetItem", "PartiQLInsert", "PartiQLUpdate", "GetItem", "UpdateItem")
    | table("GlobalContacts", "PutItem")
    | table("Companies", "BatchGetItem", "PartiQLInsert")
    | table("CompanyNames", "BatchGetItem", "PartiQLInsert", "PartiQLUpdate")
    # company edits (issue 14)
    | table("Companies", "GetItem", "UpdateItem")
    # POST /api/v1/engagement-events runs the ingest; the timeline is a Query; a hard delete erases it
    | EVENT_INGEST
    | table("EngagementEvents", "BatchWriteItem")
    | table("ClientAssignments", "PartiQLInsert", "Query", "PutItem", "DeleteItem")
    | table("ImportJobs", "GetItem", "PutItem", "UpdateItem")
    | {("dynamodb:Query", "table:ImportJobs/index/by_workspace_shard")}
    | table("ImportJobs", "BatchGetItem")
    | table("Suppressions", "GetItem", "BatchGetItem", "PutItem", "DeleteItem", "Query", "PartiQLInsert")
    | table("Config", "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")
    | table("Idempotency", "GetItem", "PutItem", "UpdateItem", "DeleteItem")
    # a subscription's deliveries and a redelivery
    | table("WebhookDeliveries", "Query", "GetItem", "UpdateItem", "BatchWriteItem")
    | table("EnrichmentCache", "BatchGetItem")
    | objects("uploads/*", "GetObject", "PutObject")
    | objects("reports/*", "GetObject")
    | objects("bulk/*", "GetObject", "PutObject")
    | LIST_IMPORTS
    | START_IMPORT
    | START_BULK
    | READ_KEYS
    | MANAGE_SYNC_SCHEDULES
    # POST /api/v1/connections/{id}/run hands the run to the Sync function
    | {("lambda:InvokeFunction", "function:SYNC")}
    | READ_MODEL,
    "Events": EVENT_INGEST
    | table("Contacts", "BatchGetItem", "PartiQLUpdate")
    | table("Companies", "BatchGetItem")
    | table("Config", "GetItem", "Query")
    | READ_MODEL
    # a re-score that moves a score or grade queues contact.scored deliveries
    | table("WebhookDeliveries", "BatchWriteItem")
    # Lambda's on-failure destination for batches that failed through their retries
    | {("sqs:SendMessage", "queue:ENGAGEMENT_DLQ")},
    "Webhooks": table("WebhookDeliveries", "UpdateItem", "BatchWriteItem")
    | {("dynamodb:Query", "table:WebhookDeliveries/index/due")}
    | table("Config", "GetItem", "Query")
    | table("ImportJobs", "GetItem")
    | table("Contacts", "BatchGetItem")
    | table("GlobalContacts", "BatchGetItem")
    | table("Companies", "BatchGetItem")
    # a workflow hand-off skips suppressed contacts
    | table("Suppressions", "BatchGetItem")
    | objects("imports/*", "GetObject")
    | LIST_IMPORTS
    | READ_KEYS
    | READ_MODEL
    # Lambda's on-failure destination for sweeps that failed
    | {("sqs:SendMessage", "queue:WEBHOOKS_DLQ")},
    "Sync": table("Config", "GetItem", "PutItem", "DeleteItem", "Scan")
    | table("ImportJobs", "GetItem", "PutItem", "UpdateItem")
    | objects("uploads/*", "GetObject", "PutObject")
    | {("s3:ListBucket", "bucket")}
    | START_IMPORT
    | READ_KEYS
    # Lambda's on-failure destination for runs that failed through their retries
    | {("sqs:SendMessage", "queue:SYNC_DLQ")},
    # the Contacts, Companies and GlobalContacts streams through their event source mappings (ListStreams has no
    # resource scope), firmographics from Companies, the read model, and the mappings' on-failure
    # destination
    "Projector": table("Companies", "BatchGetItem")
    | table("Contacts", "DescribeStream", "GetRecords", "GetShardIterator")
    | table("Companies", "DescribeStream", "GetRecords", "GetShardIterator")
    | table("GlobalContacts", "DescribeStream", "GetRecords", "GetShardIterator")
    | {("dynamodb:ListStreams", "*")}
    | READ_MODEL
    | PROJECTOR_DLQ,
    "Migrate": READ_MODEL,
    # the daily retention run and audit TTL (issue 14)
    "Maintenance": table("Config", "GetItem", "Query")
    | table("Contacts", "GetItem", "UpdateItem")
    | table("EngagementEvents", "Query")
    | table("Companies", "BatchGetItem")
    | table("GlobalContacts", "BatchGetItem")
    | table("WebhookDeliveries", "BatchWriteItem")
    | READ_MODEL,
    # the bulk-operation steps: a chunk's contacts read and written conditionally, its log in S3
    "Bulk": table("Contacts", "BatchGetItem", "GetItem", "UpdateItem", "DeleteItem")
    | READ_MODEL
    | table("Config", "GetItem", "UpdateItem", "Query", "PutItem")
    # static segment members (and a purge's removal from them)
    | table("Config", "DeleteItem", "BatchGetItem", "BatchWriteItem")
    | table("GlobalContacts", "BatchGetItem", "UpdateItem")
    | table("Companies", "BatchGetItem")
    # trigger_enrichment: the enrich-later path
    | table("EnrichmentCache", "BatchGetItem", "BatchWriteItem")
    | table("Contacts", "PartiQLUpdate")
    | table("Companies", "BatchWriteItem")
    # an import rollback's purges and job status; add_to_suppression and its undo
    | table("ClientAssignments", "Query", "DeleteItem")
    | table("EngagementEvents", "Query", "BatchWriteItem")
    | table("WebhookDeliveries", "BatchWriteItem")
    | table("ImportJobs", "GetItem", "UpdateItem")
    | table("Suppressions", "BatchGetItem", "GetItem", "PutItem", "DeleteItem")
    | objects("bulk/*", "GetObject", "PutObject")
    | {("s3:ListBucket", "bucket")}
    | READ_KEYS,
}

# s3:prefix values each function's ListBucket is limited to (the prefixes it lists or HEADs under)
LISTED_PREFIXES: dict[str, list[str]] = {
    "Intake": ["imports/*"],
    "Dedup": ["imports/*"],
    "Suppress": ["imports/*"],
    "Enrich": ["imports/*"],
    "Score": ["imports/*"],
    "Commit": ["imports/*"],
    "Api": ["imports/*", "uploads/*", "bulk/*"],
    "Bulk": ["bulk/*"],
    "Webhooks": ["imports/*"],
    "Sync": ["uploads/*"],
}

# the Api passes this role to EventBridge Scheduler and to no other service
PASSED_TO = {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}


def functions_by_name(synth: Synth) -> dict[str, dict[str, Any]]:
    handlers = {spec.handler: spec.name for spec in FUNCTIONS}
    return {
        handlers[r["Properties"]["Handler"]]: r
        for r in synth.of_type("AWS::Lambda::Function").values()
        if r["Properties"]["Handler"] in handlers
    }


def test_expected_sets_cover_every_registry_function():
    assert set(EXPECTED) == {spec.name for spec in FUNCTIONS}


@pytest.mark.parametrize("name", [spec.name for spec in FUNCTIONS])
def test_function_role_grants_exactly_what_its_code_uses(dev: Synth, name: str):
    fn = functions_by_name(dev)[name]["Properties"]
    role_id = ref_id(fn["Role"])
    log_group = ref_id(fn["LoggingConfig"]["LogGroup"])
    assert role_id and log_group
    assert grants(dev, role_id) == with_logical_ids(dev, EXPECTED[name]) | XRAY | own_logs(log_group)


def with_logical_ids(synth: Synth, expected: set[tuple[str, str]]) -> set[tuple[str, str]]:
    import_id, _ = state_machine_of(synth)
    bulk_id, _ = state_machine_of(synth, "bulk")
    secret_id = next(k for k in synth.of_type("AWS::SecretsManager::Secret") if k.startswith("SecretsKeys"))
    mapping = next(iter(synth.of_type("AWS::Lambda::EventSourceMapping").values()))
    dlq = ref_id(mapping["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])
    expected = expected | (
        {(a, f"queue:{dlq}") for a in ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")}
        if expected >= READ_MODEL and ("dynamodb:ListStreams", "*") in expected
        else set()
    )
    target = synth.one("AWS::Scheduler::Schedule", Name="contact-import-dev-sync-sweep")[1]["Properties"][
        "Target"
    ]
    ids = {
        "state-machine:IMPORT": f"state-machine:{import_id}",
        "state-machine:BULK": f"state-machine:{bulk_id}",
        "secret:KEYS": f"secret:{secret_id}",
        "queue:SYNC_DLQ": f"queue:{ref_id(target['DeadLetterConfig']['Arn'])}",
        "role:SCHEDULER": f"role:{ref_id(target['RoleArn'])}",
        "function:SYNC": f"function:{ref_id(target['Arn'])}",
        "queue:ENGAGEMENT_DLQ": f"queue:{_engagement_queue(synth)}",
        "queue:WEBHOOKS_DLQ": f"queue:{_webhooks_queue(synth)}",
    }
    return {(action, ids.get(resource, resource)) for action, resource in expected}


def _engagement_queue(synth: Synth) -> str | None:
    (rule,) = [
        r["Properties"]
        for r in synth.of_type("AWS::Events::Rule").values()
        if r["Properties"].get("EventPattern", {}).get("source") == ["email-engine"]
    ]
    return ref_id(rule["Targets"][0]["DeadLetterConfig"]["Arn"])


def _webhooks_queue(synth: Synth) -> str | None:
    (rule,) = [
        r["Properties"]
        for r in synth.of_type("AWS::Events::Rule").values()
        if "ScheduleExpression" in r["Properties"]
    ]
    return ref_id(rule["Targets"][0]["DeadLetterConfig"]["Arn"])


def test_the_api_passes_the_scheduler_role_to_eventbridge_scheduler_only(dev: Synth):
    role_id = ref_id(functions_by_name(dev)["Api"]["Properties"]["Role"])
    assert role_id
    passing = [s for s in statements_of_role(dev, role_id) if "iam:PassRole" in as_list(s["Action"])]
    assert len(passing) == 1
    assert passing[0]["Condition"] == PASSED_TO


def test_only_the_functions_that_use_the_keys_may_read_the_secret(dev: Synth):
    secret_id = next(k for k in dev.of_type("AWS::SecretsManager::Secret") if k.startswith("SecretsKeys"))
    (db_secret,) = dev.of_type("AWS::SecretsManager::SecretTargetAttachment")
    readers: dict[str, set[str | None]] = {secret_id: set(), db_secret: set()}
    for policy in dev.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if any(a.startswith("secretsmanager:") for a in as_list(statement["Action"])):
                assert as_list(statement["Action"]) == ["secretsmanager:GetSecretValue"]
                for resource in as_list(statement["Resource"]):
                    readers[ref_id(resource) or ""] |= {ref_id(r) for r in policy["Properties"]["Roles"]}
    functions = functions_by_name(dev)

    def roles(*names: str) -> set[str | None]:
        return {ref_id(functions[n]["Properties"]["Role"]) for n in names}

    # + Bulk: trigger_enrichment calls the provider
    assert readers[secret_id] == roles("Enrich", "Api", "Sync", "Webhooks", "Bulk")
    # the read model's cluster secret: exactly the functions that run Data API statements
    assert readers[db_secret] == roles(
        "Api", "Report", "Projector", "Migrate", "Maintenance", "Bulk", "Dedup", "Events", "Webhooks"
    )  # the last three: contact ids of the older format (functions/common/contact_ids.py)


@pytest.mark.parametrize("name", [spec.name for spec in FUNCTIONS])
def test_list_bucket_is_limited_to_the_prefix_the_function_checks(dev: Synth, name: str):
    role_id = ref_id(functions_by_name(dev)[name]["Properties"]["Role"])
    assert role_id
    listing = [s for s in statements_of_role(dev, role_id) if "s3:ListBucket" in as_list(s["Action"])]
    assert len(listing) == (1 if name in LISTED_PREFIXES else 0)
    for statement in listing:
        assert as_list(statement["Action"]) == ["s3:ListBucket"]
        assert statement["Condition"] == {"StringLike": {"s3:prefix": LISTED_PREFIXES[name]}}


def test_no_wildcard_actions_and_no_unscoped_resources_outside_xray_and_log_delivery(dev: Synth):
    unscoped_ok = {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        # Step Functions' CloudWatch Logs delivery (LoggingConfiguration) needs these on "*"
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
        # the projector's event source mapping: ListStreams has no resource-level permission
        "dynamodb:ListStreams",
    }
    for policy_id, policy in dev.of_type("AWS::IAM::Policy").items():
        if policy_id.startswith("CustomCDKBucketDeployment"):
            continue  # CDK's own copy of web/ into its bucket: its grants are CDK's (infra/constructs/web.py)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = as_list(statement["Action"])
            assert not any("*" in a for a in actions), (policy_id, actions)
            if "*" in as_list(statement["Resource"]):
                assert set(actions) <= unscoped_ok, (policy_id, actions)


def test_every_function_has_its_own_role_without_managed_policies(dev: Synth):
    roles = [ref_id(r["Properties"]["Role"]) for r in functions_by_name(dev).values()]
    assert len(set(roles)) == len(FUNCTIONS)
    for role_id in roles:
        assert role_id
        assert "ManagedPolicyArns" not in dev.resources[role_id]["Properties"]


@pytest.mark.parametrize(("machine", "manifests"), [("import", "imports"), ("bulk", "bulk")])
def test_each_state_machine_role_invokes_its_functions_reads_its_manifests_and_runs_its_map_children(
    dev: Synth, machine: str, manifests: str
):
    sm_id, sm = state_machine_of(dev, machine)
    name = sm["Properties"]["StateMachineName"]
    role_id = ref_id(sm["Properties"]["RoleArn"])
    assert role_id
    in_asl = {spec.handler for spec in FUNCTIONS if spec.substitution and spec.machine == machine}
    function_ids = {
        k for k, r in dev.of_type("AWS::Lambda::Function").items() if r["Properties"]["Handler"] in in_asl
    }
    executions = "arn:{Partition}:states:{Region}:{AccountId}:execution:"
    expected = (
        {("lambda:InvokeFunction", f"function:{f}") for f in function_ids}
        | {("s3:GetObject", f"objects:{manifests}/*/manifest.json")}
        | {("states:StartExecution", f"state-machine:{sm_id}")}
        | {(a, f"{executions}{name}:*") for a in ("states:DescribeExecution", "states:StopExecution")}
        | {
            (a, f"{executions}{name}/*")
            for a in ("states:DescribeExecution", "states:StopExecution", "states:RedriveExecution")
        }
    )
    scoped = {g for g in grants(dev, role_id) if g[1] != "*"}
    assert scoped == expected


def test_only_the_api_the_upload_trigger_the_sync_and_the_map_start_imports(dev: Synth):
    import_id, sm = state_machine_of(dev)
    bulk_id, bulk = state_machine_of(dev, "bulk")
    bulk_starters: set[str | None] = set()
    functions = functions_by_name(dev)
    allowed = {ref_id(functions[name]["Properties"]["Role"]) for name in ("Api", "UploadTrigger", "Sync")}
    allowed.add(ref_id(sm["Properties"]["RoleArn"]))  # Distributed Map children
    starters = set()
    for policy in dev.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "states:StartExecution" in as_list(statement["Action"]):
                roles = {ref_id(r) for r in policy["Properties"]["Roles"]}
                for resource in as_list(statement["Resource"]):
                    assert resource in ({"Ref": import_id}, {"Ref": bulk_id}), resource
                    (starters if resource == {"Ref": import_id} else bulk_starters).update(roles)
    assert starters == allowed
    # the bulk-operation machine: the Api (above 1,000 contacts) and its own Map children
    assert bulk_starters == {
        ref_id(functions["Api"]["Properties"]["Role"]),
        ref_id(bulk["Properties"]["RoleArn"]),
    }
