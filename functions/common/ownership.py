"""Where an email's active ownership claim lives: on its GlobalContact, as `owner_*` attributes.

The claim and the platform identity are one item, so a new email costs one conditional write
for both (the seed: "The GlobalContact enforces this"). ClientAssignments keeps the history
only: one item per earlier owner, written when a claim is taken over or released.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "owner_"
# the claim's attributes, in the ClientAssignment vocabulary the views and history use
FIELDS = ("client_id", "workspace_id", "priority", "assigned_at", "expires_at", "job_id")
ATTRS = tuple(PREFIX + f for f in FIELDS)
CLIENT = PREFIX + "client_id"
ASSIGNED_AT = PREFIX + "assigned_at"
WORKSPACE = PREFIX + "workspace_id"


def claim_attrs(claim: Mapping[str, Any]) -> dict[str, Any]:
    """The GlobalContact attributes of a claim given in assignment vocabulary."""
    return {PREFIX + f: claim[f] for f in FIELDS if claim.get(f) is not None}


def owner_of(global_item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The active claim on a GlobalContact item, in assignment vocabulary; None when unowned."""
    if not global_item or not global_item.get(CLIENT):
        return None
    claim = {f: global_item.get(PREFIX + f) for f in FIELDS if global_item.get(PREFIX + f) is not None}
    return {"email": global_item["email"], "sk": "ACTIVE", **claim}


def history_sk(claim: Mapping[str, Any]) -> str:
    return f"HIST#{claim['assigned_at']}#{claim['client_id']}"
