"""Request and response bodies of the HTTP API (pydantic; they drive validation and the OpenAPI)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic import Tag as UnionTag
from pydantic.json_schema import JsonDict

from functions.common.config_models import IcpRule, ScoringModelDoc
from functions.common.contact_ids import MAX_LENGTH as CONTACT_ID_MAX
from functions.query.sql import FIELD_HELP

Text = Annotated[str, Field(max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Tag = Annotated[str, Field(min_length=1, max_length=100)]
Tags = Annotated[list[Tag], Field(max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- contacts -----------------------------------------------------------------------------------


class ContactFields(_Strict):
    """The writable standard fields of a contact (all optional)."""

    first_name: Text | None = None
    last_name: Text | None = None
    full_name: Text | None = None
    name_suffix: Text | None = None
    title: Text | None = None
    department: Text | None = None
    seniority: Text | None = None
    phone: Text | None = None
    mobile: Text | None = None
    linkedin_url: Text | None = None
    city: Text | None = None
    state: Text | None = None
    country: Text | None = None
    time_zone: Text | None = None
    lead_source: Text | None = None
    verification_status: Text | None = None
    company_name: Text | None = None
    company_domain: Text | None = None
    owner_email: Text | None = None


class BulkContact(ContactFields):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    tags: Tags = []
    custom_fields: dict[str, Any] = Field(default_factory=dict, max_length=50)
    dnt: bool = False


class ContactCreate(BulkContact):
    client_id: Annotated[str, Field(min_length=1, max_length=128)] | None = Field(
        default=None, description="Agency mode: the client that claims ownership of this email."
    )


class CompanyPatch(_Strict):
    """Firmographics of the Company row (null clears a field); every contact at the domain shows them."""

    name: Text | None = None
    industry: Text | None = None
    employee_count: Annotated[int, Field(ge=0)] | None = None
    revenue_band: Text | None = None
    tech_stack: Annotated[list[Name], Field(max_length=200)] | None = None


class ContactPatch(ContactFields):
    email: Annotated[str, Field(max_length=320)] | None = Field(
        default=None,
        description="A new email moves the contact (ownership rules apply; 409 when another client "
        "holds it or another contact here has it).",
    )
    tags: Tags | None = Field(default=None, description="Replaces the whole list.")
    custom_fields: dict[str, Any] | None = Field(
        default=None, max_length=50, description="null removes a key."
    )
    dnt: bool | None = None
    company: CompanyPatch | None = Field(
        default=None,
        description="Edits the Company row at the contact's domain (every contact there shows it); "
        "above 10 affected contacts pass `confirm_affected`.",
    )


class CompanyOut(BaseModel):
    id: str | None = Field(default=None, description="Stable company id (comp_...); null without a domain.")
    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    employee_count: int | None = None
    revenue_band: str | None = None
    tech_stack: list[str] | None = None


class CompanyDetail(CompanyOut):
    """A company with the number of the workspace's live contacts at it."""

    contact_count: int = 0


class EngagementOut(BaseModel):
    """The person's platform-wide engagement counters (GlobalContact), moved by engagement events."""

    total_sent: int = 0
    total_responses: int = 0
    response_rate: float = 0
    bounce_status: str = "none"
    last_sent_at: str | None = None
    last_engaged_at: str | None = None


class ContactOut(BaseModel):
    id: str
    workspace_id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    name_suffix: str | None = None
    title: str | None = None
    department: str | None = None
    seniority: str | None = None
    phone: str | None = None
    mobile: str | None = None
    linkedin_url: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    time_zone: str | None = None
    lead_source: str | None = None
    verification_status: str | None = None
    owner_email: str | None = None
    lead_score: float | None = None
    icp_tier: str | None = None
    grade: str | None = None
    tags: list[str] = []
    dnt: bool = False
    client_id: str | None = None
    is_enriched: bool = False
    is_deleted: bool = False
    deleted_at: str | None = None
    deletion_reason: str | None = None
    company: CompanyOut
    custom_fields: dict[str, Any] = {}
    engagement: EngagementOut = EngagementOut()
    score_breakdown: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None


