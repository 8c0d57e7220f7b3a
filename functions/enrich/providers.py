"""Provider names as they appear in configuration, and how to build each one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr

from functions.enrich.apollo import ApolloProvider
from functions.enrich.file_provider import DEFAULT_PATH, FileProvider
from functions.enrich.pdl import PeopleDataLabsProvider
from functions.enrich.transport import HttpEnrichmentProvider

HTTP_PROVIDERS: dict[str, type[HttpEnrichmentProvider]] = {
    ApolloProvider.name: ApolloProvider,
    PeopleDataLabsProvider.name: PeopleDataLabsProvider,
}
PROVIDER_NAMES: tuple[str, ...] = (*HTTP_PROVIDERS, FileProvider.name)


def make_provider(
    name: str,
    api_key: SecretStr | str | None = None,
    *,
    path: Path | str = DEFAULT_PATH,
    **options: Any,
) -> HttpEnrichmentProvider | FileProvider:
    """`"apollo"` / `"peopledatalabs"` (need `api_key`; `options` go to the HTTP provider, e.g.
    `base_url`, `max_concurrency`, `retry`, `timeout`) or `"file"` (reads `path`, needs no key).

    The caller closes it (`await provider.aclose()`, or `async with`) when it is an HTTP one.
    """
    if name == FileProvider.name:
        return FileProvider.from_path(path)
    try:
        cls = HTTP_PROVIDERS[name]
    except KeyError:
        raise ValueError(
            f"unknown enrichment provider {name!r}; known: {', '.join(PROVIDER_NAMES)}"
        ) from None
    return cls(api_key or "", **options)
