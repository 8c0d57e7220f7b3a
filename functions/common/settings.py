"""Runtime configuration, parsed once from the environment.

On AWS the CDK stack sets these variables; locally `local.runtime` sets them before any
handler runs. Code reads `get_settings()` instead of `os.environ`.

The keys (`master_keys`, `platform_keys`) are the exception on AWS: there the environment names
a Secrets Manager secret (`CI_SECRETS_ARN`) and `get_settings()` fills whichever of the two is
not set directly from it (`functions.common.secrets`), re-reading it every few minutes so a
rotated secret is picked up without a redeploy.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CI_", extra="ignore")

    stage: str = "local"
    table_prefix: str = "contact-import-local"
    bucket: str = "contact-import-local"
    region: str = "us-east-1"
    event_bus: str | None = None

    chunk_rows: int = 2_000
    max_concurrency: int = 4
    max_rows: int = 1_000_000
    max_bytes: int = 500 * 1024 * 1024
    report_ttl_days: int = 7
    default_assignment_days: int = 90

    # enrichment: provider name ("file" reads enrich_file; "apollo" / "peopledatalabs" call out)
    enrich_provider: str = "file"
    enrich_file: str = str(Path(__file__).resolve().parents[2] / "examples" / "enrichment.jsonl")
    enrich_base_urls: dict[str, str] = {}
    # Fernet master keys (comma-separated, newest first) that encrypt workspace provider keys
    master_keys: SecretStr | None = None
    # the platform's own provider keys, used when a workspace has none (JSON object)
    platform_keys: dict[str, SecretStr] = {}
    # on AWS: a Secrets Manager secret (JSON {"master_keys": "...", "platform_keys": {...}})
    # that fills master_keys / platform_keys when they are not set directly
    secrets_arn: str | None = None

    # CRM syncs: the per-connection EventBridge Scheduler schedules (unset on one machine,
    # where `contact-import serve` runs the schedules itself)
    sync_function_arn: str | None = None
    scheduler_role_arn: str | None = None
    schedule_group: str | None = None
    sync_dlq_arn: str | None = None
    sync_default_rate: str = "rate(1 hour)"
    sync_overlap_s: int = 300  # re-read this far behind the watermark; seen records are dropped
    sync_max_records: int = 50_000  # per run; the next run continues from the new watermark
    sync_lock_s: int = 900  # a crashed run's lock expires after this long

    # the read model (functions/query): a PostgreSQL DSN on one machine, or on AWS the Aurora
    # cluster reached through the RDS Data API; neither set means no read model
    pg_dsn: str | None = None
    db_cluster_arn: str | None = None
    db_secret_arn: str | None = None
    db_name: str = "contacts"
    # Report waits at most this long for the read model to show a job's contacts
    projection_wait_s: float = 60.0

    # outbound contact webhooks: on one machine http and loopback/private targets are allowed
    # (a receiver on 127.0.0.1); the stack sets this false on AWS (https only, public targets)
    webhook_local_targets: bool = True
    webhook_retry_window_s: int = 24 * 3600  # retried this long after queueing, then dead-lettered

    # the web app's Cognito sign-in: the authorizer accepts the pool's ID tokens beside API keys
    # (unset on one machine, where only API keys sign in)
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None

    def table_name(self, logical: str) -> str:
        return f"{self.table_prefix}-{logical}"


@lru_cache(maxsize=1)
def environment_settings() -> Settings:
    """The settings exactly as the environment gives them, without the secret's keys."""
    return Settings()


def get_settings() -> Settings:
    settings = environment_settings()
    if settings.secrets_arn and (settings.master_keys is None or not settings.platform_keys):
        # imported here: the secrets module builds on this one
        from functions.common.secrets import with_secret_keys

        return with_secret_keys(settings)
    return settings


def reset_settings() -> None:
    """Forget the cached settings and secret (the local runtime and tests change the environment)."""
    from functions.common.secrets import forget_secret

    environment_settings.cache_clear()
    forget_secret()
