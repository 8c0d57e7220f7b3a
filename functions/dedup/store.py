"""DynamoDB adapter for deduplication and commit: batched reads and conditional PartiQL writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from functions.common import contact_ids as contact_ids_mod
from functions.common import ddb
from functions.common.models import Company, Contact, GlobalContact, table_name

# requests in flight at once for one caller's reads and writes (threads of one Lambda): a
# chunk's 20 pages of keys or 80 batches of statements overlap their round trips
CONCURRENCY = 4


def contacts_by_email(workspace_id: str, emails: Iterable[str]) -> dict[str, dict[str, Any]]:
    keys = [{"workspace_id": workspace_id, "email": e} for e in dict.fromkeys(emails)]
    return {item["email"]: item for item in ddb.batch_get(table_name(Contact), keys, concurrency=CONCURRENCY)}


def global_contacts(emails: Iterable[str]) -> dict[str, dict[str, Any]]:
    """GlobalContacts by email, with their ownership claims (`ownership.owner_of`)."""
    keys = [{"email": e} for e in dict.fromkeys(emails)]
    return {
        item["email"]: item
        for item in ddb.batch_get(table_name(GlobalContact), keys, concurrency=CONCURRENCY)
    }


def companies(domains: Iterable[str], *, consistent: bool = True) -> dict[str, dict[str, Any]]:
    keys = [{"domain": d} for d in dict.fromkeys(domains)]
    return {
        item["domain"]: item
        for item in ddb.batch_get(table_name(Company), keys, consistent=consistent, concurrency=CONCURRENCY)
    }


def insert(table: str, item: dict[str, Any]) -> ddb.Statement:
    """INSERT fails with DuplicateItem when the key exists: create-only, safe under races."""
    names = sorted(k for k, v in item.items() if v is not None)
    body = ", ".join(f"'{n}': ?" for n in names)
    return ddb.Statement(f'INSERT INTO "{table}" VALUE {{{body}}}', tuple(item[n] for n in names))


def update(
    table: str,
    key: dict[str, Any],
    sets: dict[str, Any],
    *,
    condition: str | None = None,
    condition_params: Sequence[Any] = (),
    removes: Sequence[str] = (),
) -> ddb.Statement:
    """UPDATE of an existing item (PartiQL UPDATE never creates), optionally conditional."""
    set_names = sorted(sets)
    clauses = " ".join(f"SET {n}=?" for n in set_names)
    clauses += "".join(f" REMOVE {n}" for n in removes)
    where = " AND ".join(f"{k}=?" for k in key)
    if condition:
        where += f" AND ({condition})"
    params = tuple(sets[n] for n in set_names) + tuple(key.values()) + tuple(condition_params)
    return ddb.Statement(f'UPDATE "{table}" {clauses} WHERE {where}', params)


def execute(statements: Sequence[ddb.Statement]) -> list[ddb.StatementOutcome]:
    """Write statements, each on a different item (the batches run concurrently)."""
    return ddb.execute_batch(statements, concurrency=CONCURRENCY)


def contacts_by_id(workspace_id: str, contact_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Contacts of this workspace by contact id (update-by-id imports, events, the API), read
    consistently. An id carries its email (`functions.common.contact_ids`); one of the older
    format, or one whose contact is no longer at that email, is resolved through the read model.
    The item's own id must match: an id naming an email whose contact was deleted and created
    again finds nothing."""
    from functions.query.contacts import emails_by_id

    emails: dict[str, str] = {}
    legacy: list[str] = []
    for contact_id in dict.fromkeys(contact_ids):
        email = contact_ids_mod.email_of(contact_id)
        if email is None:
            legacy.append(contact_id)
        else:
            emails[contact_id] = email
    if legacy:
        emails.update(emails_by_id(workspace_id, legacy))
    items = contacts_by_email(workspace_id, emails.values())
    found = {
        cid: items[email]
        for cid, email in emails.items()
        if email in items and items[email].get("contact_id") == cid
    }
    # a contact whose item moved to another email keeps its id: the read model knows where
    resolved = set(legacy)  # already looked up in the read model: asking again finds nothing new
    moved = emails_by_id(workspace_id, [c for c in emails if c not in found and c not in resolved])
    if moved:
        items = contacts_by_email(workspace_id, moved.values())
        found.update(
            {
                cid: items[email]
                for cid, email in moved.items()
                if email in items and items[email].get("contact_id") == cid
            }
        )
    return found