class PageMeta(BaseModel):
    next_cursor: str | None = None
    has_more: bool
    total_count: int = Field(description="How many contacts match, exactly.")


class ContactPage(BaseModel):
    data: list[ContactOut]
    meta: PageMeta


class TagChange(_Strict):
    add: Tags = []
    remove: Tags = []


class DeleteRequest(_Strict):
    deletion_reason: Annotated[str, Field(max_length=500)] | None = None


class RetentionEntry(BaseModel):
    contact_id: str
    email_sha256: str
    deleted_at: str
    requested_by_key: str
    reason: str


class HardDeleteOut(BaseModel):
    deleted: Literal[True] = True
    retention: RetentionEntry


RowStatusName = Literal["imported", "updated", "skipped", "suppressed", "error"]


class BulkRowOut(BaseModel):
    index: int
    email: str | None = None
    status: RowStatusName
    reason: str
    contact_id: str | None = None
    icp_tier: str | None = None
    lead_score: float | None = None
    grade: str | None = None
    warnings: list[str] = []


class BulkSummary(BaseModel):
    total: int
    imported: int
    updated: int
    skipped: int
    suppressed: int
    errored: int


class BulkOut(BaseModel):
    summary: BulkSummary
    results: list[BulkRowOut]


SearchOp = Literal[
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "not_in",
    "contains",
    "starts_with",
    "ends_with",
    "is_empty",
    "is_not_empty",
]
Scalar = str | float | bool


class SearchFilter(_Strict):
    field: Annotated[str, Field(min_length=1, max_length=200, description=FIELD_HELP)]
    op: SearchOp
    value: Scalar | Annotated[list[Scalar], Field(max_length=1000)] | None = None


class SearchSort(_Strict):
    field: Annotated[str, Field(min_length=1, max_length=200, description=FIELD_HELP)]
    direction: Literal["asc", "desc"] = "asc"


def _filter_or_group(value: Any) -> str:
    group = isinstance(value, SearchGroup) or (isinstance(value, dict) and "filters" in value)
    return "SearchGroup" if group else "SearchFilter"


# a filter or a nested group, told apart by a `filters` key (so a bad filter reports its own field)
FilterOrGroup = Annotated[
    Annotated[SearchFilter, UnionTag("SearchFilter")] | Annotated["SearchGroup", UnionTag("SearchGroup")],
    Discriminator(_filter_or_group),
]


class SearchGroup(_Strict):
    """A nested group: its own filters, combined by its own logic."""

    filters: Annotated[list[FilterOrGroup], Field(max_length=50)]
    filters_logic: Literal["AND", "OR"] = "AND"


class SearchRequest(_Strict):
    filters: Annotated[list[FilterOrGroup], Field(max_length=50)] = []
    filters_logic: Literal["AND", "OR"] = "AND"
    segment_id: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="Only the contacts of this segment (needs the read model)."
    )
    sort: Annotated[list[SearchSort], Field(max_length=5)] = []
    page_size: Annotated[int, Field(ge=1, le=500)] = 50
    cursor: Annotated[str, Field(max_length=4000)] | None = None


# --- custom fields --------------------------------------------------------------------------------

FieldType = Literal["string", "number", "boolean", "date", "dropdown", "multi_select"]


class CustomFieldIn(_Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
    display_label: Annotated[str, Field(max_length=200)] | None = None
    field_type: FieldType
    options: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=500)] = []
    fallback_value: Scalar | list[str] | None = None


class CustomFieldPatch(_Strict):
    display_label: Annotated[str, Field(max_length=200)] | None = None
    field_type: FieldType | None = None
    options: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=500)] | None = None
    fallback_value: Scalar | list[str] | None = None


class CustomFieldOut(BaseModel):
    name: str
    display_label: str | None = None
    field_type: FieldType
    options: list[str] = []
    fallback_value: Any = None
    created_at: str | None = None
    updated_at: str | None = None


class CustomFieldList(BaseModel):
    data: list[CustomFieldOut]


