"""Which existing contact a row means when the file identifies people by phone or by contact id
instead of by email (the import's `identifier`: `email`, the default, `phone` or `contact_id`).

Email stays the identity a contact is stored under: a row identified by phone or contact id is
given the email of the workspace contact it matches, then goes through dedup like any other
row. A phone matching two contacts is an error naming both; a matched contact whose email
differs from the row's is an error too (changing a person's email by import would move their
history behind the user's back). The lookups are a port: `DynamoDirectory` reads the Contacts
table, tests pass a dict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from functions.common.rows import Reason, Row

IDENTIFIERS = ("email", "phone", "contact_id")


def check_identifier(identifier: str, purpose: str) -> str | None:
    """Why this identifier cannot be used for this import purpose, or None."""
    if identifier not in IDENTIFIERS:
        return f"identifier {identifier!r} is not one of {', '.join(IDENTIFIERS)}"
    if identifier == "contact_id" and purpose != "update":
        return (
            "identifier 'contact_id' matches existing contacts only, so it needs purpose 'update' "
            f"(this import's purpose is {purpose!r})"
        )
    return None


class ContactDirectory(Protocol):
    def by_phone(self, phones: Iterable[str]) -> Mapping[str, Sequence[tuple[str, str]]]:
        """E.164 phone -> the (contact id, email) of every live contact of the workspace with it."""
        ...

    def by_contact_id(self, contact_ids: Iterable[str]) -> Mapping[str, str]:
        """Contact id -> email, for the live contacts of the workspace among these ids."""
        ...


def resolve(rows: Sequence[Row], identifier: str, directory: ContactDirectory) -> None:
    """Give each row the email of the contact its phone or contact id matches; in place."""
    if identifier == "email":
        return
    live = [r for r in rows if r.error is None]
    if identifier == "phone":
        keys = {r.number: _phone(r) for r in live}
        found = directory.by_phone({k for k in keys.values() if k})
        for row in live:
            phone = keys[row.number]
            matches = list(found.get(phone, ())) if phone else []
            if len(matches) > 1:
                named = " and ".join(f"{cid} ({email})" for cid, email in matches[:2])
                _fail(row, Reason.AMBIGUOUS_IDENTIFIER, f"phone {phone} matches two contacts: {named}")
            elif matches:
                _match(row, matches[0][1], f"phone {phone}", matches[0][0])
            elif not row.fields.get("email"):
                what = f"no contact of this workspace has phone {phone}" if phone else "the row has no phone"
                _fail(row, Reason.MISSING_EMAIL, f"{what}, and the row has no email to add it by")
        return
    ids = {r.number: str(r.fields.get("contact_id") or "").strip() for r in live}
    emails = directory.by_contact_id({i for i in ids.values() if i})
    for row in live:
        contact_id = ids[row.number]
        if contact_id and contact_id in emails:
            _match(row, emails[contact_id], f"contact {contact_id}", contact_id)
        elif not row.fields.get("email"):
            what = f"no contact {contact_id} in this workspace" if contact_id else "the row has no contact id"
            _fail(row, Reason.MISSING_EMAIL, f"{what}, and the row has no email")


def _phone(row: Row) -> str | None:
    for name in ("phone", "mobile"):
        value = row.fields.get(name)
        if isinstance(value, str) and value.startswith("+"):
            return value
    return None


def _match(row: Row, email: str, by: str, contact_id: str) -> None:
    given = row.fields.get("email")
    if given and given != email:
        _fail(
            row,
            Reason.IDENTIFIER_MISMATCH,
            f"{by} is contact {contact_id} with email {email}, the row has {given}; email is the "
            "identity and is not changed by import",
        )
        return
    row.fields["email"] = email


def _fail(row: Row, code: Reason, detail: str) -> None:
    row.error, row.error_detail = code, detail


class DynamoDirectory:
    """The workspace's live contacts, read from the Contacts table (phones: one query of the
    workspace's partition, made once per import and kept)."""

    def __init__(self, workspace_id: str) -> None:
        self.workspace_id = workspace_id
        self._phones: dict[str, list[tuple[str, str]]] | None = None

    def by_phone(self, phones: Iterable[str]) -> Mapping[str, Sequence[tuple[str, str]]]:
        if self._phones is None:
            self._phones = {}
            for item in self._items():
                fields = item.get("fields") or {}
                for name in ("phone", "mobile"):
                    value = fields.get(name)
                    if isinstance(value, str) and value.startswith("+"):
                        entry = (str(item["contact_id"]), str(item["email"]))
                        if entry not in self._phones.setdefault(value, []):
                            self._phones[value].append(entry)
        return {p: self._phones[p] for p in phones if p in self._phones}

    def by_contact_id(self, contact_ids: Iterable[str]) -> Mapping[str, str]:
        from functions.dedup import store

        found = store.contacts_by_id(self.workspace_id, contact_ids)
        return {cid: str(doc["email"]) for cid, doc in found.items() if not doc.get("is_deleted")}

    def _items(self) -> Iterable[dict[str, Any]]:
        from functions.common import ddb
        from functions.common.aws import client
        from functions.common.models import Contact, table_name

        request: dict[str, Any] = {
            "TableName": table_name(Contact),
            "KeyConditionExpression": "workspace_id = :w",
            "ExpressionAttributeValues": {":w": {"S": self.workspace_id}},
            "ProjectionExpression": "email, contact_id, #f.phone, #f.mobile, is_deleted",
            "ExpressionAttributeNames": {"#f": "fields"},
        }
        while True:
            resp = client("dynamodb").query(**request)
            for item in resp.get("Items", []):
                doc = ddb.from_item(item)
                if not doc.get("is_deleted"):
                    yield doc
            if "LastEvaluatedKey" not in resp:
                return
            request["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
