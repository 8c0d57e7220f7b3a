"""Workspace configuration documents in the Config table (ICP rules, scoring model, ...)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from functions.common.jobs import now_iso
from functions.common.models import ConfigItem

ICP_RULES = "icp_rules"
SCORING_MODEL = "scoring_model"


def get_doc(workspace_id: str, name: str) -> Any | None:
    try:
        return ConfigItem.get(workspace_id, name, consistent_read=True).doc
    except DoesNotExist:
        return None


def put_doc(workspace_id: str, name: str, doc: Any) -> None:
    ConfigItem(workspace_id, name, doc=doc, updated_at=now_iso()).save()