class FieldCatalog(BaseModel):
    """What a column can map to: the standard fields (in the mapping's order) and the custom ones."""

    standard: list[str]
    custom: list[CustomFieldOut]


class Deleted(BaseModel):
    deleted: bool = True


# --- imports --------------------------------------------------------------------------------------


DedupBehavior = Literal["update", "fill_empty", "skip"]
Purpose = Literal["create", "update", "upsert"]
ClientId = Annotated[str, Field(min_length=1, max_length=128)]
_DEPRECATED_FLAT: JsonDict = {"deprecated": True}


class ImportOptions(_Strict):
    """How contacts are brought in: the one `options` object of `POST /api/v1/imports`,
    `/api/v1/imports/preview`, `/api/v1/contacts/bulk` and `/api/webhooks/intake`. An option that
    cannot apply to an endpoint is a 400 there, never silently ignored."""

    purpose: Purpose = Field(
        default="upsert",
        description="create: add new contacts only (existing ones are skipped, EXISTS); update: "
        "update existing ones only (new ones are skipped, NOT_FOUND); upsert: both.",
    )
    no_overwrite: bool = Field(
        default=False, description="Fill empty fields only; never change a stored value."
    )
    dedup_behavior: DedupBehavior | None = Field(
        default=None,
        description="Shorthand for purpose and no_overwrite: update = upsert; fill_empty = upsert "
        "with no_overwrite; skip = create. Contradicting an explicit purpose/no_overwrite is a 400.",
    )
    tags: Tags = Field(default=[], description="Added to every contact (tags are never removed).")
    dnt: bool = Field(default=False, description="Flag every contact Do Not Touch.")
    client: ClientId | None = Field(
        default=None, description="Agency mode: the client that claims ownership of each new email."
    )
    client_id: ClientId | None = Field(
        default=None,
        description="Deprecated: the same as `client` (its name in bulk create before version 1.1).",
        json_schema_extra=_DEPRECATED_FLAT,
    )
    priority: Annotated[int, Field(ge=0, le=1000)] = Field(
        default=0, description="Priority of the client's assignments."
    )
    assignment_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        default=None, description="How long the client's claims last (default 90 days)."
    )
    trigger_enrichment: bool = Field(
        default=False,
        description="Enrich the contacts that survive dedup and suppression (imports and webhooks; "
        "bulk create accepts it and does not enrich).",
    )
    enrich_limit: Annotated[int, Field(ge=0, le=10_000_000)] | None = Field(
        default=None,
        description="With trigger_enrichment: at most this many provider calls for the whole import "
        "(the rest end NOT_ENRICHED); the preview's projection applies it.",
    )
    trigger_scoring: bool = Field(default=True, description="Accepted; segmentation and scoring always run.")
    field_mapping_id: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="Files only: use this saved column mapping."
    )
    mapping: dict[str, Any] | None = Field(
        default=None,
        description='Files only: an inline mapping, {"columns": {"<header>": "<field>" | "custom:<name>" | null}}.',
    )
    default_country: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="Files and webhooks: the country of phone numbers without a prefix."
    )
    identifier: Literal["email", "phone", "contact_id"] = Field(
        default="email",
        description="What identifies a row's contact: email, or an existing contact's E.164 phone or "
        "contact id (contact_id only with purpose update). Files only.",
    )
    preview: bool = Field(
        default=False,
        description="Import create only: do not start when the file arrives; preview it, then POST .../resume.",
    )
    workflow_id: Annotated[str, Field(min_length=1, max_length=128)] | None = Field(
        default=None,
        description="Hand-off to sequences: after commit, imported and updated contacts that are not DNT "
        "and pass the workspace's enrollment rule are emitted as contact.enrollment_requested events.",
    )


class BulkRequest(_Strict):
    contacts: Annotated[list[BulkContact], Field(min_length=1, max_length=1000)]
    options: ImportOptions = Field(
        default_factory=lambda: ImportOptions(),
        description="The same options object as imports, preview and webhooks; `mapping`, "
        "`field_mapping_id`, `preview` and `default_country` apply to files only (400 here).",
    )


