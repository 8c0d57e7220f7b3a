"""The web app on AWS: a private bucket behind CloudFront with origin access control, `/api/*` to the
HTTP API on the same origin, security headers, a deploy-time config.json, and the Cognito users."""

from __future__ import annotations

import json
import re
from typing import Any

from functions.api.cognito import USER_SCOPES, WORKSPACE_CLAIM
from infra.constructs.nag import logical_id
from tests.infra.helpers import Synth, ref_id

# AWS's managed policies, by their documented ids
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def distribution(synth: Synth) -> dict[str, Any]:
    (_, resource) = synth.one("AWS::CloudFront::Distribution")
    config: dict[str, Any] = resource["Properties"]["DistributionConfig"]
    return config


def web_bucket_id(synth: Synth) -> str:
    return logical_id(synth.stack.web.bucket)


def test_the_files_bucket_is_private_versioned_and_tls_only(dev: Synth):
    bucket = dev.resources[web_bucket_id(dev)]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    statements = [
        s
        for p in dev.of_type("AWS::S3::BucketPolicy").values()
        if ref_id(p["Properties"]["Bucket"]) == web_bucket_id(dev)
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    # only CloudFront reads it, and only for this distribution (origin access control, not OAI)
    reads = [s for s in statements if s["Effect"] == "Allow" and s["Action"] == "s3:GetObject"]
    assert len(reads) == 1
    assert reads[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    source = reads[0]["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert ref_id(source["Fn::Join"][1][-1]) == logical_id(dev.stack.web.distribution)


def test_the_distribution_serves_index_from_s3_through_origin_access_control(dev: Synth):
    config = distribution(dev)
    assert config["DefaultRootObject"] == "index.html"
    s3_origin = next(o for o in config["Origins"] if "S3OriginConfig" in o)
    assert ref_id(s3_origin["DomainName"]) == web_bucket_id(dev)
    assert ref_id(s3_origin["OriginAccessControlId"]) in dev.of_type("AWS::CloudFront::OriginAccessControl")
    assert s3_origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "Bucket" in config["Logging"]


def test_api_paths_go_uncached_to_the_http_api_with_every_viewer_header_but_host(dev: Synth):
    config = distribution(dev)
    (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(api["AllowedMethods"]) >= {"GET", "POST", "PUT", "PATCH", "DELETE"}
    origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    endpoint = origin["DomainName"]["Fn::Select"][1]["Fn::Split"][1]
    assert ref_id(endpoint) == logical_id(dev.stack.api.api)


def test_every_response_carries_the_security_headers(dev: Synth):
    (policy_id, policy) = dev.one("AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = "".join(
        p if isinstance(p, str) else "{token}"
        for p in headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Join"][1]
    )
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert ".amazoncognito.com" in csp  # the token endpoint the sign-in posts to
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    config = distribution(dev)
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert all(ref_id(b["ResponseHeadersPolicyId"]) == policy_id for b in behaviours)


def test_the_deployment_writes_config_json_with_the_pool_and_client(dev: Synth):
    (_, deployment) = dev.one("Custom::CDKBucketDeployment")
    props = deployment["Properties"]
    assert ref_id(props["DestinationBucketName"]) == web_bucket_id(dev)
    assert ref_id(props["DistributionId"]) == logical_id(dev.stack.web.distribution)
    # the second source is the JSON document; its deploy-time values are markers filled by CloudFormation
    files, data = (dev.outdir / f"asset.{key.removesuffix('.zip')}" for key in props["SourceObjectKeys"])
    # deploy-time values are markers (their JSON quotes come with the value): quoted to read them
    doc = json.loads(re.sub(r"(<<marker:0xbaba:\d+>>)", r'"\1"', (data / "config.json").read_text()))
    assert doc["apiBase"] == ""
    markers = {m: ref_id(v["Fn::Join"][1][1]) for m, v in props["SourceMarkers"][1].items()}
    assert markers[doc["cognito"]["userPoolId"]] == logical_id(dev.stack.users.pool)
    assert markers[doc["cognito"]["clientId"]] == logical_id(dev.stack.users.client)
    assert (files / "index.html").is_file() and not (files / "config.json").exists()


def test_the_upload_bucket_accepts_browser_uploads_from_the_app(dev: Synth):
    bucket = dev.resources[logical_id(dev.stack.storage.bucket)]["Properties"]
    origins = [o for rule in bucket["CorsConfiguration"]["CorsRules"] for o in rule["AllowedOrigins"]]
    app = [o for o in origins if isinstance(o, dict)]
    assert len(app) == 1 and ref_id(app[0]["Fn::Join"][1][1]) == logical_id(dev.stack.web.distribution)


def test_the_web_client_is_public_with_the_code_flow_back_to_the_app(dev: Synth):
    client = dev.resources[logical_id(dev.stack.users.client)]["Properties"]
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlows"] == ["code"]
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email"}
    (callback,) = client["CallbackURLs"]
    assert ref_id(callback["Fn::Join"][1][1]) == logical_id(dev.stack.web.distribution)
    assert WORKSPACE_CLAIM in client["ReadAttributes"] and WORKSPACE_CLAIM not in client["WriteAttributes"]
    assert dev.of_type("AWS::Cognito::UserPoolDomain")


def test_the_pool_is_invite_only_with_mfa_and_a_group_per_scope(dev: Synth):
    (_, pool) = dev.one("AWS::Cognito::UserPool")
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["MfaConfiguration"] == "ON"
    groups = {g["Properties"]["GroupName"] for g in dev.of_type("AWS::Cognito::UserPoolGroup").values()}
    assert groups == set(USER_SCOPES)
    assert "admin:platform" not in groups and "events:write" not in groups


def test_the_authorizer_knows_the_pool_and_client(dev: Synth):
    authorizer = dev.resources[logical_id(dev.stack.functions.by_name["Authorizer"])]["Properties"]
    env = authorizer["Environment"]["Variables"]
    assert ref_id(env["CI_COGNITO_USER_POOL_ID"]) == logical_id(dev.stack.users.pool)
    assert ref_id(env["CI_COGNITO_CLIENT_ID"]) == logical_id(dev.stack.users.client)
    api = dev.resources[logical_id(dev.stack.functions.by_name["Api"])]["Properties"]
    assert "CI_COGNITO_USER_POOL_ID" not in api["Environment"]["Variables"]


def test_the_csp_is_the_one_serve_sends_but_for_what_the_app_connects_to():
    from infra.constructs.web import content_security_policy
    from local.server import WEB_HEADERS

    def directives(csp: str) -> dict[str, str]:
        return {d.split()[0]: d for d in (part.strip() for part in csp.split(";")) if d}

    local = directives(WEB_HEADERS["Content-Security-Policy"])
    aws = directives(content_security_policy(["https://*.s3.amazonaws.com"]))
    assert local.pop("connect-src").startswith("connect-src 'self'")
    assert aws.pop("connect-src") == "connect-src 'self' https://*.s3.amazonaws.com"
    assert aws == local
