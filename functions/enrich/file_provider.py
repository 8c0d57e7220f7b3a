"""A provider answering from a JSON Lines file: the one-machine default, no key, no network.

Each line is one person: `{"email": ..., "contact": {title, seniority, department, linkedin_url,
city, state, country}, "company": {name, domain, industry, employee_count, revenue_band,
tech_stack}}`. An email not in the file is not found.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from functions.common.errors import ConfigInvalid
from functions.enrich.cache import email_hash
from functions.enrich.models import EnrichmentResult, PersonHints

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "examples" / "enrichment.jsonl"


class FileProvider:
    name = "file"

    def __init__(self, records: Mapping[str, EnrichmentResult]) -> None:
        self._by_hash = dict(records)

    @classmethod
    def from_path(cls, path: Path | str = DEFAULT_PATH) -> FileProvider:
        """Load the whole file; a bad line rejects the file, naming the line."""
        path = Path(path)
        with path.open(encoding="utf-8") as handle:
            return cls.from_records(handle, source=str(path))

    @classmethod
    def from_records(
        cls, lines: Iterable[str | Mapping[str, Any]], *, source: str = "records"
    ) -> FileProvider:
        by_hash: dict[str, EnrichmentResult] = {}
        for number, line in enumerate(lines, start=1):
            if isinstance(line, str) and not line.strip():
                continue
            try:
                doc = json.loads(line) if isinstance(line, str) else line
                email = doc["email"]
                if not isinstance(email, str) or "@" not in email:
                    raise ValueError("`email` is not an email address")
                result = EnrichmentResult.from_payload(
                    cls.name, "found", {"contact": doc.get("contact"), "company": doc.get("company")}
                )
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ConfigInvalid(f"{source} line {number}: not a valid enrichment record ({exc})") from exc
            by_hash[email_hash(email)] = result
        return cls(by_hash)

    def __len__(self) -> int:
        return len(self._by_hash)

    async def enrich(self, email: str, hints: PersonHints) -> EnrichmentResult:
        return self._by_hash.get(email_hash(email)) or EnrichmentResult.not_found(self.name)

    async def aclose(self) -> None:
        """Nothing to release; present so every provider can be closed the same way."""
