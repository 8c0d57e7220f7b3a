"""DynamoDB table models: the single source of every table's keys and indexes.

The local runtime creates tables from these models and the CDK stack declares the same keys
(a test compares them). Table names come from settings: `bind_tables()` points every model
at its table and endpoint, once per process.

Hot-path reads and conditional writes go through the plain boto3 client (PartiQL batches);
the models are used for schema, admin reads and low-volume writes.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from functions.common.settings import Settings, get_settings


class _Base(Model):
    class Meta:
        abstract = True
        table_name = "unbound"
        region = "us-east-1"
        billing_mode = "PAY_PER_REQUEST"
        logical_name = ""  # each table's own name, e.g. "ImportJobs"; the prefix comes from settings
        host: str | None = None  # the engine endpoint on one machine; None on AWS


class GlobalContact(_Base):
    """Platform-wide record of a person, keyed on canonical email, with its one active ownership
    claim (`owner_*`, see `functions.common.ownership`): identity and claim are one item, so
    claiming a new email is one conditional write."""

    class Meta(_Base.Meta):
        logical_name = "GlobalContacts"
        # the read model copies the engagement counters onto contact rows from this stream
        stream_view_type = "NEW_AND_OLD_IMAGES"

    email = UnicodeAttribute(hash_key=True)
    total_sent = NumberAttribute(default=0)
    total_responses = NumberAttribute(default=0)
    response_rate = NumberAttribute(default=0)
    bounce_status = UnicodeAttribute(null=True)
    company_domain = UnicodeAttribute(null=True)
    first_seen_at = UnicodeAttribute(null=True)
    first_seen_job = UnicodeAttribute(null=True)
    owner_client_id = UnicodeAttribute(null=True)
    owner_workspace_id = UnicodeAttribute(null=True)
    owner_priority = NumberAttribute(null=True)
    owner_assigned_at = UnicodeAttribute(null=True)
    owner_expires_at = UnicodeAttribute(null=True)
    owner_job_id = UnicodeAttribute(null=True)
    # moved only by engagement events (functions/events), through UpdateItem on these attributes
    last_sent_at = UnicodeAttribute(null=True)
    last_engaged_at = UnicodeAttribute(null=True)


class ClientAssignment(_Base):
    """Earlier owners of an email (`sk` `HIST#<assigned_at>#<client>`), written when a claim is
    taken over or released; the active claim is on the GlobalContact."""

    class Meta(_Base.Meta):
        logical_name = "ClientAssignments"

    email = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    client_id = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    priority = NumberAttribute(default=0)
    assigned_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    job_id = UnicodeAttribute(null=True)
    released_at = UnicodeAttribute(null=True)


class Contact(_Base):
    """A workspace's contact; unique per (workspace, canonical email) by its key."""

    class Meta(_Base.Meta):
        logical_name = "Contacts"
        # the read model (functions/query) is projected from this stream
        stream_view_type = "NEW_AND_OLD_IMAGES"

    workspace_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(range_key=True)
    contact_id = UnicodeAttribute()
    fields = MapAttribute[str, Any](default=dict)
    custom_fields = MapAttribute[str, Any](default=dict)
    tags = ListAttribute[str](default=list)
    company_domain = UnicodeAttribute(null=True)
    client_id = UnicodeAttribute(null=True)
    dnt = BooleanAttribute(default=False)
    icp_tier = UnicodeAttribute(null=True)
    lead_score = NumberAttribute(null=True)
    grade = UnicodeAttribute(null=True)
    score_breakdown = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by_job = UnicodeAttribute(null=True)
    last_job = UnicodeAttribute(null=True)
    version = NumberAttribute(default=1)
    is_deleted = BooleanAttribute(default=False)
    deleted_at = UnicodeAttribute(null=True)
    deletion_reason = UnicodeAttribute(null=True)
    # who made the last write and through what (functions.common.audit): the audit log's source
    changed_by = UnicodeAttribute(null=True)
    change_source = UnicodeAttribute(null=True)
    moved_to = UnicodeAttribute(null=True)
    moved_from = UnicodeAttribute(null=True)
    # no index on contact_id: an id yields its table key (functions.common.contact_ids)


