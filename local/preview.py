"""Preview a local file: the first rows through parse, map, dedup, suppression and scoring
against live data, with no write of any kind (the same code the API's preview runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from functions.api.preview import PREVIEW_ROWS, preview_stream


def preview(
    path: Path, *, workspace_id: str, options: dict[str, Any], limit: int = PREVIEW_ROWS
) -> dict[str, Any]:
    with path.open("rb") as f:
        return preview_stream(
            f, size=path.stat().st_size, workspace_id=workspace_id, options=options, limit=limit
        )
