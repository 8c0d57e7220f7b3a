"""What each Lambda function may touch, keyed by its name in `functions.registry.FUNCTIONS`.

This table is the one place to say what a new function needs: a registry entry without a row
here stops synthesis. Each grant names the table (by its model's logical name) or the bucket
prefix and the exact actions the code calls, nothing wider. Read from the code:

- Intake: streams the upload (`uploads/`), writes and re-reads chunk files, the header and the
  manifest under `imports/{job}/`, deletes them when it rejects a file, checks whether the
  manifest exists, and creates/advances/rejects the ImportJob.
- Every per-chunk stage (Dedup, Suppress, Enrich, Score, Commit) checks whether its output
  exists, reads the previous stage's chunk file and writes its own under `imports/`, and reads
  the job; all but Commit also advance the job's visible stage.
- Dedup: batch-reads Contacts and GlobalContacts (which carry the ownership claims) and the
  CompanyNames index (a company name without a domain); an `update` import looks contacts up by
  id: the id carries its key (`functions.common.contact_ids`), an id of the older format is
  resolved through the read model, then they are batch-read.
- Suppress: batch-reads Suppressions.
- Enrich: reserves its share of the import's call limit with a conditional UpdateItem on the
  job, reads and writes EnrichmentCache in batches, reads the workspace's provider key
  (Config) and re-checks domain suppressions (Suppressions) for domains it learnt.
- Score: reads the workspace's ICP rules and scoring model (Config) and batch-reads Companies;
  queries the timeline (EngagementEvents) of a stored contact whose re-scoring digest cannot be
  used (over 200 events, or a changed model), so a re-import keeps its engagement points.
- Commit: claims emails on their GlobalContacts (INSERT of a new one with its claim, or a
  conditional UPDATE taking over) and writes Contacts with conditional PartiQL INSERT/UPDATE
  after batch-reading them; inserts the owner a takeover replaced into the ClientAssignments
  history, and Companies that do not exist yet, whose names it files in CompanyNames (a
  BatchGetItem of the keys, PartiQL INSERT of new ones, UPDATE with set_add of the others).
- Report: reads the header, manifest and chunk files, writes `reports/`, completes the job and
  publishes the completion event.
- Fail: reads the job and marks it failed.
- Commit also batch-writes Companies: fresh firmographics Enrich found replace the stored ones
  (`ensure_globals` -> `ddb.batch_put`).
- UploadTrigger (`functions/api/trigger.py`): reads the job an upload belongs to and starts the
  import state machine, named after the job.
- Authorizer (`functions/api/authorizer.py`): one consistent GetItem of the API key's Config item.
- Api (`functions/api/`), by table:
  - Contacts: GetItem/UpdateItem a contact, DeleteItem it (hard delete, in a transaction),
    Query the table (workspace listing sorted in memory, search), and what creating through the stages needs (BatchGetItem, PartiQL INSERT/UPDATE).
  - GlobalContacts: BatchGetItem and PartiQL INSERT/UPDATE (dedup and claims), GetItem (the
    active claim), UpdateItem (release and hard delete remove the claim).
  - Companies: BatchGetItem (dedup, views, rescoring), PartiQL INSERT (commit).
    No BatchWriteItem: the API never runs Enrich, so it has no firmographics to batch-write.
  - EnrichmentCache: BatchGetItem only (preview projects the provider calls an import would make).
  - ClientAssignments (the history): PartiQL INSERT (a takeover's previous owner), Query,
    PutItem (release writes the history item in a transaction with the claim's removal, which
    IAM authorizes per item action), DeleteItem (hard delete erases the workspace's history).
  - ImportJobs: create (conditional PutItem), GetItem, UpdateItem (resume), Query
    `by_workspace_shard` and BatchGetItem (the listing reads the items the index names).
  - Suppressions: GetItem, BatchGetItem (suppress stage), PutItem, DeleteItem, Query.
  - Config: GetItem/PutItem/UpdateItem/DeleteItem/Query (documents, field mappings, custom
    fields with their counter in transactions, the retention log).
  - Idempotency: what Powertools' DynamoDB persistence layer calls (Get/Put/Update/Delete).
  - S3: signs presigned POSTs to `uploads/` and writes webhook batches there (PutObject), checks
    and streams an upload for preview/resume (GetObject, HeadObject), signs report GETs
    (GetObject on `reports/`), lists `imports/{job}/chunks/` for progress; never reads chunks.
  - starts the import state machine (`resume`), like the trigger.
  - reads the keys secret: the connection routes encrypt CRM tokens under the master keys (and
    provider keys stored through `admin.set_provider_key` are encrypted the same way).
  - creates, updates and deletes the per-connection sync schedules (`/api/v1/connections`,
    `functions/sync/schedules.py`), which run as the scheduler role it passes to EventBridge
    Scheduler.
  - hands a "run now" (`POST /api/v1/connections/{id}/run`) to the Sync function as an
    asynchronous invoke (`service.request_run`): a first sync can outlast an API request.
- Enrich also reads the keys secret: provider keys are Fernet tokens under the master keys, and
  the platform's own provider keys are in it.
- Sync (`functions/sync/handler.py`, `service.py`, `connections.py`), by resource:
  - Config: GetItem a connection (consistent) and the import's field mapping, PutItem it back
    (conditional on its version: no UpdateItem), PutItem/DeleteItem the run lock (conditional),
    Scan for the connections with a pending batch (the sweep; connections of every workspace).
  - ImportJobs: create the sync's job (conditional PutItem), GetItem it (settling the pending
    batch, the `ImportJob Completed` event), UpdateItem to fail one whose file never arrived.
  - S3: PutObject the sync's CSV under `uploads/{workspace}/{job}/` after checking it is not
    there yet (HeadObject: GetObject, plus ListBucket on `uploads/` for the 404).
  - starts the import execution; reads the keys secret (CRM tokens are Fernet tokens under the
    master keys). It calls the CRMs over the internet (no VPC).

- Events (`functions/events/`: ingest, counters, suppressions, re-scoring), by table:
  - EngagementEvents: PartiQL INSERT (events that move no counter), PutItem inside
    TransactWriteItems (counted events), BatchGetItem (which events of a cancelled transaction
    exist), Query (a contact's timeline, read to re-score).
  - GlobalContacts: UpdateItem inside the same transaction (ADD the counters), BatchGetItem,
    PartiQL INSERT/UPDATE (max-wins times, bounce, response rate under a guard).
  - Suppressions: PartiQL INSERT (create-only suppressions from bounces and opt-outs).
  - Contacts: BatchGetItem (events named by contact id: the id carries the key; an older id is
    resolved through the read model), PartiQL UPDATE
    (the new score, conditioned on the version).
  - Companies: BatchGetItem; Config: GetItem (the workspace's ICP rules and scoring model),
    Query (its webhook subscriptions).
  - WebhookDeliveries: BatchWriteItem (`contact.scored` for contacts whose score or grade moved).
- Api does the same for `POST /api/v1/engagement-events`, reads the timeline (Query) and erases
  it on a GDPR hard delete (Query + BatchWriteItem).

- Webhooks (`functions/events/delivery.py`): expands an import's outbox marker (GetItem the
  job, reads the manifest, intake and commit chunk files and checks the enrich ones), reads the
  contacts (BatchGetItem; the read model for an older id without an email) with their
  Companies and GlobalContacts, lists the workspace's subscriptions (Config Query, GetItem),
  batch-writes deliveries (a workflow hand-off first reads Suppressions: BatchGetItem), reads the `due` index and claims/records each delivery (UpdateItem);
  decrypts subscription secrets with the master keys (the keys secret). Report writes the
  marker (PutItem) after a Config Query; the Api lists deliveries (Query) and replays one
  (GetItem + UpdateItem).

- Api, issue 14: merge and its undo Put whole Contacts items in a transaction (PutItem), an
  email change puts the moved item and deletes the old one (PutItem, DeleteItem) and creates
  the new email's GlobalContact (PutItem); company edits read and update a Company (GetItem,
  UpdateItem); the retention run reads timelines (Query).
- Maintenance (`functions/maintenance/`, daily): lists the retention policies (Config Query),
  reads the read model (candidates, audit TTL), each candidate's timeline (EngagementEvents
  Query), the contact (GetItem; its id carries its key) and soft-deletes it (UpdateItem),
  shows it as webhooks do (Companies, GlobalContacts BatchGetItem) and queues its
  `contact.deleted` event (Config Query for subscriptions, WebhookDeliveries BatchWriteItem).

The keys secret (`read_secrets`): secretsmanager:GetSecretValue on the stage's secret and
`CI_SECRETS_ARN`, for the functions that read `Settings.master_keys` / `platform_keys`
(`functions/common/secrets.py`). The sync schedules (`manage_sync_schedules`) and invoking the
Sync function (`run_syncs`): see infra/constructs/sync.py.

HeadObject on a missing key answers 403 instead of 404 without s3:ListBucket, and the
checkpoint logic (`s3.exists`) needs the 404; so the functions that check existence get
ListBucket, limited by an `s3:prefix` condition to the prefix they check.
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.common.models import ALL_MODELS, key_schema
from functions.registry import FUNCTIONS, FunctionSpec


@dataclass(frozen=True)
class TableGrant:
    table: str  # a model's Meta.logical_name
    actions: tuple[str, ...]
    index: str | None = None  # a GSI of that table: the grant is on the index, not the table


@dataclass(frozen=True)
class ObjectGrant:
    prefix: str  # a key prefix in the upload/report bucket, ending in "/"
    actions: tuple[str, ...]


@dataclass(frozen=True)
class FunctionAccess:
    tables: tuple[TableGrant, ...] = ()
    objects: tuple[ObjectGrant, ...] = ()
    list_prefixes: tuple[str, ...] = ()  # s3:ListBucket, conditioned on s3:prefix
    publish_events: bool = False  # events:PutEvents on the pipeline's event bus
    start_import: bool = False  # states:StartExecution on the import state machine (CI_STATE_MACHINE_ARN)
    # states:StartExecution on the bulk-operation state machine (CI_BULK_STATE_MACHINE_ARN)
    start_bulk: bool = False
    read_secrets: bool = False  # secretsmanager:GetSecretValue on the stage's keys secret (CI_SECRETS_ARN)
    # scheduler:*Schedule in the stage's sync schedule group and iam:PassRole of the scheduler role
    manage_sync_schedules: bool = False
    run_syncs: bool = False  # lambda:InvokeFunction on the Sync function (CI_SYNC_FUNCTION_ARN)
    # rds-data:ExecuteStatement on the read model's cluster and GetSecretValue on its secret
    # (CI_DB_CLUSTER_ARN, CI_DB_SECRET_ARN): infra/constructs/read_model.py
    read_model: bool = False


GET_ITEM = ("dynamodb:GetItem",)
BATCH_GET = ("dynamodb:BatchGetItem",)
QUERY = ("dynamodb:Query",)
JOB_CREATE = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
JOB_UPDATE = ("dynamodb:GetItem", "dynamodb:UpdateItem")
# conditional PartiQL INSERT/UPDATE through BatchExecuteStatement, after a BatchGetItem
CONDITIONAL_WRITE = ("dynamodb:BatchGetItem", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate")
INSERT_ONCE = ("dynamodb:BatchGetItem", "dynamodb:PartiQLInsert")
HISTORY_INSERT = ("dynamodb:PartiQLInsert",)
# the company name index (functions/common/company_index.py): which keys exist, INSERT a new
# one, set_add to the others
NAME_INDEX_WRITE = ("dynamodb:BatchGetItem", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate")
# single-item reads and writes; a TransactWriteItems is authorized by its items' Put/Update/Delete
ITEM_CRUD = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
# engagement ingest (functions/events/store.py): see the module docstring
EVENT_WRITES = ("dynamodb:PartiQLInsert", "dynamodb:PutItem", "dynamodb:BatchGetItem", "dynamodb:Query")
COUNTER_WRITES = (
    "dynamodb:UpdateItem",
    "dynamodb:BatchGetItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
)

READ = ("s3:GetObject",)
WRITE = ("s3:PutObject",)
READ_WRITE = ("s3:GetObject", "s3:PutObject")
# upload_fileobj switches to multipart above 8 MiB; an abandoned upload must be abortable
WRITE_LARGE = ("s3:PutObject", "s3:AbortMultipartUpload")

UPLOADS = "uploads/"
IMPORTS = "imports/"
REPORTS = "reports/"
BULK = "bulk/"  # bulk operations: chunk targets, operation logs, checkpoints, exports

FUNCTION_ACCESS: dict[str, FunctionAccess] = {
    "Intake": FunctionAccess(
        tables=(TableGrant("ImportJobs", JOB_CREATE),),
        objects=(
            ObjectGrant(UPLOADS, READ),
            ObjectGrant(IMPORTS, ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")),
        ),
        list_prefixes=(IMPORTS,),
    ),
    "Dedup": FunctionAccess(
        tables=(
            TableGrant("ImportJobs", JOB_UPDATE),
            TableGrant("Contacts", BATCH_GET),
            TableGrant("GlobalContacts", BATCH_GET),
            TableGrant("CompanyNames", BATCH_GET),
        ),
        objects=(ObjectGrant(IMPORTS, READ_WRITE),),
        list_prefixes=(IMPORTS,),
        read_model=True,  # an `update` by a contact id of the older format (no key in it)
    ),
    "Suppress": FunctionAccess(
        tables=(TableGrant("ImportJobs", JOB_UPDATE), TableGrant("Suppressions", BATCH_GET)),
        objects=(ObjectGrant(IMPORTS, READ_WRITE),),
        list_prefixes=(IMPORTS,),
    ),
    "Enrich": FunctionAccess(
        tables=(
            TableGrant("ImportJobs", JOB_UPDATE),
            TableGrant("EnrichmentCache", ("dynamodb:BatchGetItem", "dynamodb:BatchWriteItem")),
            TableGrant("Config", GET_ITEM),
            TableGrant("Suppressions", BATCH_GET),
        ),
        objects=(ObjectGrant(IMPORTS, READ_WRITE),),
        list_prefixes=(IMPORTS,),
        read_secrets=True,
    ),
    "Score": FunctionAccess(
        tables=(
            TableGrant("ImportJobs", JOB_UPDATE),
            TableGrant("Config", GET_ITEM),
            TableGrant("Companies", BATCH_GET),
            TableGrant("EngagementEvents", QUERY),
        ),
        objects=(ObjectGrant(IMPORTS, READ_WRITE),),
        list_prefixes=(IMPORTS,),
    ),
    "Commit": FunctionAccess(
        tables=(
            TableGrant("ImportJobs", GET_ITEM),
            TableGrant("ClientAssignments", HISTORY_INSERT),
            TableGrant("Contacts", CONDITIONAL_WRITE),
            TableGrant("GlobalContacts", CONDITIONAL_WRITE),
            TableGrant("Companies", (*INSERT_ONCE, "dynamodb:BatchWriteItem")),
            TableGrant("CompanyNames", NAME_INDEX_WRITE),
        ),
        objects=(ObjectGrant(IMPORTS, READ_WRITE),),
        list_prefixes=(IMPORTS,),
    ),
    "Report": FunctionAccess(
        tables=(
            TableGrant("ImportJobs", JOB_UPDATE),
            # after commit: is there a webhook subscription (Query), then one outbox marker
            TableGrant("Config", QUERY),
            TableGrant("WebhookDeliveries", ("dynamodb:PutItem",)),
        ),
        objects=(ObjectGrant(IMPORTS, READ), ObjectGrant(REPORTS, WRITE_LARGE)),
        publish_events=True,
        read_model=True,  # waits until the job's contacts are visible before completing it
    ),
    # the Contacts stream (its event source mapping grants the stream reads) -> the read model;
    # firmographics from Companies for the company.* columns
    "Projector": FunctionAccess(tables=(TableGrant("Companies", BATCH_GET),), read_model=True),
    # the read model's schema migrations, as a CloudFormation custom resource
    "Migrate": FunctionAccess(read_model=True),
    "Fail": FunctionAccess(tables=(TableGrant("ImportJobs", JOB_UPDATE),)),
    # infra/constructs/trigger.py makes it the upload rule's target
    "UploadTrigger": FunctionAccess(tables=(TableGrant("ImportJobs", GET_ITEM),), start_import=True),
    "Authorizer": FunctionAccess(tables=(TableGrant("Config", GET_ITEM),)),
    "Api": FunctionAccess(
        tables=(
            TableGrant(
                "Contacts",
                (
                    "dynamodb:GetItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                    *CONDITIONAL_WRITE,
                    "dynamodb:PutItem",  # merge, undo, email change (whole items, transactions)
                ),
            ),
            TableGrant(
                "GlobalContacts",
                (*CONDITIONAL_WRITE, "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"),
            ),
            TableGrant("Companies", (*INSERT_ONCE, "dynamodb:GetItem", "dynamodb:UpdateItem")),
            # resolves company names in dedup, files new companies' names in commit
            TableGrant("CompanyNames", NAME_INDEX_WRITE),
            # + BatchWriteItem: a GDPR hard delete erases the contact's timeline
            TableGrant("EngagementEvents", (*EVENT_WRITES, "dynamodb:BatchWriteItem")),
            TableGrant(
                "ClientAssignments",
                (*HISTORY_INSERT, "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"),
            ),
            TableGrant("ImportJobs", JOB_CREATE),
            TableGrant("ImportJobs", QUERY, index="by_workspace_shard"),
            TableGrant("ImportJobs", ("dynamodb:BatchGetItem",)),
            TableGrant(
                "Suppressions",
                (
                    "dynamodb:GetItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:PutItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                    "dynamodb:PartiQLInsert",
                ),
            ),
            TableGrant("Config", (*ITEM_CRUD, "dynamodb:Query")),
            # a subscription's deliveries (Query), a redelivery (GetItem + UpdateItem)
            # + BatchWriteItem: a PATCH or DELETE of a contact queues its webhook event
            TableGrant(
                "WebhookDeliveries",
                ("dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"),
            ),
            TableGrant("Idempotency", ITEM_CRUD),
            # preview projects enrichment calls: which rows have a fresh cache entry
            TableGrant("EnrichmentCache", ("dynamodb:BatchGetItem",)),
        ),
        objects=(ObjectGrant(UPLOADS, READ_WRITE), ObjectGrant(REPORTS, READ), ObjectGrant(BULK, READ_WRITE)),
        # imports/: progress lists a job's committed chunks; uploads/: resume/preview HeadObject;
        # bulk/: bulk operations of up to 1,000 contacts run in the request (checkpoints)
        list_prefixes=(IMPORTS, UPLOADS, BULK),
        start_import=True,
        start_bulk=True,
        read_secrets=True,
        manage_sync_schedules=True,
        run_syncs=True,
        read_model=True,  # list, search, counts and segments
    ),
    "Events": FunctionAccess(
        tables=(
            TableGrant("EngagementEvents", EVENT_WRITES),
            TableGrant("GlobalContacts", COUNTER_WRITES),
            TableGrant("Suppressions", ("dynamodb:PartiQLInsert",)),
            TableGrant("Contacts", ("dynamodb:BatchGetItem", "dynamodb:PartiQLUpdate")),
            TableGrant("Companies", BATCH_GET),
            # + Query: the workspace's subscriptions; a re-score that moves a score or grade
            # queues contact.scored deliveries (BatchWriteItem)
            TableGrant("Config", ("dynamodb:GetItem", "dynamodb:Query")),
            TableGrant("WebhookDeliveries", ("dynamodb:BatchWriteItem",)),
        ),
        read_model=True,  # events naming a contact id of the older format (no key in it)
    ),
    "Webhooks": FunctionAccess(
        tables=(
            TableGrant("WebhookDeliveries", ("dynamodb:UpdateItem", "dynamodb:BatchWriteItem")),
            TableGrant("WebhookDeliveries", QUERY, index="due"),
            TableGrant("Config", ("dynamodb:GetItem", "dynamodb:Query")),
            TableGrant("ImportJobs", GET_ITEM),
            TableGrant("Contacts", BATCH_GET),
            TableGrant("GlobalContacts", BATCH_GET),
            TableGrant("Companies", BATCH_GET),
            # a workflow hand-off skips suppressed contacts (functions/events/enrollment.py)
            TableGrant("Suppressions", BATCH_GET),
        ),
        objects=(ObjectGrant(IMPORTS, READ),),
        list_prefixes=(IMPORTS,),
        read_secrets=True,
        read_model=True,  # contacts named by an id of the older format (no key in it)
    ),
    "Maintenance": FunctionAccess(
        tables=(
            TableGrant("Config", ("dynamodb:GetItem", "dynamodb:Query")),
            TableGrant("Contacts", ("dynamodb:GetItem", "dynamodb:UpdateItem")),
            TableGrant("EngagementEvents", QUERY),
            TableGrant("Companies", BATCH_GET),
            TableGrant("GlobalContacts", BATCH_GET),
            TableGrant("WebhookDeliveries", ("dynamodb:BatchWriteItem",)),
        ),
        read_model=True,
    ),
    # the bulk-operation state machine's steps: read the chunk's contacts, write them conditionally
    "Bulk": FunctionAccess(
        tables=(
            # + DeleteItem: an import rollback purges the contacts it created
            TableGrant(
                "Contacts",
                ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
            ),
            # the operation record; a purge's retention log entry (PutItem); webhook subscriptions;
            # static segment members (add/remove_from_segment, BatchGetItem/PutItem/DeleteItem;
            # a purge's BatchWriteItem takes the contact out of them)
            TableGrant(
                "Config",
                (
                    "dynamodb:GetItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:Query",
                    "dynamodb:PutItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:BatchWriteItem",
                ),
            ),
            # trigger_enrichment: the enrich-later path (cache, re-scored conditional writes,
            # fresh firmographics batch-written)
            TableGrant("EnrichmentCache", ("dynamodb:BatchGetItem", "dynamodb:BatchWriteItem")),
            TableGrant("Contacts", ("dynamodb:PartiQLUpdate",)),
            TableGrant("Companies", ("dynamodb:BatchWriteItem",)),
            # trigger_scoring: engagement history and firmographics, as the import's scoring reads them;
            # a rollback releases the claims the import made (UpdateItem)
            TableGrant("GlobalContacts", ("dynamodb:BatchGetItem", "dynamodb:UpdateItem")),
            TableGrant("Companies", BATCH_GET),
            # a purge erases the workspace's ownership history and the contact's timeline
            TableGrant("ClientAssignments", ("dynamodb:Query", "dynamodb:DeleteItem")),
            TableGrant("EngagementEvents", ("dynamodb:Query", "dynamodb:BatchWriteItem")),
            TableGrant("WebhookDeliveries", ("dynamodb:BatchWriteItem",)),
            TableGrant("ImportJobs", JOB_UPDATE),
            # add_to_suppression and its undo
            TableGrant(
                "Suppressions",
                ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"),
            ),
        ),
        objects=(ObjectGrant(BULK, READ_WRITE),),
        list_prefixes=(BULK,),
        # a purge takes the contact out of static segments; an id of the older format resolves
        # there; segment membership is written through to it
        read_model=True,
        read_secrets=True,  # trigger_enrichment: the provider keys
    ),
    "Sync": FunctionAccess(
        tables=(
            TableGrant(
                "Config",
                ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Scan"),
            ),
            TableGrant("ImportJobs", JOB_CREATE),
        ),
        objects=(ObjectGrant(UPLOADS, READ_WRITE),),
        list_prefixes=(UPLOADS,),
        start_import=True,
        read_secrets=True,
    ),
}


class MissingFunctionAccess(RuntimeError):
    """A registry function has no row in FUNCTION_ACCESS (or a row names an unknown table)."""


def access_for(name: str) -> FunctionAccess:
    try:
        return FUNCTION_ACCESS[name]
    except KeyError:
        raise MissingFunctionAccess(
            f"functions.registry declares {name!r} but infra/access.py FUNCTION_ACCESS has no entry for it: "
            "add one listing the tables, bucket prefixes and actions the function uses"
        ) from None


def check_access_table(specs: tuple[FunctionSpec, ...] = FUNCTIONS) -> None:
    """Fail synthesis loudly when the table and the registry or the models disagree."""
    registered = {spec.name for spec in specs}
    missing = sorted(registered - FUNCTION_ACCESS.keys())
    if missing:
        raise MissingFunctionAccess(
            f"no FUNCTION_ACCESS entry in infra/access.py for registry function(s) {missing}: "
            "add one listing the tables, bucket prefixes and actions each uses"
        )
    indexes = {
        model.Meta.logical_name: {i["IndexName"] for i in key_schema(model)["GlobalSecondaryIndexes"]}
        for model in ALL_MODELS
    }
    for name, access in FUNCTION_ACCESS.items():
        for grant in access.tables:
            if grant.table not in indexes:
                raise MissingFunctionAccess(f"FUNCTION_ACCESS[{name!r}] names unknown table {grant.table!r}")
            if grant.index is not None and grant.index not in indexes[grant.table]:
                raise MissingFunctionAccess(
                    f"FUNCTION_ACCESS[{name!r}] names unknown index {grant.index!r} of {grant.table}"
                )
        for obj in access.objects:
            if not obj.prefix.endswith("/"):
                raise MissingFunctionAccess(
                    f"FUNCTION_ACCESS[{name!r}]: prefix {obj.prefix!r} must end in '/'"
                )
