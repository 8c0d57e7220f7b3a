"""The Contact object as the API and CLI show it (the shape of the seeds' Contacts API page)."""

from __future__ import annotations

from typing import Any

from functions.common.company_ids import company_id
from functions.common.rows import STANDARD_FIELDS

_PERSON_FIELDS = tuple(
    f for f in STANDARD_FIELDS if f not in ("email", "tags", "contact_id", "company_name", "company_domain")
)


def contact_object(item: dict[str, Any], company: dict[str, Any] | None = None) -> dict[str, Any]:
    fields = item.get("fields") or {}
    domain = item.get("company_domain")
    company = company or {}
    return {
        "id": item["contact_id"],
        "workspace_id": item["workspace_id"],
        "email": item["email"],
        **{name: fields.get(name) for name in _PERSON_FIELDS},
        # contacts stored before the field existed were never verified either
        "verification_status": fields.get("verification_status") or "unverified",
        "lead_score": item.get("lead_score"),
        "icp_tier": item.get("icp_tier"),
        "grade": item.get("grade"),
        "tags": list(item.get("tags") or []),
        "dnt": bool(item.get("dnt")),
        "client_id": item.get("client_id"),
        "is_enriched": bool(item.get("is_enriched")),
        "is_deleted": bool(item.get("is_deleted")),
        "company": {
            "id": company_id(domain) if domain else None,
            "name": fields.get("company_name") or company.get("name"),
            "domain": domain,
            "industry": company.get("industry"),
            "employee_count": company.get("employee_count"),
            "revenue_band": company.get("revenue_band"),
            "tech_stack": company.get("tech_stack"),
        },
        "custom_fields": dict(item.get("custom_fields") or {}),
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
    }
