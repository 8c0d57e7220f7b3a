"""Suppression rules: which entries could suppress a row, and which one does.

Two pure steps around one batch read, so the I/O side can fetch a whole chunk's entries with
BatchGetItem instead of a query per row:

1. `suppression_keys(email, company_domain)` - every entry that could suppress this row, in
   precedence order. `SuppressionKey.item_key(workspace_id)` gives its key in the Suppressions
   table (`scope` = workspace id or `GLOBAL`; `value` = email, or `@domain`).
2. `decide_suppression(keys, found)` - given the entries that exist (keyed by the same
   `SuppressionKey`s), the one that wins, or None.

Layers and precedence: platform-global opt-out first (it overrides every workspace and is the
strongest statement a person can make), then the workspace's entry for the exact email, then
the workspace's domains. A domain suppresses itself and every subdomain: suppressing
`acme.com` suppresses `bob@eu.acme.com`. Both the email's domain and the company domain are
checked, the email's first, each most specific first, so the reason names the closest entry.

Domain suppression is checked again after enrichment when enrichment changed the company
domain: `domain_keys(new_domain)` gives just those keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from functions.common.config_models import SuppressionEntry, canonical_domain
from functions.common.rows import Reason, reason_text

GLOBAL_SCOPE = "GLOBAL"


class Layer(StrEnum):
    GLOBAL = "global"
    EMAIL = "email"
    DOMAIN = "domain"


_PRECEDENCE = {Layer.GLOBAL: 0, Layer.EMAIL: 1, Layer.DOMAIN: 2}
_CODE = {
    Layer.GLOBAL: Reason.SUPPRESSED_GLOBAL,
    Layer.EMAIL: Reason.SUPPRESSED_EMAIL,
    Layer.DOMAIN: Reason.SUPPRESSED_DOMAIN,
}


@dataclass(frozen=True, slots=True)
class SuppressionKey:
    """One entry that could suppress a row: a layer and a canonical email or bare domain."""

    layer: Layer
    value: str

    def item_key(self, workspace_id: str) -> dict[str, str]:
        """The Suppressions table key of this entry."""
        scope = GLOBAL_SCOPE if self.layer is Layer.GLOBAL else workspace_id
        value = f"@{self.value}" if self.layer is Layer.DOMAIN else self.value
        return {"scope": scope, "value": value}

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> SuppressionKey:
        """The key a Suppressions item answers (the inverse of `item_key`)."""
        value = str(item["value"])
        if item["scope"] == GLOBAL_SCOPE:
            return cls(Layer.GLOBAL, value.lower())
        if value.startswith("@"):
            return cls(Layer.DOMAIN, canonical_domain(value))
        return cls(Layer.EMAIL, value.lower())


@dataclass(frozen=True, slots=True)
class SuppressionHit:
    key: SuppressionKey
    reason: str  # the stored reason, e.g. "opt_out"

    @property
    def code(self) -> Reason:
        return _CODE[self.key.layer]

    @property
    def text(self) -> str:
        """The Reason cell: "SUPPRESSED_EMAIL: opt_out", "SUPPRESSED_DOMAIN: manual (acme.com)"."""
        detail = self.reason
        if self.key.layer is Layer.DOMAIN:
            # the matched domain may be a parent of the email's: say which entry did it
            detail = f"{self.reason} ({self.key.value})"
        return reason_text(self.code, detail)


def domain_and_parents(domain: str) -> list[str]:
    """`eu.acme.co.uk` → `[eu.acme.co.uk, acme.co.uk, co.uk]`; never a bare TLD."""
    labels = [label for label in domain.split(".") if label]
    if len(labels) <= 2:
        return [".".join(labels)] if labels else []
    # stopping at two labels looks up a public suffix like co.uk once: one extra key, no harm,
    # and no suffix list to ship or keep fresh in a pure module
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def domain_keys(domain: str | None) -> list[SuppressionKey]:
    """Domain-layer keys for one domain and its parents (re-check after enrichment)."""
    canon = _canon_domain(domain)
    return [SuppressionKey(Layer.DOMAIN, d) for d in domain_and_parents(canon)] if canon else []


def suppression_keys(email: str, company_domain: str | None = None) -> list[SuppressionKey]:
    """Every key that could suppress a row with this email and company domain, best first."""
    email = email.strip().lower()
    keys = [SuppressionKey(Layer.GLOBAL, email), SuppressionKey(Layer.EMAIL, email)]
    _, at, email_domain = email.rpartition("@")
    for key in [*(domain_keys(email_domain) if at else []), *domain_keys(company_domain)]:
        if key not in keys:
            keys.append(key)
    return keys


def decide_suppression(
    keys: Sequence[SuppressionKey],
    found: Mapping[SuppressionKey, str | SuppressionEntry | Mapping[str, Any]],
) -> SuppressionHit | None:
    """The entry that suppresses the row, by precedence (global, email, domain), or None.

    `found` may hold entries for many rows (one batch read for a chunk); only `keys` are
    consulted. Its values are the stored reason, a `SuppressionEntry`, or the raw item.
    """
    # stable sort: callers may pass keys in any order, ties keep the most-specific-first order
    for key in sorted(keys, key=lambda k: _PRECEDENCE[k.layer]):
        entry = found.get(key)
        if entry is not None:
            return SuppressionHit(key, _reason_of(entry))
    return None


def _reason_of(entry: str | SuppressionEntry | Mapping[str, Any]) -> str:
    if isinstance(entry, SuppressionEntry):
        return str(entry.reason)
    if isinstance(entry, Mapping):
        # an entry stored without a reason still suppresses; say so rather than fail the chunk
        return str(entry.get("reason") or "unspecified")
    return str(entry) or "unspecified"


def _canon_domain(domain: str | None) -> str | None:
    if not domain or not domain.strip():
        return None
    try:
        return canonical_domain(domain)
    except UnicodeError:
        return domain.strip().lower().rstrip(".")