class Company(_Base):
    """Firmographics of a company, platform-wide by registrable domain."""

    class Meta(_Base.Meta):
        logical_name = "Companies"
        # the read model carries firmographics to contacts: its projector follows this stream too
        stream_view_type = "NEW_AND_OLD_IMAGES"

    domain = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(null=True)
    industry = UnicodeAttribute(null=True)
    employee_count = NumberAttribute(null=True)
    revenue_band = UnicodeAttribute(null=True)
    tech_stack = ListAttribute[str](null=True)
    updated_at = UnicodeAttribute(null=True)
    changed_by = UnicodeAttribute(null=True)  # the last edit's actor (functions.common.audit)
    change_source = UnicodeAttribute(null=True)


class CompanyName(_Base):
    """The name -> domain index for company resolution (`functions.common.company_index`).

    `b#<first word>` holds `<normalised name>\t<domain>` entries (`entries`): exact names and
    the candidates for a near spelling; once a block is full, `n#<normalised name>` holds the
    domains carrying that name (`domains`). Written when a Company is created or renamed, read
    in batches per chunk.
    """

    class Meta(_Base.Meta):
        logical_name = "CompanyNames"

    name_key = UnicodeAttribute(hash_key=True)


class JobsByWorkspaceIndex(GlobalSecondaryIndex["ImportJob"]):
    """A workspace's jobs, newest first, over `JOB_SHARDS` partitions (`{workspace}#{n}`, n from
    the job id) so that no partition key is a workspace alone; readers merge the shards and
    get the items themselves. Only `status` is projected (a listing filtered by status), so
    an update of a job touches the index only when its status changes."""

    class Meta:
        index_name = "by_workspace_shard"
        projection = IncludeProjection(["status"])

    workspace_shard = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ImportJob(_Base):
    class Meta(_Base.Meta):
        logical_name = "ImportJobs"

    job_id = UnicodeAttribute(hash_key=True)
    workspace_id = UnicodeAttribute()
    source = UnicodeAttribute(default="csv")
    status = UnicodeAttribute()
    stage = UnicodeAttribute()
    stages = ListAttribute[MapAttribute[str, Any]](default=list)
    options = JSONAttribute(default=dict)
    counters = JSONAttribute(default=dict)
    warnings = ListAttribute[str](default=list)
    # how Intake mapped the file's columns (header, samples, target, how, confidence)
    column_map = JSONAttribute(null=True)
    error = UnicodeAttribute(null=True)
    input_key = UnicodeAttribute(null=True)
    results_key = UnicodeAttribute(null=True)
    errors_key = UnicodeAttribute(null=True)
    chunk_count = NumberAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    workspace_shard = UnicodeAttribute(null=True)  # functions.common.jobs.shard_key

    by_workspace_shard = JobsByWorkspaceIndex()


class Suppression(_Base):
    """`scope` is a workspace id or `GLOBAL`; `value` is an email or `@domain`."""

    class Meta(_Base.Meta):
        logical_name = "Suppressions"

    scope = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute(range_key=True)
    reason = UnicodeAttribute()
    created_at = UnicodeAttribute()
    source = UnicodeAttribute(null=True)  # what added it, e.g. `event:<event id>` (audit)


class EngagementEvent(_Base):
    """One engagement event, immutable: a contact's timeline is one partition, newest last.

    `pk` is `{workspace_id}#{email}` (the contact's identity in a workspace); `sk` is
    `{occurred_at}#{event_id}`, so a Query with ScanIndexForward=False reads the timeline newest
    first, and the conditional put on the key applies an event id once.
    """

    class Meta(_Base.Meta):
        logical_name = "EngagementEvents"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    workspace_id = UnicodeAttribute()
    email = UnicodeAttribute()
    occurred_at = UnicodeAttribute()
    received_at = UnicodeAttribute()
    contact_id = UnicodeAttribute(null=True)
    campaign_id = UnicodeAttribute(null=True)
    sequence_id = UnicodeAttribute(null=True)
    data = JSONAttribute(null=True)  # the engine's type-specific data, as JSON text


