"""boto3 clients, created once per process (endpoints come from AWS_ENDPOINT_URL_* locally)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from functions.common.settings import get_settings

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    max_pool_connections=32,
    # requests are built by our own code; botocore re-validating every nested attribute value
    # costs more than the DynamoDB Local call itself on the hot path
    parameter_validation=False,
    connect_timeout=5,
    read_timeout=60,
)


@cache
def client(service: str) -> Any:
    return boto3.client(service, region_name=get_settings().region, config=_CONFIG)


def reset_clients() -> None:
    """Forget cached clients (the local runtime changes endpoints between runs)."""
    client.cache_clear()
