"""Synthesize the app once per stage for the whole suite (a synth takes seconds, the asserts don't).

`dev` is the default deployment; `prod` proves what only production does (retention, deletion
protection, alarm actions). Both run the cdk-nag plugin: a synth with an unacknowledged
AwsSolutions error raises here, and every test that needs it errors with the plugin's report.
"""

from __future__ import annotations

import pytest

from tests.infra.helpers import Synth, synth

DEV_CORS = ("https://app.example.com", "http://localhost:3000")
PROD_TOPIC = "arn:aws:sns:eu-west-1:123456789012:contact-import-ops"


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(tmp_path_factory, "dev", {"stage": "dev", "cors_origins": ",".join(DEV_CORS)})


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(
        tmp_path_factory,
        "prod",
        {
            "stage": "prod",
            "max_concurrency": "16",
            "log_retention_days": "90",
            "alarm_topic_arn": PROD_TOPIC,
            "cors_origins": '["https://app.example.com"]',
            "api_throttle_rate": "200",
            "api_throttle_burst": "400",
        },
    )