class DueDeliveriesIndex(GlobalSecondaryIndex["WebhookDelivery"]):
    """Sparse: only items still waiting carry `queue`, so the worker reads exactly what is due."""

    class Meta:
        index_name = "due"
        projection = AllProjection()

    queue = UnicodeAttribute(hash_key=True)
    next_attempt_at = UnicodeAttribute(range_key=True)


class WebhookDelivery(_Base):
    """The outbound webhook outbox and delivery log in one table.

    A delivery: `subscription_id` / `delivery_id` (time-ordered, so a Query lists the newest
    first), the exact body sent, every attempt, and a status (pending, delivered, dead_lettered).
    An import's events are queued by one marker item (`subscription_id` `JOB`, `delivery_id` the
    job id) that the delivery worker expands after commit, so the import itself writes one item.
    """

    class Meta(_Base.Meta):
        logical_name = "WebhookDeliveries"

    subscription_id = UnicodeAttribute(hash_key=True)
    delivery_id = UnicodeAttribute(range_key=True)
    workspace_id = UnicodeAttribute()
    status = UnicodeAttribute()
    queue = UnicodeAttribute(null=True)
    next_attempt_at = UnicodeAttribute(null=True)
    due = DueDeliveriesIndex()


class EnrichmentCacheEntry(_Base):
    class Meta(_Base.Meta):
        logical_name = "EnrichmentCache"
        ttl_attribute = "expires_at_epoch"

    email_hash = UnicodeAttribute(hash_key=True)
    provider = UnicodeAttribute()
    status = UnicodeAttribute()
    payload = JSONAttribute(null=True)
    fetched_at = UnicodeAttribute()
    expires_at_epoch = NumberAttribute()


class ConfigItem(_Base):
    """Workspace configuration: ICP rules, scoring model, mappings, custom fields, keys, watermarks.

    `pk` is the workspace id (or `APIKEY#<hash>` for API key look-ups); `sk` names the item.
    """

    class Meta(_Base.Meta):
        logical_name = "Config"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    doc = JSONAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)


class IdempotencyRecord(_Base):
    """The table Powertools idempotency writes to (its default attribute names)."""

    class Meta(_Base.Meta):
        logical_name = "Idempotency"
        ttl_attribute = "expiration"

    id = UnicodeAttribute(hash_key=True)
    expiration = NumberAttribute(null=True)


ALL_MODELS: tuple[type[_Base], ...] = (
    GlobalContact,
    ClientAssignment,
    Contact,
    Company,
    CompanyName,
    ImportJob,
    Suppression,
    EngagementEvent,
    WebhookDelivery,
    EnrichmentCacheEntry,
    ConfigItem,
    IdempotencyRecord,
)


def bind_tables(settings: Settings | None = None, host: str | None = None) -> None:
    """Point every model at its table name (from settings) and, locally, the engine endpoint."""
    settings = settings or get_settings()
    for model in ALL_MODELS:
        model.Meta.table_name = settings.table_name(model.Meta.logical_name)
        model.Meta.region = settings.region
        model.Meta.host = host
        model._connection = None


def table_name(model: type[_Base]) -> str:
    return get_settings().table_name(model.Meta.logical_name)


def key_schema(model: type[_Base]) -> dict[str, Any]:
    """Keys, attribute types, indexes and TTL of a model, in CreateTable vocabulary."""
    schema = model._get_schema()
    out: dict[str, Any] = {
        "KeySchema": _hash_first(schema["key_schema"]),
        "AttributeDefinitions": sorted(schema["attribute_definitions"], key=lambda a: a["AttributeName"]),
        "GlobalSecondaryIndexes": [
            {
                "IndexName": i["index_name"],
                "KeySchema": _hash_first(i["key_schema"]),
                "Projection": i["projection"],
            }
            for i in schema.get("global_secondary_indexes", [])
        ],
        "TimeToLiveAttribute": getattr(model.Meta, "ttl_attribute", None),
        "StreamViewType": getattr(model.Meta, "stream_view_type", None),
    }
    return out


def _hash_first(keys: list[Any]) -> list[Any]:
    return sorted(keys, key=lambda k: k["KeyType"] != "HASH")


# Bound once at import from the environment (on AWS: CI_TABLE_PREFIX, CI_REGION); the local
# runtime binds again with its engine's endpoint.
bind_tables()
