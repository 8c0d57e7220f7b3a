"""Enrichment: providers behind one port, the EnrichmentCache rules, and BYOK keys.

- `orchestrate.enrich_rows` / `projected_calls`: the pure batch logic over two ports.
- `ports`: `EnrichmentProvider`, `CachePort`.
- `apollo.ApolloProvider`, `pdl.PeopleDataLabsProvider`: HTTP providers (shared retry loop in
  `transport`); `file_provider.FileProvider`: the one-machine default; `providers.make_provider`
  builds one by its configured name.
- `cache`: `email_hash`, `CacheEntry`, `CachePolicy`.
- `keys`: Fernet/MultiFernet key vault and `resolve_key`.
- `email_match`: rows without an email, found by LinkedIn profile or name + domain through a
  provider's `match_email` (run by intake, `functions/intake/email_resolution.py`).
"""
