"""Deployment configuration: one typed model, read from CDK context (`-c key=value` or cdk.json).

Every knob of the deployment lives here with its default; constructs receive an `InfraConfig`
and never read context themselves. Defaults that the functions also have come from
`functions.common.settings.Settings`, so the deployed values and the code's defaults agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct
from pydantic import BaseModel, ConfigDict, Field, field_validator

from functions.common.settings import Settings
from functions.enrich.providers import HTTP_PROVIDERS

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT = "contact-import"

# CloudWatch Logs accepts only these retention periods
RETENTION_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def _settings_default(name: str) -> Any:
    return Settings.model_fields[name].default


class InfraConfig(BaseModel):
    """What differs between deployments. Context keys are the field names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: str = Field(default="dev", pattern=r"^[a-z][a-z0-9-]{1,19}$")
    # Distributed Map child executions running at once; Intake returns it and the ASL reads it
    # through MaxConcurrencyPath, so it reaches the state machine via Intake's CI_MAX_CONCURRENCY
    max_concurrency: int = Field(default=_settings_default("max_concurrency"), ge=1, le=10_000)
    chunk_rows: int = Field(default=_settings_default("chunk_rows"), ge=1)
    report_ttl_days: int = Field(default=_settings_default("report_ttl_days"), ge=1)
    chunk_ttl_days: int = Field(default=2, ge=1)
    log_retention_days: int = 30
    access_log_retention_days: int = Field(default=90, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # None: RETAIN in prod, DESTROY elsewhere
    removal_policy: Literal["retain", "destroy"] | None = None
    cors_origins: tuple[str, ...] = ("http://localhost:3000",)
    # the HTTP API's default stage: steady-state requests per second and burst, for all callers
    api_throttle_rate: float = Field(default=50, gt=0)
    api_throttle_burst: int = Field(default=100, ge=1)
    # the dependencies layer, built by `python -m infra.layer` (see README "Deploy")
    layer_dir: Path = REPO_ROOT / "build" / "lambda-layer"
    alarm_topic_arn: str | None = None
    # the enrichment provider imports use unless they name one (CI_ENRICH_PROVIDER); the file
    # provider's data (examples/) is not in the code asset, so a deployment calls a real one
    enrich_provider: str = "apollo"
    # the read model's Aurora Serverless v2 capacity in ACUs; 0 lets the cluster pause when idle
    db_min_capacity: float = Field(default=0, ge=0, le=256)
    db_max_capacity: float = Field(default=4, ge=1, le=256)

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        if value not in RETENTION_DAYS:
            raise ValueError(f"log_retention_days must be one of {sorted(RETENTION_DAYS)}")
        return value

    @field_validator("enrich_provider")
    @classmethod
    def _deployable_provider(cls, value: str) -> str:
        if value not in HTTP_PROVIDERS:
            raise ValueError(
                f"enrich_provider must be one of {sorted(HTTP_PROVIDERS)} on AWS "
                "(the file provider reads examples/, which is not deployed)"
            )
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        # `-c cors_origins=https://a.example,https://b.example` arrives as one string
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                return tuple(json.loads(value))
            return tuple(o.strip() for o in value.split(",") if o.strip())
        return value

    @field_validator("layer_dir", mode="after")
    @classmethod
    def _from_repo_root(cls, value: Path) -> Path:
        return value if value.is_absolute() else REPO_ROOT / value

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def name_prefix(self) -> str:
        return f"{PROJECT}-{self.stage}"

    @property
    def table_prefix(self) -> str:
        """What `Settings.table_prefix` must be: `Settings.table_name(logical)` = `{prefix}-{logical}`."""
        return self.name_prefix

    @property
    def removal(self) -> RemovalPolicy:
        policy = self.removal_policy or ("retain" if self.is_prod else "destroy")
        return RemovalPolicy.RETAIN if policy == "retain" else RemovalPolicy.DESTROY

    @property
    def retains_data(self) -> bool:
        return self.removal == RemovalPolicy.RETAIN

    @property
    def log_retention(self) -> logs.RetentionDays:
        return RETENTION_DAYS[self.log_retention_days]

    @classmethod
    def from_context(cls, scope: Construct) -> InfraConfig:
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            value = scope.node.try_get_context(name)
            if value is not None and value != "":
                values[name] = value
        return cls.model_validate(values)
