"""The projector: Contacts, Companies and GlobalContacts stream batches -> read model.

A batch is applied in one go (a handful of statements, whatever its size). If that fails, the
batch is applied again record by record through Powertools' BatchProcessor, so only the records
that still fail are reported (`batchItemFailures`) and retried by the event source mapping
(bisecting, then the dead-letter queue), while the rest are already projected.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from functions.common.models import Company, GlobalContact, table_name
from functions.common.observability import logger, metrics
from functions.query import audit, projector
from functions.query.db import Database, get_database
from functions.query.rows import (
    change_from_item,
    company_change_from_record,
    engagement_change_from_record,
    image,
    latest,
    latest_keyed,
)

_processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def database() -> Database:
    db = get_database()
    if db is None:
        raise RuntimeError("no read model configured (CI_PG_DSN, or CI_DB_CLUSTER_ARN and CI_DB_SECRET_ARN)")
    return db


def source_table(record: Mapping[str, Any]) -> str | None:
    """The table a stream record comes from, by its stream ARN (`...:table/<name>/stream/...`)."""
    _, _, rest = str(record.get("eventSourceARN") or "").partition(":table/")
    return rest.split("/", 1)[0] or None


def project_records(db: Database, records: Iterable[Mapping[str, Any]]) -> int:
    """Contacts records upsert or remove rows and append every record's audit entry (all of them,
    not only the latest); Companies records update their domains' rows; GlobalContacts records
    update their emails' engagement counters. Every statement is idempotent, so a batch that
    fails part-way is simply delivered again."""
    companies_table, people_table = table_name(Company), table_name(GlobalContact)
    contacts: list[Mapping[str, Any]] = []
    companies: list[Mapping[str, Any]] = []
    people: list[Mapping[str, Any]] = []
    for record in records:
        source = source_table(record)
        (companies if source == companies_table else people if source == people_table else contacts).append(
            record
        )
    items = [image(r) for r in contacts]  # each image decoded once, for the row and its audit entry
    changes = latest(change_from_item(r, i) for r, i in zip(contacts, items, strict=True))
    # the rows' upsert runs on a session of its own while the audit entries are built and appended
    # (neither reads what the other writes in this batch: an erasure's entries go after its appends)
    upserted = projector.start(db, changes)
    try:
        audit.record(db, contacts, items)
    finally:
        upserted.result()
    firms = latest_keyed(company_change_from_record(r) for r in companies)
    projector.apply_companies(db, firms)
    counters = latest_keyed(engagement_change_from_record(r) for r in people)
    projector.apply_engagement(db, counters)
    return len(changes) + len(firms) + len(counters)


def _oldest_age_s(records: list[Mapping[str, Any]]) -> float | None:
    stamps = [
        float(r["dynamodb"]["ApproximateCreationDateTime"])
        for r in records
        if isinstance((r.get("dynamodb") or {}).get("ApproximateCreationDateTime"), int | float)
    ]
    return max(0.0, time.time() - min(stamps)) if stamps else None


def handle(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    records = list(event.get("Records") or [])
    db = database()
    age = _oldest_age_s(records)
    try:
        project_records(db, records)
    except Exception:
        logger.exception("projecting the batch failed; retrying record by record")

        def one(record: DynamoDBRecord) -> None:
            project_records(db, [record.raw_event])

        return dict(
            process_partial_response(
                event=dict(event), record_handler=one, processor=_processor, context=context
            )
        )
    metrics.add_metric(name="ContactsProjected", unit=MetricUnit.Count, value=len(records))
    if age is not None:
        metrics.add_metric(name="ProjectionLagSeconds", unit=MetricUnit.Seconds, value=age)
    return {"batchItemFailures": []}
