"""The upload/report bucket and the bucket that receives its server access logs."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.access import IMPORTS, REPORTS
from infra.config import InfraConfig


def upload_cors(origins: list[str]) -> dict[str, Any]:
    """A CORS rule's properties: browsers upload with a presigned PUT or POST (form) request."""
    return {
        "allowed_methods": [s3.HttpMethods.PUT, s3.HttpMethods.POST],
        "allowed_origins": origins,
        "allowed_headers": ["*"],
        "exposed_headers": ["ETag"],
        "max_age": 3000,
    }


class Storage(Construct):
    """`uploads/{workspace}/{job}/{file}` in, `imports/{job}/...` chunk files, `reports/{job}/...` out."""

    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig) -> None:
        super().__init__(scope, construct_id)
        autodelete = not config.retains_data

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            # server access log delivery supports SSE-S3 only
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs", expiration=Duration.days(config.access_log_retention_days)
                )
            ],
            removal_policy=config.removal,
            auto_delete_objects=autodelete,
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="upload-bucket/",
            cors=[s3.CorsRule(**upload_cors(list(config.cors_origins)))] if config.cors_origins else None,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-reports", prefix=REPORTS, expiration=Duration.days(config.report_ttl_days)
                ),
                s3.LifecycleRule(
                    id="expire-chunks", prefix=IMPORTS, expiration=Duration.days(config.chunk_ttl_days)
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(1)
                ),
            ],
            removal_policy=config.removal,
            auto_delete_objects=autodelete,
        )
        # S3 -> EventBridge is a native bucket property; `event_bridge_enabled=True` would add a
        # custom-resource Lambda (and its IAM findings) to do the same thing
        cfn_bucket = self.bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.add_property_override(
            "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True
        )

    def allow_browser_uploads_from(self, origin: str) -> None:
        """The web app's own origin (its CloudFront domain, known only at deploy) may upload."""
        self.bucket.add_cors_rule(**upload_cors([origin]))
