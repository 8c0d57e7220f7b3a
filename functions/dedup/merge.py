"""Update semantics: how an import row merges into a stored contact.

* Import values overwrite stored ones; with `no_overwrite` they only fill empty fields.
* A blank cell (None, empty or whitespace-only text, empty list/map) never erases anything.
* Tags are a union: stored tags, the row's tags, the import's tags (e.g. `import:<job id>`).
  Nothing is ever removed, `no_overwrite` or not; comparison ignores case and the stored
  spelling wins.
* Custom data merges by the same rules, key by key.
* A company domain that differs from the stored one is logged on the row as a
  `CONFLICT_COMPANY_DOMAIN` warning; the row still updates (and the file's domain wins
  unless `no_overwrite`) - people change jobs, and the warning lets a person check.
* `dnt` flags the contact Do Not Touch; an import never clears the flag.
* `owner_email` is a field like any other; `default_owner` (e.g. the uploader) fills it only
  when neither the file nor the stored contact names one.
* Email and contact_id are identity, never merged fields.

The function is pure and idempotent: merging the same row into its own result changes
nothing, which is what makes a re-run of a commit safe.

Shapes follow the Contacts table item: `existing` is `{"fields": {...}, "custom_fields":
{...}, "tags": [...], "dnt": bool}` (other keys are ignored); `incoming` is the row's canonical
fields (`Row.fields`, flat, with `tags` as a list or a comma-separated string) and
`incoming_custom` its custom columns (`Row.custom`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from functions.common.rows import Reason, reason_text

IDENTITY_KEYS = frozenset({"email", "contact_id"})


@dataclass(frozen=True, slots=True)
class MergeResult:
    fields: dict[str, Any]
    custom_fields: dict[str, Any]
    tags: list[str]
    dnt: bool
    changed: bool  # False: the stored contact already says all of this (no write needed)
    warnings: list[str] = field(default_factory=list)

    @property
    def company_domain(self) -> str | None:
        return self.fields.get("company_domain")

    @property
    def owner_email(self) -> str | None:
        return self.fields.get("owner_email")

    def as_item(self) -> dict[str, Any]:
        """The merged attributes in the Contacts item shape (what to SET, and what to merge into next)."""
        return {
            "fields": dict(self.fields),
            "custom_fields": dict(self.custom_fields),
            "tags": list(self.tags),
            "dnt": self.dnt,
            "company_domain": self.company_domain,
        }


def is_blank(value: Any) -> bool:
    """A cell that says nothing: it never erases a stored value."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset | dict):
        return len(value) == 0
    return False


def merge_contact(
    existing: Mapping[str, Any] | None,
    incoming: Mapping[str, Any],
    *,
    incoming_custom: Mapping[str, Any] | None = None,
    no_overwrite: bool = False,
    import_tags: Iterable[str] = (),
    dnt: bool = False,
    default_owner: str | None = None,
    default_lead_source: str | None = None,
) -> MergeResult:
    """Merge a row into a stored contact (None: a new contact); see the module docstring."""
    stored = existing or {}
    old_fields: dict[str, Any] = dict(stored.get("fields") or {})
    old_custom: dict[str, Any] = dict(stored.get("custom_fields") or {})
    old_tags: list[str] = [t for t in (stored.get("tags") or []) if isinstance(t, str)]
    old_dnt = bool(stored.get("dnt"))

    incoming_fields = {k: v for k, v in incoming.items() if k not in IDENTITY_KEYS and k != "tags"}
    warnings: list[str] = []
    conflict = _domain_conflict(old_fields.get("company_domain"), incoming_fields.get("company_domain"))

    fields = _merge_values(old_fields, incoming_fields, no_overwrite=no_overwrite)
    if conflict:
        kept = fields.get("company_domain")
        outcome = "kept (no_overwrite)" if _same_domain(kept, conflict[0]) else "updated"
        warnings.append(
            reason_text(
                Reason.CONFLICT_COMPANY_DOMAIN,
                f"stored {conflict[0]}, file {conflict[1]}; {outcome}",
            )
        )
    if default_owner and not is_blank(default_owner) and is_blank(fields.get("owner_email")):
        fields["owner_email"] = default_owner
    # the first import's source stays: a later one fills it only when it is missing
    if default_lead_source and is_blank(fields.get("lead_source")):
        fields["lead_source"] = default_lead_source
    if existing is None and is_blank(fields.get("verification_status")):
        fields["verification_status"] = "unverified"

    custom = _merge_values(old_custom, incoming_custom or {}, no_overwrite=no_overwrite)
    tags = union_tags(old_tags, split_tags(incoming.get("tags")), import_tags)
    new_dnt = old_dnt or bool(dnt)

    changed = (
        existing is None
        or fields != old_fields
        or custom != old_custom
        or tags != old_tags
        or new_dnt != old_dnt
    )
    return MergeResult(
        fields=fields, custom_fields=custom, tags=tags, dnt=new_dnt, changed=changed, warnings=warnings
    )


def split_tags(value: Any) -> list[str]:
    """Tags from a list or a "a, b; c" cell, stripped, blanks dropped."""
    if is_blank(value):
        return []
    items = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    return [s for s in (str(i).strip() for i in items if i is not None) if s]


def union_tags(stored: Iterable[str], *additions: Iterable[str]) -> list[str]:
    """Stored tags in their order, then each new tag once (case-insensitively), never a removal."""
    out = list(stored)
    seen = {t.casefold() for t in out}
    for group in additions:
        for tag in group:
            t = tag.strip() if isinstance(tag, str) else ""
            if t and t.casefold() not in seen:
                seen.add(t.casefold())
                out.append(t)
    return out


def _merge_values(old: dict[str, Any], new: Mapping[str, Any], *, no_overwrite: bool) -> dict[str, Any]:
    out = dict(old)
    for key, value in new.items():
        if is_blank(value):
            continue  # a blank cell never erases
        if no_overwrite and not is_blank(out.get(key)):
            continue  # fill empty fields only
        out[key] = value
    return out


def _norm_domain(value: Any) -> str:
    v = str(value).strip().lower().rstrip(".")
    return v[4:] if v.startswith("www.") else v


def _same_domain(a: Any, b: Any) -> bool:
    return not is_blank(a) and not is_blank(b) and _norm_domain(a) == _norm_domain(b)


def _domain_conflict(stored: Any, incoming: Any) -> tuple[str, str] | None:
    if is_blank(stored) or is_blank(incoming) or _same_domain(stored, incoming):
        return None
    return str(stored), str(incoming)
