"""The web app on AWS: web/ in a private S3 bucket behind CloudFront (origin access control), with
`/api/*` routed to the HTTP API on the same origin, so the app needs no CORS for its API calls.

`config.json` is written at deploy time next to the static files (a BucketDeployment with
`Source.json_data`): the API base (empty: same origin) and the Cognito ids the sign-in needs.
Every response carries the security headers `contact-import serve` sends locally
(`local.server.WEB_HEADERS`): a CSP without inline code, HSTS, frame-ancestors none, nosniff.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Fn, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.config import REPO_ROOT, InfraConfig
from infra.constructs.nag import acknowledge, logical_id

WEB_DIR = REPO_ROOT / "web"
API_BEHAVIOUR = "/api/*"
CONFIG_FILE = "config.json"


# what CDK's BucketDeployment function is built with (its code and policy are CDK's, not ours)
_COPY = "CDK's BucketDeployment function copies the web app's asset into the web bucket at deploy time"
DEPLOYMENT_FINDINGS = {
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": (
        f"{_COPY}; its role uses the basic execution policy for its logs."
    ),
    "AwsSolutions-IAM5[Action::s3:GetBucket*]": f"{_COPY}: CDK's read grant on the asset bucket.",
    "AwsSolutions-IAM5[Action::s3:GetObject*]": f"{_COPY}: CDK's read grant on the asset bucket.",
    "AwsSolutions-IAM5[Action::s3:List*]": f"{_COPY}: CDK's read/write grants list both buckets.",
    "AwsSolutions-IAM5[Action::s3:Abort*]": f"{_COPY}: CDK's write grant on the web bucket.",
    "AwsSolutions-IAM5[Action::s3:DeleteObject*]": f"{_COPY}: pruning removes files no longer in web/.",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]": (
        f"{_COPY}: it reads the zipped asset from the CDK bootstrap bucket."
    ),
    "AwsSolutions-IAM5[Resource::*]": f"{_COPY}; it creates the CloudFront invalidation, which has no resource scope.",
    "AwsSolutions-L1": f"{_COPY}; CDK pins its runtime.",
}


def content_security_policy(connect: list[str]) -> str:
    """The CSP CloudFront sends: only the app's own files; `connect` adds the origins it calls
    besides its own (the upload bucket's presigned POST, the Cognito token endpoint)."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {' '.join(connect)}; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'; object-src 'none'"
    )


class WebApp(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        http_api: apigwv2.HttpApi,
        access_logs: s3.IBucket,
        connect_origins: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,  # a bad deploy is rolled back by restoring the previous versions
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="web-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(id="expire-old-versions", noncurrent_version_expiration=Duration.days(30))
            ],
            removal_policy=config.removal,
            auto_delete_objects=not config.retains_data,
        )
        # CloudFront's standard logs are delivered with object ACLs: the one bucket that keeps them
        self.logs = s3.Bucket(
            self,
            "DistributionLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="web-distribution-logs/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-distribution-logs", expiration=Duration.days(config.access_log_retention_days)
                )
            ],
            removal_policy=config.removal,
            auto_delete_objects=not config.retains_data,
        )

        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=f"{config.name_prefix}-web-security",
            comment="The web app's security headers (as contact-import serve sends them)",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(connect_origins), override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, override=True
                ),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
        )
        # the HTTP API's host name out of its endpoint (https://{id}.execute-api.{region}.amazonaws.com)
        api_host = Fn.select(2, Fn.split("/", http_api.api_endpoint))
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"Contact import web app ({config.stage})",
            default_root_object="index.html",
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
                compress=True,
            ),
            additional_behaviors={
                API_BEHAVIOUR: cloudfront.BehaviorOptions(
                    origin=origins.HttpOrigin(
                        api_host, protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY
                    ),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    # never cached; with caching off this policy also forwards Authorization
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    # API Gateway routes by its own Host name, so the viewer's Host stays behind
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=self.headers,
                )
            },
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "The app serves agencies in any country; access is by API key or Cognito sign-in, not by geography.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "No WAF web ACL: the static files are public by design and every /api call is authenticated "
            "and throttled by the HTTP API's stage; a web ACL can be attached by the operator.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR4",
            "The distribution uses the default *.cloudfront.net certificate, which CloudFront serves with "
            "TLSv1 allowed; a custom domain and ACM certificate would raise the minimum to TLSv1.2_2021.",
        )
        self.url = f"https://{self.distribution.distribution_domain_name}"

    def deploy(self, app_config: dict[str, Any]) -> None:
        """web/ and the deploy-time `config.json` into the bucket; CloudFront's cache invalidated."""
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Files",
            destination_bucket=self.bucket,
            sources=[
                s3deploy.Source.asset(str(WEB_DIR)),
                s3deploy.Source.json_data(CONFIG_FILE, app_config),
            ],
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
            prune=True,
        )
        # CDK's own deployment function (one per stack): it copies the asset into the bucket
        handler = next(
            c for c in Stack.of(self).node.children if c.node.id.startswith("Custom::CDKBucketDeployment")
        )
        for finding, reason in DEPLOYMENT_FINDINGS.items():
            acknowledge(handler, finding, reason)
        acknowledge(
            handler,
            f"AwsSolutions-IAM5[Resource::<{logical_id(self.bucket)}.Arn>/*]",
            f"{_COPY}: it writes every file of web/.",
        )
