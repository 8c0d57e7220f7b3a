"""The upload/report bucket: private, encrypted, TLS only, browser uploads, expiring outputs, events."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from tests.infra.conftest import DEV_CORS
from tests.infra.helpers import Synth, ref_id


def upload_bucket(synth: Synth) -> tuple[str, dict[str, Any]]:
    return next((k, r) for k, r in synth.of_type("AWS::S3::Bucket").items() if k.startswith("StorageBucket"))


def test_bucket_is_private_and_encrypted(dev: Synth):
    dev.assertions.resource_properties_count_is(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
        },
        4,  # the upload bucket, its access-log bucket, the web app's files and CloudFront's logs
    )


def test_every_bucket_denies_requests_without_tls(dev: Synth):
    buckets = set(dev.of_type("AWS::S3::Bucket"))
    denied = set()
    for policy in dev.of_type("AWS::S3::BucketPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                denied.add(ref_id(policy["Properties"]["Bucket"]))
    assert denied == buckets


def test_browsers_upload_with_put_or_post_from_the_configured_origins(dev: Synth, prod: Synth):
    for synth, origins in ((dev, list(DEV_CORS)), (prod, ["https://app.example.com"])):
        # the configured origins, then the web app's own (tests/infra/test_web.py)
        rules = upload_bucket(synth)[1]["Properties"]["CorsConfiguration"]["CorsRules"]
        assert len(rules) == 2
        assert all(sorted(rule["AllowedMethods"]) == ["POST", "PUT"] for rule in rules)
        assert rules[0]["AllowedOrigins"] == origins


def test_reports_expire_after_7_days_and_chunk_files_after_2(dev: Synth):
    rules = upload_bucket(dev)[1]["Properties"]["LifecycleConfiguration"]["Rules"]
    by_prefix = {r.get("Prefix"): r for r in rules}
    assert by_prefix["reports/"]["ExpirationInDays"] == 7
    assert by_prefix["imports/"]["ExpirationInDays"] == 2
    assert "uploads/" not in by_prefix


def test_object_events_go_to_eventbridge(dev: Synth):
    dev.assertions.has_resource_properties(
        "AWS::S3::Bucket",
        {"NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}},
    )
    assert not dev.of_type("Custom::S3BucketNotifications")


def test_server_access_logs_go_to_the_log_bucket(dev: Synth):
    logging = upload_bucket(dev)[1]["Properties"]["LoggingConfiguration"]
    target = ref_id(logging["DestinationBucketName"])
    assert target and target.startswith("StorageAccessLogs")
    dev.assertions.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": target},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Principal": {"Service": "logging.s3.amazonaws.com"}})]
                )
            },
        },
    )


def test_prod_buckets_are_retained_and_never_emptied_by_the_stack(prod: Synth, dev: Synth):
    for bucket in prod.of_type("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"
    assert not prod.of_type("Custom::S3AutoDeleteObjects")
    # outside prod a teardown empties and deletes them
    assert len(dev.of_type("Custom::S3AutoDeleteObjects")) == 4
