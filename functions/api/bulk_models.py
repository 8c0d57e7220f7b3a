"""Request and response shapes of bulk operations (issue 14, item 8)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions.api.models import FilterOrGroup, ImportOut, SearchGroup
from functions.common.contact_ids import MAX_LENGTH as CONTACT_ID_MAX
from functions.manage.bulk import MAX_IDS

BulkAction = Literal[
    "add_tags",
    "remove_tags",
    "set_custom_field",
    "add_to_segment",
    "remove_from_segment",
    "soft_delete",
    "restore",
    "trigger_enrichment",
    "trigger_scoring",
    "add_to_suppression",
    "export_csv",
]


class ListSelection(BaseModel):
    """The filters of `GET /api/v1/contacts`, as its query parameters: "every contact this list
    view shows" (the web app's "select all matching")."""

    model_config = ConfigDict(extra="forbid")

    icp_tier: Annotated[str, Field(max_length=200)] | None = None
    grade: Annotated[str, Field(max_length=200)] | None = None
    tag: Annotated[str, Field(max_length=2000)] | None = None
    search: Annotated[str, Field(max_length=200)] | None = None
    created_after: Annotated[str, Field(max_length=64)] | None = None
    updated_after: Annotated[str, Field(max_length=64)] | None = None
    is_deleted: bool | None = None
    verification_status: Annotated[str, Field(max_length=200)] | None = None
    segment_id: Annotated[str, Field(max_length=64)] | None = None


class BulkSelection(BaseModel):
    """Contact ids (at most 10,000), the search filters, or the list's filters (`list_filters`)."""

    model_config = ConfigDict(extra="forbid")

    ids: (
        Annotated[
            list[Annotated[str, Field(min_length=1, max_length=CONTACT_ID_MAX)]], Field(max_length=MAX_IDS)
        ]
        | None
    ) = None
    filters: Annotated[list[FilterOrGroup], Field(max_length=50)] | None = None
    filters_logic: Literal["AND", "OR"] = "AND"
    list_filters: ListSelection | None = None

    @model_validator(mode="after")
    def one_kind(self) -> BulkSelection:
        if [self.ids, self.filters, self.list_filters].count(None) != 2:
            raise ValueError("give either ids or filters (or list_filters)")
        if self.ids is not None and not self.ids:
            raise ValueError("ids must name at least one contact")
        return self


BulkSelection.model_rebuild(_types_namespace={"SearchGroup": SearchGroup})


class BulkOperationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: BulkAction
    params: dict[str, Any] = Field(default_factory=dict)
    selection: BulkSelection


class BulkFailure(BaseModel):
    contact_id: str
    reason: str


class BulkUndo(BaseModel):
    done: int
    restored: int
    left_alone: int
    conflicts: list[BulkFailure]


class BulkEnrichment(BaseModel):
    """trigger_enrichment: what was asked of the provider, and what the call limit refused."""

    requested: int
    enriched: int
    not_found: int
    failed: int
    refused: int = Field(description="Contacts not enriched because params.limit was reached.")
    cache_hits: int
    provider_calls: int


class BulkOperationOut(BaseModel):
    id: str
    action: BulkAction | Literal["rollback_import"]
    params: dict[str, Any]
    status: Literal["queued", "running", "complete", "failed", "undoing", "undone"]
    total: int
    done: int
    succeeded: int
    changed: int
    failed: int
    failures: list[BulkFailure]
    created_at: str
    undo_until: str | None
    error: str | None = None
    download_url: str | None = Field(default=None, description="export_csv: the CSV, once complete.")
    undo: BulkUndo | None = None
    undoable: bool = Field(
        default=True,
        description="false: export_csv, trigger_enrichment and import rollbacks cannot be undone.",
    )
    enrichment: BulkEnrichment | None = None


class ImportRollbackOut(ImportOut):
    """The import (status `rolling_back`, then `rolled_back`) and the rollback's own progress."""

    rollback: BulkOperationOut