class ImportCreate(_Strict):
    """`filename` and `options`. The flat form (each option at the top level) still works for one
    release: it is answered with `Deprecation`, `Sunset` and `Link` headers."""

    filename: Annotated[str, Field(min_length=1, max_length=255)]
    options: ImportOptions | None = None
    purpose: Purpose | None = Field(
        default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.purpose."
    )
    no_overwrite: bool | None = Field(
        default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.no_overwrite."
    )
    tags: Tags | None = Field(
        default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.tags."
    )
    dnt: bool | None = Field(default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.dnt.")
    client: ClientId | None = Field(
        default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.client."
    )
    priority: Annotated[int, Field(ge=0, le=1000)] | None = Field(
        default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.priority."
    )
    assignment_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.assignment_days."
    )
    field_mapping_id: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.field_mapping_id."
    )
    mapping: dict[str, Any] | None = Field(
        default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.mapping."
    )
    default_country: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.default_country."
    )
    preview: bool | None = Field(
        default=None, json_schema_extra=_DEPRECATED_FLAT, description="Use options.preview."
    )

    def flat_options(self) -> dict[str, Any]:
        """The options given the deprecated way, at the top level."""
        names = self.model_fields_set - {"filename", "options"}
        return {k: getattr(self, k) for k in names if getattr(self, k) is not None}


class UploadForm(BaseModel):
    method: Literal["POST"] = "POST"
    url: str
    fields: dict[str, str]
    file_field: str = "file"
    max_bytes: int
    expires_at: str


class ImportCounters(BaseModel):
    total: int
    imported: int
    updated: int
    skipped: int
    suppressed: int
    errored: int
    # after POST .../rollback: contacts, removed, restored, left_alone (changed since)
    rollback: dict[str, int] | None = None

    @model_serializer(mode="wrap")
    def _only_when_rolled_back(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """`rollback` appears once there was one: the six row counters stay the whole picture."""
        out: dict[str, Any] = handler(self)
        if out.get("rollback") is None:
            out.pop("rollback", None)
        return out


class ColumnMapEntry(BaseModel):
    """How one source column was mapped: shown by preview and kept on the import."""

    column: int = Field(description="1-based position in the file's header row")
    header: str
    samples: list[str] = Field(default=[], description="Up to 3 non-empty cells from the first rows")
    target: str | None = Field(description='A contact field, "custom:<name>", or null (skipped)')
    how: Literal["exact", "synonym", "values", "saved", "given", "unmatched"]
    confidence: float = Field(ge=0, le=1)
    note: str | None = Field(default=None, description="Why, when the header alone would have said otherwise")


class ImportOut(BaseModel):
    id: str
    workspace_id: str
    status: str
    stage: str
    source: str | None = None
    filename: str | None = None
    percent_done: int
    counters: ImportCounters
    options: dict[str, Any]
    warnings: list[str] = []
    error: str | None = None
    stages: list[dict[str, Any]] = []
    chunk_count: int | None = None
    reports_available: bool = False
    created_at: str
    updated_at: str
    upload: UploadForm | None = None
    column_map: list[ColumnMapEntry] | None = None


class ImportPageMeta(BaseModel):
    next_cursor: str | None = None
    has_more: bool


class ImportPage(BaseModel):
    data: list[ImportOut]
    meta: ImportPageMeta


class ReportLink(BaseModel):
    url: str
    filename: str
    expires_at: str


class PreviewRequest(_Strict):
    job_id: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="Preview the uploaded file of this import."
    )
    content: Annotated[str, Field(max_length=5_000_000)] | None = Field(
        default=None, description="Or preview this file text directly."
    )
    options: ImportOptions | None = Field(
        default=None, description="With content: the same options object as import create."
    )


class PreviewRow(BaseModel):
    row: int
    email: str | None = None
    status: RowStatusName
    reason: str | None = None
    icp_tier: str | None = None
    lead_score: float | None = None
    grade: str | None = None
    owner: str | None = Field(
        default=None,
        description="The client this import claims the contact for, the client that keeps it (a skip), or the row's owner_email.",
    )


