"""What a bulk action does to one contact, as pure functions of the stored item.

A change is a set of attribute paths of the Contacts item with the value each had (`before`)
and the value the action gives it (`after`); `None` means the attribute is absent. Bulk
operations log exactly these before/after pairs ahead of their writes, write `after` only where
the item still holds `before`, and undo writes `before` back only where it still holds `after`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from functions.common.config_models import SuppressionReason
from functions.dedup.merge import union_tags

Path = tuple[str, ...]

# actions that write the Contacts item through a logged before/after change
CONTACT_ACTIONS = (
    "add_tags",
    "remove_tags",
    "set_custom_field",
    "soft_delete",
    "restore",
    "trigger_scoring",
)
ALL_ACTIONS = (
    *CONTACT_ACTIONS,
    "add_to_segment",
    "remove_from_segment",
    "trigger_enrichment",
    "add_to_suppression",
    "export_csv",
)
NOT_UNDOABLE = ("export_csv", "rollback_import", "trigger_enrichment")
# why undo refuses each (409)
NOT_UNDOABLE_WHY = {
    "export_csv": "export_csv changes no contact; there is nothing to undo",
    "rollback_import": "an import rollback is not undone; import the file again",
    "trigger_enrichment": (
        "trigger_enrichment cannot be undone: the provider's data it filled in and the scores it "
        "moved stay (each contact's audit log shows what changed)"
    ),
}
# available through the API and CLI (the others answer that they are not available yet)
AVAILABLE = ALL_ACTIONS


class ParamError(ValueError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Change:
    """One contact's logged change: each path's value before and after (None: absent)."""

    paths: tuple[Path, ...]
    before: tuple[Any, ...]
    after: tuple[Any, ...]

    def as_log(self) -> dict[str, Any]:
        return {
            "paths": [list(p) for p in self.paths],
            "before": list(self.before),
            "after": list(self.after),
        }

    @classmethod
    def from_log(cls, doc: Mapping[str, Any]) -> Change:
        return cls(tuple(tuple(p) for p in doc["paths"]), tuple(doc["before"]), tuple(doc["after"]))


def _tags(params: Mapping[str, Any]) -> list[str]:
    tags = params.get("tags")
    if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t.strip() for t in tags):
        raise ParamError("params.tags must be a non-empty list of tag names", field="params.tags")
    if len(tags) > 100 or any(len(t) > 100 for t in tags):
        raise ParamError("params.tags takes at most 100 tags of at most 100 characters", field="params.tags")
    return [t.strip() for t in tags]


def validate(action: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The action's parameters, checked and normalised (custom values are typed later, against the
    workspace's definitions)."""
    if action not in ALL_ACTIONS:
        raise ParamError(f"unknown action {action!r}; one of {', '.join(ALL_ACTIONS)}", field="action")
    if action in ("add_tags", "remove_tags"):
        return {"tags": _tags(params)}
    if action == "set_custom_field":
        name = params.get("name")
        if not isinstance(name, str) or not name:
            raise ParamError("params.name must name a custom field", field="params.name")
        if "value" not in params:
            raise ParamError("params.value is required (null clears the field)", field="params.value")
        return {"name": name, "value": params["value"]}
    if action in ("add_to_segment", "remove_from_segment"):
        segment_id = params.get("segment_id")
        if not isinstance(segment_id, str) or not segment_id:
            raise ParamError("params.segment_id must name a static segment", field="params.segment_id")
        return {"segment_id": segment_id}
    if action == "trigger_enrichment":
        limit = params.get("limit")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ParamError(
                "params.limit must be a whole number of provider calls (0 or more)", field="params.limit"
            )
        force = params.get("force_refresh", False)
        if not isinstance(force, bool):
            raise ParamError("params.force_refresh must be true or false", field="params.force_refresh")
        return {"limit": limit, "force_refresh": force}
    if action == "add_to_suppression":
        reason = params.get("reason") or SuppressionReason.MANUAL.value
        if reason not in {r.value for r in SuppressionReason}:
            raise ParamError(
                f"params.reason must be one of {', '.join(r.value for r in SuppressionReason)}",
                field="params.reason",
            )
        return {"reason": reason}
    if action == "soft_delete":
        reason = params.get("reason", params.get("deletion_reason"))
        if reason is not None and (not isinstance(reason, str) or len(reason) > 200):
            raise ParamError("params.reason must be text of at most 200 characters", field="params.reason")
        return {"reason": reason or "bulk_operation"}
    return {}


def _get(item: Mapping[str, Any], path: Path) -> Any:
    value: Any = item
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def plan_change(item: Mapping[str, Any], wanted: Mapping[Path, Any]) -> Change | None:
    paths = tuple(p for p, v in wanted.items() if _get(item, p) != v)
    if not paths:
        return None
    return Change(paths, tuple(_get(item, p) for p in paths), tuple(wanted[p] for p in paths))


def add_tags(item: Mapping[str, Any], params: Mapping[str, Any], _: str) -> Change | None:
    return plan_change(item, {("tags",): union_tags(item.get("tags") or [], params["tags"])})


def remove_tags(item: Mapping[str, Any], params: Mapping[str, Any], _: str) -> Change | None:
    gone = {t.casefold() for t in params["tags"]}
    return plan_change(item, {("tags",): [t for t in item.get("tags") or [] if t.casefold() not in gone]})


def set_custom_field(item: Mapping[str, Any], params: Mapping[str, Any], _: str) -> Change | None:
    name, value = params["name"], params["value"]
    if isinstance(item.get("custom_fields"), Mapping):
        return plan_change(item, {("custom_fields", name): value})
    # no map to set a key in: the whole map is the change (absent before)
    return plan_change(item, {("custom_fields",): {name: value} if value is not None else None})


def soft_delete(item: Mapping[str, Any], params: Mapping[str, Any], now: str) -> Change | None:
    if item.get("is_deleted"):
        return None
    return plan_change(
        item, {("is_deleted",): True, ("deleted_at",): now, ("deletion_reason",): params["reason"]}
    )


def restore(item: Mapping[str, Any], params: Mapping[str, Any], now: str) -> Change | None:
    if not item.get("is_deleted"):
        return None
    return plan_change(item, {("is_deleted",): False, ("deleted_at",): None, ("deletion_reason",): None})


Planner = Callable[[Mapping[str, Any], Mapping[str, Any], str], Change | None]

PLANNERS: dict[str, Planner] = {
    "add_tags": add_tags,
    "remove_tags": remove_tags,
    "set_custom_field": set_custom_field,
    "soft_delete": soft_delete,
    "restore": restore,
}
