"""Contact writes of the API: create and bulk create through the import stages, PATCH, tags,
soft delete / restore and GDPR hard delete.

Creation runs exactly the chunk chain an import runs (dedup -> suppress -> score -> commit) on
an in-memory list of rows, so ownership claims, suppression, scoring and merge rules are the
same whichever way a contact arrives.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from functions.api import companies
from functions.api.contact_rows import (
    WRITABLE_FIELDS,
    FieldError,
    canonical_fields,
    contact_row,
    mark_duplicates,
    typed_custom,
)
from functions.api.errors import BadRequest, Conflict, NotFound, Suppressed
from functions.common import audit, ddb, ownership
from functions.common.aws import client
from functions.common.canonical import canonical_email
from functions.common.contact_ids import without_email
from functions.common.contact_view import contact_object
from functions.common.context import JobContext
from functions.common.jobs import now_iso
from functions.common.models import ClientAssignment, ConfigItem, Contact, GlobalContact, table_name
from functions.common.rows import Row, RowResult, RowStatus, score_moved
from functions.dedup import store
from functions.dedup.commit import commit_rows, compact_breakdown
from functions.dedup.dedup import dedup_rows
from functions.dedup.merge import union_tags
from functions.events import delivery
from functions.events.rescore import contact_timeline
from functions.intake import custom_field_store
from functions.score.icp import build_profile
from functions.score.stage import score_rows, workspace_models
from functions.suppress.stage import suppress_rows


class ApiContext(JobContext):
    """A JobContext for an API request: no `import:<job>` tag, which would tag every contact
    created through the API with a one-off request id."""

    @property
    def import_tag(self) -> str:
        return ""


# --- reading ----------------------------------------------------------------------------------


def view(
    item: Mapping[str, Any],
    company: Mapping[str, Any] | None = None,
    person: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    doc = contact_object(dict(item), dict(company) if company else None)
    doc["deleted_at"] = item.get("deleted_at")
    doc["deletion_reason"] = item.get("deletion_reason")
    doc["engagement"] = engagement_counters(person)
    doc["score_breakdown"] = item.get("score_breakdown")
    return doc


def engagement_counters(person: Mapping[str, Any] | None) -> dict[str, Any]:
    """GlobalContact's engagement counters as the contact shows them."""
    p = person or {}
    return {
        "total_sent": int(p.get("total_sent") or 0),
        "total_responses": int(p.get("total_responses") or 0),
        "response_rate": float(p.get("response_rate") or 0),
        "bounce_status": p.get("bounce_status") or "none",
        "last_sent_at": p.get("last_sent_at"),
        "last_engaged_at": p.get("last_engaged_at"),
    }