class PreviewEnrichment(BaseModel):
    """With trigger_enrichment: what enriching the previewed rows would cost now."""

    provider: str
    projected_calls: int = Field(
        description="Provider calls (cache misses, email lookups, company searches), capped by enrich_limit."
    )
    rows: int = Field(description="Previewed rows that would be enriched.")
    email_lookups: int
    company_searches: int
    credits_per_call: int = Field(
        description="What a call costs at most (a match; misses may be free). 0: the local file provider."
    )
    max_credits: int = Field(description="projected_calls x credits_per_call: the most this would spend.")


class PreviewOut(BaseModel):
    status: Literal["preview"] = "preview"
    rows: list[PreviewRow]
    predicted: dict[str, int]
    headers: list[str]
    column_map: list[ColumnMapEntry] = []
    warnings: list[str] = []
    enrichment: PreviewEnrichment | None = None


class FieldMappingIn(_Strict):
    name: Name
    columns: Annotated[
        dict[Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")], str | None],
        Field(min_length=1, max_length=500, description='"<header>": "<field>" | "custom:<name>" | null'),
    ]


class FieldMappingOut(BaseModel):
    id: str
    name: str
    columns: dict[str, str | None]
    created_at: str


class FieldMappingList(BaseModel):
    data: list[FieldMappingOut]


# --- configuration ----------------------------------------------------------------------------------

SuppressionReasonName = Literal[
    "opt_out", "hard_bounce", "spam_complaint", "unsubscribe", "manual", "compliance"
]


class SuppressionIn(_Strict):
    value: Annotated[str, Field(min_length=1, max_length=320, description="An email, or @domain.")]
    reason: SuppressionReasonName
    is_global: bool = Field(
        default=False, alias="global", description="Platform-wide opt-out (admin keys only; emails only)."
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SuppressionOut(BaseModel):
    value: str
    kind: Literal["email", "domain"]
    scope: Literal["workspace", "global"]
    reason: str | None = None
    created_at: str | None = None


class SuppressionPage(BaseModel):
    data: list[SuppressionOut]
    meta: ImportPageMeta


class IcpRulesIn(_Strict):
    rules: Annotated[list[IcpRule], Field(max_length=200)]


class IcpRulesOut(BaseModel):
    rules: list[IcpRule]


class AssignmentOut(BaseModel):
    client_id: str | None = None
    priority: int = 0
    assigned_at: str | None = None
    expires_at: str | None = None
    released_at: str | None = None
    job_id: str | None = None


class AssignmentsOut(BaseModel):
    email: str
    active: AssignmentOut | None = None
    blocked_until: str | None = None
    history: list[AssignmentOut] = []


class ReleaseRequest(_Strict):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    client_id: Annotated[str, Field(min_length=1, max_length=128)]


# --- webhooks --------------------------------------------------------------------------------------


class WebhookBatch(_Strict):
    batch_id: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="The sender's id of the batch: a redelivery lands on the same job."
    )
    contacts: Annotated[list[BulkContact], Field(min_length=1, max_length=1000)]
    options: ImportOptions = Field(
        default_factory=lambda: ImportOptions(),
        description="The same options object as imports; `mapping`, `field_mapping_id` and "
        "`preview` do not apply to a batch (400).",
    )


class WebhookSecretOut(BaseModel):
    secret: str
    workspace_id: str
    created_at: str
    previous_valid_until: str | None = None
    signature_header: str
    signature_format: str


ScoringModelIn = ScoringModelDoc
ScoringModelOut = ScoringModelDoc


# --- segments ----------------------------------------------------------------------------------


class SegmentFilter(_Strict):
    """A dynamic segment's filter: the search body's `filters` and `filters_logic`."""

    filters: Annotated[list[FilterOrGroup], Field(max_length=50)] = []
    filters_logic: Literal["AND", "OR"] = "AND"


class SegmentIn(_Strict):
    name: Name
    description: Text | None = None
    type: Literal["dynamic", "static"] = "dynamic"
    filter: SegmentFilter | None = None


class SegmentPatch(_Strict):
    name: Name | None = None
    description: Text | None = None
    filter: SegmentFilter | None = None


class SegmentOut(BaseModel):
    id: str
    name: str
    description: str | None = None
    type: Literal["dynamic", "static"]
    filter: dict[str, Any] | None = None
    contact_count: int | None = None
    created_at: str
    updated_at: str


class SegmentList(BaseModel):
    data: list[SegmentOut]


class SegmentMembersIn(_Strict):
    # contact ids: as long as the email one may carry
    add: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=CONTACT_ID_MAX)]], Field(max_length=1000)
    ] = []
    remove: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=CONTACT_ID_MAX)]], Field(max_length=1000)
    ] = []
    add_filter: SegmentFilter | None = Field(default=None, description="Add every contact matching it now.")


