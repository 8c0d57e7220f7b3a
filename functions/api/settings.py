"""Settings of the HTTP API and the upload trigger, parsed once from the environment.

Kept apart from `functions.common.settings` so the pipeline's settings do not grow API-only
fields; same `CI_` prefix, so the CDK stack sets both the same way.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CI_", extra="ignore")

    # the import state machine the upload trigger and `resume` start (CDK sets it; locally the server)
    state_machine_arn: str | None = None
    # the bulk-operation state machine: operations above 1,000 contacts and their undo
    bulk_state_machine_arn: str | None = None
    upload_url_expiry_s: int = 15 * 60
    report_url_expiry_s: int = 7 * 24 * 3600  # SigV4 presigned URLs live at most 7 days
    webhook_tolerance_s: int = 5 * 60
    idempotency_ttl_s: int = 24 * 3600
    webhook_max_contacts: int = 1_000


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    return ApiSettings()


def reset_api_settings() -> None:
    get_api_settings.cache_clear()