def views(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    companies = store.companies(i["company_domain"] for i in items if i.get("company_domain"))
    people = store.global_contacts(i["email"] for i in items)
    return [view(i, companies.get(i.get("company_domain") or ""), people.get(i["email"])) for i in items]


def item_by_email(workspace_id: str, email: str) -> dict[str, Any] | None:
    resp = client("dynamodb").get_item(
        TableName=table_name(Contact),
        Key={"workspace_id": {"S": workspace_id}, "email": {"S": email}},
        ConsistentRead=True,
    )
    return ddb.from_item(resp["Item"]) if "Item" in resp else None


def item_by_id(workspace_id: str, contact_id: str) -> dict[str, Any]:
    """The workspace's contact with this id (another workspace's contact is 'not found'), read
    consistently: the id yields its table key (`functions.common.contact_ids`)."""
    item = store.contacts_by_id(workspace_id, [contact_id]).get(contact_id)
    if item is None:
        raise NotFound(f"no contact {contact_id} in this workspace")
    return item


def get(workspace_id: str, contact_id: str) -> dict[str, Any]:
    return views([item_by_id(workspace_id, contact_id)])[0]


# --- creating through the pipeline stages ------------------------------------------------------


@dataclass(frozen=True)
class CreateOptions:
    purpose: str = "upsert"
    no_overwrite: bool = False
    client_id: str | None = None
    tags: tuple[str, ...] = ()
    dnt: bool = False
    priority: int = 0
    assignment_days: int | None = None

    def as_options(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "no_overwrite": self.no_overwrite,
            "client": self.client_id,
            "tags": list(self.tags),
            "dnt": self.dnt,
            "priority": self.priority,
            "assignment_days": self.assignment_days,
            "source": "api",
        }


def run_stages(workspace_id: str, rows: list[Row], options: CreateOptions) -> list[RowResult]:
    """Dedup -> suppress -> score -> commit, as one import chunk; one result per row, in order."""
    ctx = ApiContext.from_options(
        f"api_{uuid.uuid4().hex[:20]}",
        workspace_id,
        options.as_options(),
        now_iso(),
        source="api",
        actor=audit.current(audit.Actor("api", "api")).who,
    )
    return _chain(ctx, rows)


def _chain(ctx: JobContext, rows: list[Row]) -> list[RowResult]:
    return commit_rows(ctx, score_rows(ctx, suppress_rows(ctx, dedup_rows(ctx, rows))))


BULK_SLICE = 100  # rows per concurrent slice: BatchGetItem takes 100 keys, PartiQL batches 25
BULK_WORKERS = 10


def run_stages_parallel(workspace_id: str, rows: list[Row], options: CreateOptions) -> list[RowResult]:
    """The chain over slices of the rows at once, as the Map runs chunks: the slices share no live
    email (in-request duplicates are errors already) and commit's conditional writes arbitrate
    anyway, so they cannot interfere; the time is DynamoDB round trips, which overlap."""
    ctx = ApiContext.from_options(
        f"api_{uuid.uuid4().hex[:20]}",
        workspace_id,
        options.as_options(),
        now_iso(),
        source="api",
        actor=audit.current(audit.Actor("api", "api")).who,
    )
    slices = [rows[i : i + BULK_SLICE] for i in range(0, len(rows), BULK_SLICE)]
    if len(slices) <= 1:
        return _chain(ctx, rows)
    with ThreadPoolExecutor(max_workers=min(BULK_WORKERS, len(slices)), thread_name_prefix="bulk") as pool:
        return [result for part in pool.map(lambda s: _chain(ctx, s), slices) for result in part]


def _rows(workspace_id: str, payloads: list[Mapping[str, Any]]) -> list[Row]:
    defs = (
        custom_field_store.definitions(workspace_id) if any(p.get("custom_fields") for p in payloads) else {}
    )
    rows = [contact_row(n, p, custom_defs=defs) for n, p in enumerate(payloads, start=1)]
    for row, payload in zip(rows, payloads, strict=True):
        if payload.get("dnt") and not row.error:
            row.meta["dnt"] = True
    mark_duplicates(rows)
    return rows


def create_one(workspace_id: str, payload: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    """201 and the new contact, 200 and the existing (updated) one; 4xx for the other outcomes."""
    rows = _rows(workspace_id, [payload])
    row = rows[0]
    if row.error:
        raise BadRequest(f"{row.error}: {row.error_detail}", field=row.meta.get("field", "email"))
    options = CreateOptions(client_id=payload.get("client_id"), dnt=bool(payload.get("dnt")))
    result = run_stages(workspace_id, rows, options)[0]
    if result.status in (RowStatus.IMPORTED, RowStatus.UPDATED):
        delivery.queue_written(workspace_id, [(result, delivery.row_email(row))])
        item = item_by_email(workspace_id, row.email or "")
        if item is None:  # deleted between commit and read: vanishingly rare, never silent
            raise NotFound(f"contact {result.contact_id} was removed while it was being created")
        return (201 if result.status == RowStatus.IMPORTED else 200), views([item])[0]
    _raise_for(result, field="email")
    raise AssertionError("unreachable")


def _raise_for(result: RowResult, *, field: str) -> None:
    if result.status == RowStatus.SUPPRESSED:
        raise Suppressed(result.reason, field=field)
    if result.status == RowStatus.SKIPPED:
        raise Conflict(result.reason, field=field)
    raise BadRequest(result.reason, field=field)


def create_bulk(
    workspace_id: str, payloads: list[Mapping[str, Any]], options: Mapping[str, Any]
) -> dict[str, Any]:
    """Up to 1,000 contacts through the pipeline stages; `options` as resolved by
    functions.api.options (the same object as imports)."""
    rows = _rows(workspace_id, payloads)
    # per-contact dnt: the pipeline's dnt is per job, so dnt rows go through as their own batch
    batches: dict[bool, list[Row]] = {}
    for row in rows:
        batches.setdefault(bool(row.meta.get("dnt")), []).append(row)
    results: dict[int, RowResult] = {}
    for dnt, batch in batches.items():
        create = CreateOptions(
            purpose=options["purpose"],
            no_overwrite=options["no_overwrite"],
            client_id=options.get("client"),
            tags=tuple(options.get("tags") or ()),
            dnt=dnt or bool(options.get("dnt")),
            priority=int(options.get("priority") or 0),
            assignment_days=options.get("assignment_days"),
        )
        for result in run_stages_parallel(workspace_id, batch, create):
            results[result.number] = result
    delivery.queue_written(workspace_id, ((results[r.number], delivery.row_email(r)) for r in rows))
    summary = {"total": len(rows), "imported": 0, "updated": 0, "skipped": 0, "suppressed": 0, "errored": 0}
    out = []
    for row in rows:
        result = results[row.number]
        status = str(result.status)
        summary["errored" if status == "error" else status] += 1
        out.append(
            {
                "index": row.number - 1,
                "email": row.email or (row.raw[0] if row.raw else None),
                "status": status,
                "reason": result.reason,
                "contact_id": result.contact_id,
                "icp_tier": result.icp_tier,
                "lead_score": result.lead_score,
                "grade": result.grade,
                "warnings": list(result.warnings),
            }
        )
    return {"summary": summary, "results": out}


# --- direct updates -----------------------------------------------------------------------------


def _update(item: dict[str, Any], sets: dict[str, Any], removes: Iterable[str] = ()) -> dict[str, Any]:
    """Write `sets` (and remove `removes`) if the contact is still at the version read; 409 otherwise."""
    now = now_iso()
    stamp = audit.current(audit.Actor("api", "api")).stamp()
    sets = {**stamp, **sets, "updated_at": now, "version": int(item.get("version", 1)) + 1}
    names = {f"#a{i}": k for i, k in enumerate(sets)}
    values = {f":v{i}": ddb.to_av(v) for i, v in enumerate(sets.values())}
    expr = "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(sets)))
    removes = [r for r in removes if r not in sets]
    if removes:
        names.update({f"#r{i}": k for i, k in enumerate(removes)})
        expr += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
    names["#version"] = "version"
    values[":expected"] = ddb.to_av(item.get("version", 1))
    try:
        client("dynamodb").update_item(
            TableName=table_name(Contact),
            Key={"workspace_id": {"S": item["workspace_id"]}, "email": {"S": item["email"]}},
            UpdateExpression=expr,
            ConditionExpression="attribute_exists(email) AND (#version = :expected OR attribute_not_exists(#version))",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise Conflict(
                f"contact {item['contact_id']} was changed by another request meanwhile; read it and retry"
            ) from None
        raise
    updated = {**item, **{k: v for k, v in sets.items() if v is not None}}
    for name in removes:
        updated.pop(name, None)
    return updated


def _live(workspace_id: str, contact_id: str) -> dict[str, Any]:
    item = item_by_id(workspace_id, contact_id)
    if item.get("is_deleted"):
        raise Conflict(f"contact {contact_id} is deleted; restore it first (POST .../restore)")
    return item


def _rescore(
    workspace_id: str, item: dict[str, Any], fields: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The contact's fields (seniority/department derived from the title where absent) and its
    tier, score and grade as they will be: the same segmenting and scoring an import runs, with
    the contact's engagement events as a re-score from events counts them (an edit keeps them)."""
    email = item["email"]
    row = Row(1, [], fields={**fields, "email": email}, custom=dict(item.get("custom_fields") or {}))
    history = store.global_contacts([email]).get(email)
    if history:
        row.meta["g"] = {
            k: history.get(k) for k in ("total_sent", "total_responses", "response_rate", "bounce_status")
        }
    ctx = ApiContext.from_options("api_rescore", workspace_id, {}, now_iso())
    timeline = contact_timeline(workspace_id, item, workspace_models(workspace_id)[1].events)
    row = score_rows(ctx, [row], events={email: [(e.type, e) for e in timeline]})[0]
    new_fields = {k: v for k, v in row.fields.items() if k != "email"}
    s = row.meta.get("s") or {}
    if not s:
        return new_fields, {}
    return new_fields, {
        "icp_tier": s["tier"],
        "lead_score": s["score"],
        "grade": s["grade"],
        "score_breakdown": compact_breakdown(s),
    }


def _derived_from_title(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored seniority/department values that are exactly what the stored title implies: they
    were derived, so a new title re-derives them (a value someone set is kept)."""
    without = {k: v for k, v in stored.items() if k not in ("seniority", "department")}
    profile = build_profile(without)
    return {
        name: stored[name]
        for name in ("seniority", "department")
        if stored.get(name) and stored.get(name) == getattr(profile, name)
    }


def patch(
    workspace_id: str,
    contact_id: str,
    changes: dict[str, Any],
    *,
    confirm_affected: int | None = None,
    force_merge: bool = False,
) -> dict[str, Any]:
    """Only the given fields change; null clears a field; `tags` replaces the list; custom fields
    merge key by key (null removes a key). A new `email` moves the contact (`change_email`).
    `company` edits the Company row at the contact's domain (`companies.edit`'s confirmation)."""
    changes = dict(changes)
    company_changes = changes.pop("company", None)
    item = _live(workspace_id, contact_id)
    new_email = item["email"]
    if changes.get("email") is not None:
        try:
            new_email = canonical_email(str(changes["email"]))
        except ValueError as exc:
            raise BadRequest(f"not a valid email: {exc}", field="email") from None
    stored = dict(item.get("fields") or {})
    given = {k: v for k, v in changes.items() if k in WRITABLE_FIELDS}
    provided = {k: v for k, v in given.items() if v is not None}
    try:
        canonical = canonical_fields(provided, [], country=stored.get("country"))
        defs = custom_field_store.definitions(workspace_id) if changes.get("custom_fields") else {}
        custom_changes = typed_custom(changes.get("custom_fields") or {}, defs)
    except FieldError as exc:
        raise BadRequest(exc.message, field=exc.field) from None
    # a new full name fills first/last only where the contact has none (as an import would)
    for derived in ("first_name", "last_name", "name_suffix"):
        if derived not in given and derived in canonical and stored.get(derived):
            canonical.pop(derived)
    new_fields = {k: v for k, v in stored.items() if k not in given}
    new_fields.update(canonical)
    if "title" in given:
        for name in _derived_from_title(stored):
            if name not in given:
                new_fields.pop(name, None)
    new_fields, scores = _rescore(workspace_id, item, new_fields)

    sets: dict[str, Any] = {"fields": new_fields}
    removes: list[str] = []
    if new_fields.get("company_domain"):
        sets["company_domain"] = new_fields["company_domain"]
    else:
        removes.append("company_domain")
    if "tags" in changes:
        sets["tags"] = union_tags([], [str(t) for t in changes.get("tags") or []])
    if custom_changes:
        custom = dict(item.get("custom_fields") or {})
        for name, value in custom_changes.items():
            if value is None or value == []:
                custom.pop(name, None)
            else:
                custom[name] = value
        sets["custom_fields"] = custom
    if changes.get("dnt") is not None:
        sets["dnt"] = bool(changes["dnt"])
    sets.update(scores)
    domain = new_fields.get("company_domain")
    if company_changes:
        if not domain:
            raise BadRequest(
                "the contact has no company domain whose company could be edited", field="company"
            )
        affected_count = companies.affected(workspace_id, domain)
        companies.check_confirmation(affected_count, confirm_affected)
    if new_email != item["email"]:
        moved = change_email(workspace_id, item, new_email, force_merge=force_merge)
        if moved.get("contact_id") != item["contact_id"] or moved.get("is_deleted"):
            return views([moved])[0]  # forced into a merge: the contact that held the email
        item = moved
    updated = _update(item, sets, removes) if changes else item
    if company_changes:
        actor = audit.current(audit.Actor("api", "api"))
        before = companies.write(str(domain), company_changes, actor)
        companies.record_edit(workspace_id, str(domain), company_changes, before, affected_count, actor)
    contact = views([updated])[0]
    rescored = (
        updated is not item and bool(scores) and score_moved(item, scores["lead_score"], scores["grade"])
    )
    scored = [(delivery.scored_event_id(workspace_id, contact["id"], updated["version"]), delivery.SCORED)]
    return _announce(workspace_id, "contact.updated", contact, also=scored if rescored else ())


def _announce(
    workspace_id: str,
    event_type: str,
    contact: dict[str, Any],
    *,
    also: Iterable[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Queue the change for webhook subscribers (one outbox write; sent by the delivery worker);
    `also`: further (event id, type) of the same change, e.g. the score it moved."""
    stamp = contact.get("updated_at") or contact.get("deleted_at") or now_iso()
    event_id = delivery.event_id_for(contact["id"], event_type, str(stamp))
    delivery.queue_events(
        workspace_id, [(event_id, event_type, contact), *((i, t, contact) for i, t in also)]
    )
    return contact


def change_tags(workspace_id: str, contact_id: str, add: list[str], remove: list[str]) -> dict[str, Any]:
    item = _live(workspace_id, contact_id)
    gone = {t.strip().casefold() for t in remove}
    kept = [t for t in item.get("tags") or [] if t.casefold() not in gone]
    tags = union_tags(kept, [t for t in add if t.strip().casefold() not in gone])
    if tags == list(item.get("tags") or []):
        return views([item])[0]
    return views([_update(item, {"tags": tags})])[0]


def soft_delete(workspace_id: str, contact_id: str, reason: str | None) -> dict[str, Any]:
    item = item_by_id(workspace_id, contact_id)
    if item.get("is_deleted"):
        return views([item])[0]  # deleting twice is the same as deleting once
    sets = {"is_deleted": True, "deleted_at": now_iso(), "deletion_reason": reason or "unspecified"}
    return _announce(workspace_id, "contact.deleted", views([_update(item, sets)])[0])


def restore(workspace_id: str, contact_id: str) -> dict[str, Any]:
    item = item_by_id(workspace_id, contact_id)
    if not item.get("is_deleted"):
        return views([item])[0]
    return views([_update(item, {"is_deleted": False}, removes=("deleted_at", "deletion_reason"))])[0]


def retention_pk(workspace_id: str) -> str:
    return f"RETENTION#{workspace_id}"


def hard_delete(
    workspace_id: str, contact_id: str, *, requested_by: str, reason: str | None
) -> dict[str, Any]:
    """GDPR erasure: the contact item, this workspace's ownership records and the contact's
    engagement timeline go; a retention log
    entry (no personal data: the email only as a SHA-256) records that it happened."""
    item = item_by_id(workspace_id, contact_id)
    ts = now_iso()
    entry = {
        "contact_id": without_email(contact_id),  # the full id carries the email
        "email_sha256": hashlib.sha256(item["email"].encode("utf-8")).hexdigest(),
        "deleted_at": ts,
        "requested_by_key": requested_by,
        "reason": reason or "gdpr_erasure",
    }
    try:
        client("dynamodb").transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": table_name(Contact),
                        "Key": {"workspace_id": {"S": workspace_id}, "email": {"S": item["email"]}},
                        "ConditionExpression": "contact_id = :c",
                        "ExpressionAttributeValues": {":c": {"S": contact_id}},
                    }
                },
                {
                    "Put": {
                        "TableName": table_name(ConfigItem),
                        "Item": {
                            "pk": {"S": retention_pk(workspace_id)},
                            "sk": {"S": f"{ts}#{entry['contact_id']}"},
                            "doc": {"S": json.dumps(entry)},
                            "updated_at": {"S": ts},
                        },
                    }
                },
            ]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            raise NotFound(f"no contact {contact_id} in this workspace") from None
        raise
    _erase_assignments(workspace_id, item["email"])
    from functions.query import segments
    from functions.query.db import get_database

    segments.forget_contact(get_database(), workspace_id, contact_id)
    # the seed: a hard delete "clears engagement history"
    from functions.events.store import erase_timeline

    erase_timeline(workspace_id, item["email"])
    return entry


def _erase_assignments(workspace_id: str, email: str) -> None:
    """This workspace's claim on the GlobalContact and its ownership history."""
    try:
        client("dynamodb").update_item(
            TableName=table_name(GlobalContact),
            Key={"email": {"S": email}},
            UpdateExpression="REMOVE " + ", ".join(ownership.ATTRS),
            ConditionExpression=f"{ownership.WORKSPACE} = :w",
            ExpressionAttributeValues={":w": {"S": workspace_id}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    resp = client("dynamodb").query(
        TableName=table_name(ClientAssignment),
        KeyConditionExpression="email = :e",
        ExpressionAttributeValues={":e": {"S": email}},
        ConsistentRead=True,
    )
    for raw in resp.get("Items", []):
        doc = ddb.from_item(raw)
        if doc.get("workspace_id") == workspace_id:
            client("dynamodb").delete_item(
                TableName=table_name(ClientAssignment),
                Key={"email": {"S": email}, "sk": {"S": doc["sk"]}},
            )


def retention_log(workspace_id: str) -> list[dict[str, Any]]:
    resp = client("dynamodb").query(
        TableName=table_name(ConfigItem),
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": retention_pk(workspace_id)}},
        ConsistentRead=True,
    )
    return [json.loads(ddb.from_item(i)["doc"]) for i in resp.get("Items", [])]


# --- email change (issue 14) --------------------------------------------------------------------


def change_email(
    workspace_id: str, item: dict[str, Any], new_email: str, *, force_merge: bool = False
) -> dict[str, Any]:
    """Move a contact to a new email under the ownership rules; the contact as it is now.

    Another client's unexpired claim on the new email refuses it (409 naming the rule); a
    contact of this workspace that already has it refuses it too (409 naming that contact:
    merge them), unless `force_merge` (admin:compliance), which merges this contact into that
    one. The new email gets its GlobalContact (claimed for the contact's client, as an import
    would); the old email's claim by this workspace is released into the history.
    """
    from functions.api import merges
    from functions.dedup.classify import AssignmentView, owned_reason
    from functions.dedup.commit import claim

    holder = item_by_email(workspace_id, new_email)
    if holder is not None:
        if not force_merge:
            raise Conflict(
                f"contact {holder['contact_id']} of this workspace already has {new_email}; merge the two "
                f"instead (POST /api/v1/contacts/{holder['contact_id']}/merge)",
                field="email",
            )
        done = merges.merge(workspace_id, holder, item, survivor_id=holder["contact_id"])
        return dict(done["contact"])
    now = now_iso()
    person = store.global_contacts([new_email]).get(new_email)
    owner_claim = ownership.owner_of(person)
    owner = AssignmentView.from_item(owner_claim) if owner_claim else None
    client_id = item.get("client_id")
    ctx = JobContext.from_options(
        f"email_{item['contact_id']}", workspace_id, {"client": client_id}, now, source="api"
    )
    if owner is not None and owner.is_active(ctx.now_dt) and owner.client_id != client_id:
        raise Conflict(f"{owned_reason(owner)}: an email another client holds cannot be taken", field="email")
    row = Row(1, [new_email], fields={"email": new_email, "company_domain": item.get("company_domain")})
    if client_id:
        lost = claim(ctx, [row])
        if new_email in lost:
            raise Conflict(
                f"{owned_reason(lost[new_email])}: an email another client holds cannot be taken",
                field="email",
            )
    elif person is None:
        try:
            client("dynamodb").put_item(
                TableName=table_name(GlobalContact),
                Item={
                    k: ddb.to_av(v)
                    for k, v in {
                        "email": new_email,
                        "total_sent": 0,
                        "total_responses": 0,
                        "response_rate": 0,
                        "first_seen_at": now,
                        "first_seen_job": ctx.job_id,
                    }.items()
                },
                ConditionExpression="attribute_not_exists(email)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    moved = _move(item, new_email)
    _release(workspace_id, item["email"], client_id)
    return moved


def _move(item: dict[str, Any], new_email: str) -> dict[str, Any]:
    """The item under its new key: the old one is first marked (`moved_to`, so the projector
    keeps its history), then one transaction puts the new and deletes the old."""
    marked = _update(item, {audit.MOVED_TO: new_email})
    stamp = audit.current(audit.Actor("api", "api")).stamp()
    new_item = {
        **{k: v for k, v in marked.items() if k != audit.MOVED_TO},
        "email": new_email,
        audit.MOVED_FROM: item["email"],
        "version": int(marked["version"]) + 1,
        "updated_at": now_iso(),
        **stamp,
    }
    try:
        client("dynamodb").transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table_name(Contact),
                        "Item": {k: ddb.to_av(v) for k, v in new_item.items() if v is not None},
                        "ConditionExpression": "attribute_not_exists(email)",
                    }
                },
                {
                    "Delete": {
                        "TableName": table_name(Contact),
                        "Key": {"workspace_id": {"S": item["workspace_id"]}, "email": {"S": item["email"]}},
                        "ConditionExpression": "#v = :v",
                        "ExpressionAttributeNames": {"#v": "version"},
                        "ExpressionAttributeValues": {":v": ddb.to_av(marked["version"])},
                    }
                },
            ]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            raise Conflict(
                f"contact {item['contact_id']} or the email {new_email} changed meanwhile; read it and retry",
                field="email",
            ) from None
        raise
    return new_item


def _release(workspace_id: str, email: str, client_id: str | None) -> None:
    """The old email's active claim, when this workspace's client holds it, goes to the history
    (released now); an unowned or another's claim is left alone."""
    from functions.common import admin

    active = admin.assignment_history(email)["active"]
    if active is None or active.get("workspace_id") != workspace_id or not client_id:
        return
    if active.get("client_id") != client_id:
        return
    with contextlib.suppress(LookupError, ClientError):  # released or taken over meanwhile
        admin.release_assignment(email, client_id)
