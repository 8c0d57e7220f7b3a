"""Request and response bodies of the HTTP API (pydantic; they drive validation and the OpenAPI)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field
from pydantic import Tag as UnionTag

from functions.common.config_models import IcpRule, ScoringModelDoc

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


class ContactPatch(ContactFields):
    email: Annotated[str, Field(max_length=320)] | None = Field(
        default=None, description="Identity: may be repeated, never changed."
    )
    tags: Tags | None = Field(default=None, description="Replaces the whole list.")
    custom_fields: dict[str, Any] | None = Field(
        default=None, max_length=50, description="null removes a key."
    )
    dnt: bool | None = None


class CompanyOut(BaseModel):
    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    employee_count: int | None = None
    revenue_band: str | None = None
    tech_stack: list[str] | None = None


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
    created_at: str | None = None
    updated_at: str | None = None


class PageMeta(BaseModel):
    next_cursor: str | None = None
    has_more: bool
    total_count: int


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


class BulkOptions(_Strict):
    dedup_behavior: Literal["update", "fill_empty", "skip"] = Field(
        default="update",
        description="update: existing contacts are updated; fill_empty: only their empty fields are "
        "filled; skip: existing contacts are left alone.",
    )
    trigger_enrichment: bool = Field(
        default=False, description="Accepted; enrichment runs with imports only."
    )
    trigger_scoring: bool = Field(default=True, description="Accepted; scoring always runs.")
    client_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    tags: Tags = []


class BulkRequest(_Strict):
    contacts: Annotated[list[BulkContact], Field(min_length=1, max_length=1000)]
    options: BulkOptions = BulkOptions()


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
    field: Annotated[str, Field(min_length=1, max_length=200)]
    op: SearchOp
    value: Scalar | Annotated[list[Scalar], Field(max_length=1000)] | None = None


class SearchSort(_Strict):
    field: Annotated[str, Field(min_length=1, max_length=200)]
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


class Deleted(BaseModel):
    deleted: bool = True


# --- imports --------------------------------------------------------------------------------------


class ImportOptionsIn(_Strict):
    purpose: Literal["create", "update", "upsert"] = "upsert"
    no_overwrite: bool = False
    tags: Tags = []
    dnt: bool = False
    client: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    priority: Annotated[int, Field(ge=0, le=1000)] = 0
    assignment_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    field_mapping_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    mapping: dict[str, Any] | None = Field(
        default=None,
        description='An inline mapping: {"columns": {"<header>": "<field>" | "custom:<name>" | null}}.',
    )
    default_country: Annotated[str, Field(max_length=64)] | None = None
    preview: bool = Field(
        default=False, description="Do not start when the file arrives; preview it, then POST .../resume."
    )


class ImportCreate(ImportOptionsIn):
    filename: Annotated[str, Field(min_length=1, max_length=255)]


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
    options: ImportOptionsIn | None = None


class PreviewRow(BaseModel):
    row: int
    email: str | None = None
    status: RowStatusName
    reason: str | None = None
    icp_tier: str | None = None
    lead_score: float | None = None
    grade: str | None = None


class PreviewOut(BaseModel):
    status: Literal["preview"] = "preview"
    rows: list[PreviewRow]
    predicted: dict[str, int]
    headers: list[str]
    warnings: list[str] = []


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


class WebhookOptions(_Strict):
    purpose: Literal["create", "update", "upsert"] = "upsert"
    no_overwrite: bool = False
    tags: Tags = []
    dnt: bool = False
    client: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    priority: Annotated[int, Field(ge=0, le=1000)] = 0
    assignment_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    default_country: Annotated[str, Field(max_length=64)] | None = None


class WebhookBatch(_Strict):
    batch_id: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="The sender's id of the batch: a redelivery lands on the same job."
    )
    contacts: Annotated[list[BulkContact], Field(min_length=1, max_length=1000)]
    options: WebhookOptions = WebhookOptions()


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
    add: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=1000)] = []
    remove: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=1000)] = []
    add_filter: SegmentFilter | None = Field(default=None, description="Add every contact matching it now.")


class SegmentMembersOut(BaseModel):
    added: int
    removed: int
    not_found: list[str]
    member_count: int


class ContactDetail(ContactOut):
    segments: list[str] = Field(default_factory=list, description="Ids of the segments the contact is in.")
