"""An import is `complete` only once its contacts are visible in the read model.

Report calls `wait_for_job` before completing the job: it polls the read model until it holds
at least as many rows written by the job (`last_job`) as the job imported and updated, for at
most `projection_wait_s`. If the projection does not catch up in time, the job still completes
(DynamoDB has every contact) with a warning saying so, instead of failing a finished import.
"""

from __future__ import annotations

import time

from functions.common.settings import get_settings
from functions.query import freshness
from functions.query.db import get_database

_COUNT = "SELECT count(*) AS n FROM contacts WHERE workspace_id = :ws AND last_job = :job"


def wait_for_job(workspace_id: str, job_id: str, expected: int) -> str | None:
    """None once the job's `expected` contacts are visible; otherwise the warning to report."""
    db = get_database()
    if db is None or expected <= 0:
        return None
    limit = get_settings().projection_wait_s
    deadline = time.monotonic() + limit
    delay = 0.05
    while True:
        freshness.settle()
        seen = int(db.query(_COUNT, {"ws": workspace_id, "job": job_id})[0]["n"])
        if seen >= expected:
            return None
        if time.monotonic() + delay > deadline:
            return (
                f"READ_MODEL_LAG: {seen} of the {expected} contacts written are searchable so far "
                f"(waited {limit:.0f} s); the rest appear in list and search shortly"
            )
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
