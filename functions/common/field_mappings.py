"""Saved FieldMappings: a column mapping stored per workspace, reused by later imports.

"The mapping is saved as a FieldMapping record so subsequent imports from the same source skip
this step." A *source* is recognised by its header row: an import that maps its columns
explicitly records its mapping under the fingerprint of that header row, and a later import of
a file with the same headers and no mapping of its own uses the saved one.

Items live in the Config table beside the workspace's other documents:
`field_mapping#<id>` holds the mapping, `field_mapping_source#<fingerprint>` points at the
mapping last used for that header row.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from typing import Any

from functions.common import config_store
from functions.common.jobs import now_iso
from functions.common.models import ConfigItem

MAPPING_PREFIX = "field_mapping#"
SOURCE_PREFIX = "field_mapping_source#"
_SPACES = re.compile(r"\s+")


def header_fingerprint(headers: Sequence[str]) -> str:
    """The same for header rows that differ only in case, surrounding or repeated whitespace."""
    canonical = "\x1f".join(_SPACES.sub(" ", h).strip().casefold() for h in headers)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def get(workspace_id: str, mapping_id: str) -> dict[str, Any] | None:
    return config_store.get_doc(workspace_id, MAPPING_PREFIX + mapping_id)


def create(
    workspace_id: str, name: str, columns: dict[str, str | None], *, mapping_id: str | None = None
) -> dict[str, Any]:
    mapping_id = mapping_id or f"fm_{uuid.uuid4().hex[:16]}"
    doc = {"id": mapping_id, "name": name, "columns": columns, "created_at": now_iso()}
    config_store.put_doc(workspace_id, MAPPING_PREFIX + mapping_id, doc)
    return doc


def list_all(workspace_id: str) -> list[dict[str, Any]]:
    out = [
        dict(item.doc or {})
        for item in ConfigItem.query(
            workspace_id, ConfigItem.sk.startswith(MAPPING_PREFIX), consistent_read=True
        )
    ]
    return sorted(out, key=lambda d: str(d.get("created_at") or ""))


def delete(workspace_id: str, mapping_id: str) -> None:
    ConfigItem(workspace_id, MAPPING_PREFIX + mapping_id).delete()


def for_headers(workspace_id: str, headers: Sequence[str]) -> dict[str, Any] | None:
    """The mapping saved for this header row, if any (and if it still exists)."""
    pointer = config_store.get_doc(workspace_id, SOURCE_PREFIX + header_fingerprint(headers))
    if not pointer:
        return None
    return get(workspace_id, str(pointer.get("mapping_id")))


def remember(
    workspace_id: str,
    headers: Sequence[str],
    columns: dict[str, str | None],
    *,
    name: str,
    mapping_id: str | None = None,
) -> str:
    """Record `columns` (or the saved mapping `mapping_id`) as the mapping of this header row;
    the id of the mapping.

    Idempotent: without an explicit id, the same workspace, headers and columns always give the
    same mapping id, so a retried Intake writes the same two items again."""
    fingerprint = header_fingerprint(headers)
    if mapping_id is None:
        digest = hashlib.sha256(
            f"{workspace_id}\x00{fingerprint}\x00{json.dumps(columns, sort_keys=True)}".encode()
        ).hexdigest()
        mapping_id = f"fm_{digest[:16]}"
        if get(workspace_id, mapping_id) is None:
            create(workspace_id, name, columns, mapping_id=mapping_id)
    config_store.put_doc(workspace_id, SOURCE_PREFIX + fingerprint, {"mapping_id": mapping_id})
    return mapping_id
