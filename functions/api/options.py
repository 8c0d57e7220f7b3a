"""The one `options` object of imports, preview, webhooks and bulk create, resolved to what the
pipeline reads (the CLI's vocabulary); and the deprecation headers of the old flat import form."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from functions.api.errors import BadRequest
from functions.api.models import ImportOptions

DEDUP_BEHAVIOURS: dict[str, tuple[str, bool]] = {
    "update": ("upsert", False),  # existing contacts are updated
    "fill_empty": ("upsert", True),  # existing contacts get only their empty fields filled
    "skip": ("create", False),  # existing contacts are left alone (skipped EXISTS)
}
# workflow_id: the hand-off runs after an import's commit (bulk create has none)
FILE_ONLY = (
    "field_mapping_id",
    "mapping",
    "preview",
    "default_country",
    "identifier",
    "workflow_id",
    "enrich_limit",
)
NOT_FOR_BATCHES = ("field_mapping_id", "mapping", "preview")  # a webhook batch brings its own columns
NOT_FOR_PREVIEW = ("preview",)

# the flat form of POST /api/v1/imports: deprecated with API 1.1, removed after its sunset
FLAT_DEPRECATED_AT = datetime(2026, 12, 1, tzinfo=UTC)
FLAT_SUNSET_AT = datetime(2027, 6, 1, tzinfo=UTC)


def resolve(options: ImportOptions | None, *, where: str, not_here: tuple[str, ...] = ()) -> dict[str, Any]:
    """The options as the pipeline reads them; a contradiction, or an option that cannot apply
    `where` (named in `not_here`), is a 400 naming the field."""
    options = options or ImportOptions()
    given = options.model_fields_set
    for name in not_here:
        if name in given and getattr(options, name) != ImportOptions.model_fields[name].default:
            raise BadRequest(f"options.{name} does not apply to {where}", field=f"options.{name}")
    purpose: str = options.purpose
    no_overwrite = options.no_overwrite
    if options.dedup_behavior is not None:
        purpose, no_overwrite = DEDUP_BEHAVIOURS[options.dedup_behavior]
        for name, implied in (("purpose", purpose), ("no_overwrite", no_overwrite)):
            if name in given and getattr(options, name) != implied:
                raise BadRequest(
                    f"options.dedup_behavior {options.dedup_behavior!r} means {name}={implied!r}, "
                    f"not {getattr(options, name)!r}; give one of the two",
                    field="options.dedup_behavior",
                )
    if options.client and options.client_id and options.client != options.client_id:
        raise BadRequest("options.client and options.client_id (its old name) differ", field="options.client")
    resolved: dict[str, Any] = {
        "purpose": purpose,
        "no_overwrite": no_overwrite,
        "tags": list(options.tags),
        "dnt": options.dnt,
        "client": options.client or options.client_id,
        "priority": options.priority,
        "assignment_days": options.assignment_days,
        "preview": options.preview,
        "enrich": options.trigger_enrichment,
    }
    if options.enrich_limit is not None and not options.trigger_enrichment:
        raise BadRequest(
            "options.enrich_limit needs options.trigger_enrichment", field="options.enrich_limit"
        )
    for name in ("default_country", "field_mapping_id", "mapping", "workflow_id", "enrich_limit"):
        if getattr(options, name) is not None:
            resolved[name] = getattr(options, name)
    if options.identifier != "email":
        resolved["identifier"] = options.identifier
    return resolved


def deprecation_headers() -> dict[str, str]:
    """RFC 9745 Deprecation, RFC 8594 Sunset, and a Link to where the new form is documented."""
    return {
        "Deprecation": f"@{int(FLAT_DEPRECATED_AT.timestamp())}",
        "Sunset": format_datetime(FLAT_SUNSET_AT, usegmt=True),
        "Link": '</api/v1/openapi.json>; rel="deprecation"; type="application/json"',
    }
