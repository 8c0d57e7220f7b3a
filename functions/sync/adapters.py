"""One place that turns a stored connection (provider, token, URLs, options) into its adapter."""

from __future__ import annotations

from pydantic import SecretStr

from functions.sync import hubspot, outreach, salesforce
from functions.sync.http import SyncHttp
from functions.sync.ports import CrmAdapter

PROVIDERS: tuple[str, ...] = ("hubspot", "salesforce", "outreach")

# Salesforce has no fixed host: each org has its own instance_url, given when connecting.
DEFAULT_BASE_URLS: dict[str, str] = {
    "hubspot": hubspot.BASE_URL,
    "outreach": outreach.BASE_URL,
    "apollo": "https://api.apollo.io",
}


def make_adapter(
    provider: str,
    token: SecretStr,
    *,
    instance_url: str | None = None,
    base_url: str | None = None,
    objects: tuple[str, ...] | None = None,
    mapping: dict[str, str] | None = None,
    http: SyncHttp | None = None,
) -> CrmAdapter:
    """The adapter for `provider`. `base_url` points HubSpot/Outreach at a stub; Salesforce needs
    `instance_url` (`base_url` is accepted as its synonym) and may pull `objects=("Contact",
    "Lead")`. Options that mean nothing for the provider are errors, not silently ignored."""
    if provider == "hubspot":
        _reject(provider, instance_url=instance_url, objects=objects)
        return hubspot.HubSpotAdapter(token, base_url=base_url, mapping=mapping, http=http)
    if provider == "outreach":
        _reject(provider, instance_url=instance_url, objects=objects)
        return outreach.OutreachAdapter(token, base_url=base_url, mapping=mapping, http=http)
    if provider == "salesforce":
        if instance_url and base_url and instance_url != base_url:
            raise ValueError("salesforce: give instance_url or base_url, not two different URLs")
        url = instance_url or base_url
        if not url:
            raise ValueError("salesforce: instance_url is required (the org's own API host)")
        return salesforce.SalesforceAdapter(
            token, instance_url=url, objects=objects or ("Contact",), mapping=mapping, http=http
        )
    raise ValueError(f"unknown CRM provider {provider!r}; use one of: {', '.join(PROVIDERS)}")


def _reject(provider: str, **options: object) -> None:
    given = [name for name, value in options.items() if value]
    if given:
        raise ValueError(f"{provider}: {given[0]} applies to salesforce only")