class SegmentMembersOut(BaseModel):
    added: int
    removed: int
    not_found: list[str]
    member_count: int


class ContactDetail(ContactOut):
    segments: list[str] = Field(default_factory=list, description="Ids of the segments the contact is in.")


# --- audit log (issue 14) -----------------------------------------------------------------------


class FieldChange(BaseModel):
    before: Any = None
    after: Any = None


class AuditEntry(BaseModel):
    id: str
    at: str
    actor: str = Field(description="An API key (`key:<id>`), `job:<id>`, `op:<id>`, `merge:<id>`, ...")
    source: str = Field(description="api, cli, import, bulk, merge, enrichment, rescore, retention, ...")
    changes: dict[str, FieldChange]


class AuditMeta(BaseModel):
    next_cursor: str | None = None
    has_more: bool


class AuditPage(BaseModel):
    data: list[AuditEntry]
    meta: AuditMeta


# --- company edits (issue 14) --------------------------------------------------------------------


class CompanyEditOut(CompanyDetail):
    affected: int = Field(
        description="The workspace's live contacts at this company (that the edit changes)."
    )
    dry_run: bool = False


class CompanyAuditEntry(AuditEntry):
    company: str = Field(description="The company's domain.")
    affected: int = Field(description="The workspace's live contacts at the company when it was edited.")


class CompanyAuditPage(BaseModel):
    data: list[CompanyAuditEntry]
    meta: AuditMeta


# --- merges (issue 14) ---------------------------------------------------------------------------


class MergeRequest(_Strict):
    other_id: Annotated[str, Field(min_length=1, max_length=CONTACT_ID_MAX)]


class MergeConflict(BaseModel):
    field: str
    kept: Any = None
    discarded: Any = None


class MergeOut(BaseModel):
    merge_id: str
    contact: ContactOut = Field(description="The surviving (older) contact, merged.")
    conflicts: list[MergeConflict] = Field(
        description="Fields both had with different values: the survivor's kept."
    )
    archived_id: str
    undo_until: str


class MergeUndoOut(BaseModel):
    merge_id: str
    status: Literal["merged", "undone"]
    survivor_id: str
    archived_id: str
    conflicts: list[MergeConflict]
    created_at: str
    undo_until: str
    undone_at: str | None = None
    contacts: list[ContactOut] = Field(description="Both contacts as they are again.")


# --- retention policy (issue 14) -----------------------------------------------------------------


class RetentionPolicy(_Strict):
    enabled: bool = Field(default=False, description="Off by default.")
    days: Literal[90, 180, 365] = Field(
        default=365, description="Soft-delete contacts with no engagement and no update for this many days."
    )
    audit_days: Annotated[int, Field(ge=30, le=3650)] = Field(
        default=730, description="How long the contacts' audit entries are kept."
    )


class RetentionRunOut(BaseModel):
    workspace_id: str
    enabled: bool
    days: int
    cutoff: str
    dry_run: bool
    candidates: int = Field(description="Contacts the policy applies to now.")
    deleted: int
    kept_changed_meanwhile: int
    contact_ids: list[str] = Field(description="Up to 1,000: those a dry run found, or a run deleted.")
