"""The HTTP API: the Api Lambda behind `ANY /api/{proxy+}`, API keys resolved by a Lambda
authorizer that never denies (the API answers 401 itself), throttled and access-logged."""

from __future__ import annotations

import json
from typing import Any

from infra.config import InfraConfig
from infra.constructs.api import ACCESS_LOG_FORMAT
from tests.infra.conftest import DEV_CORS
from tests.infra.helpers import Synth, ref_id


def function_id(synth: Synth, handler: str) -> str:
    return synth.one("AWS::Lambda::Function", Handler=handler)[0]


def api(synth: Synth) -> tuple[str, dict[str, Any]]:
    key, resource = synth.one("AWS::ApiGatewayV2::Api")
    return key, resource["Properties"]


def routes(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in synth.of_type("AWS::ApiGatewayV2::Route").values()
    }


def stage(synth: Synth) -> dict[str, Any]:
    return synth.one("AWS::ApiGatewayV2::Stage")[1]["Properties"]


def test_is_an_http_api_with_cors_for_the_configured_origins(dev: Synth, prod: Synth):
    _, props = api(dev)
    assert props["ProtocolType"] == "HTTP"
    cors = props["CorsConfiguration"]
    assert cors["AllowOrigins"] == list(DEV_CORS)
    assert {"authorization", "content-type", "idempotency-key"} <= set(cors["AllowHeaders"])
    assert set(cors["AllowMethods"]) == {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert "AllowCredentials" not in cors, "bearer keys, no cookies"
    assert api(prod)[1]["CorsConfiguration"]["AllowOrigins"] == ["https://app.example.com"]


def test_routes_send_everything_under_api_to_the_api_function(dev: Synth):
    api_fn = function_id(dev, "functions.api.handler.handler")
    found = routes(dev)
    assert set(found) == {"ANY /api/{proxy+}", "ANY /api/webhooks/{proxy+}"}
    integrations = dev.of_type("AWS::ApiGatewayV2::Integration")
    for route in found.values():
        target = route["Target"]["Fn::Join"][1]
        assert target[0] == "integrations/"
        integration = integrations[str(ref_id(target[1]))]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert integration["PayloadFormatVersion"] == "2.0"
        assert integration["IntegrationUri"] == {"Fn::GetAtt": [api_fn, "Arn"]}
    # GET /api/v1/openapi.json is served by the Api function through the proxy route
    permissions = [
        p["Properties"]
        for p in dev.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [api_fn, "Arn"]}
    ]
    assert {p["Principal"] for p in permissions} == {"apigateway.amazonaws.com"}
    assert {p["SourceArn"]["Fn::Join"][1][-1] for p in permissions} == {
        "/*/*/api/{proxy+}",
        "/*/*/api/webhooks/{proxy+}",
    }


def test_api_keys_go_through_the_authorizer_and_webhooks_are_signed_instead(dev: Synth):
    authorizer_id, _ = dev.one("AWS::ApiGatewayV2::Authorizer")
    found = routes(dev)
    assert found["ANY /api/{proxy+}"]["AuthorizationType"] == "CUSTOM"
    assert found["ANY /api/{proxy+}"]["AuthorizerId"] == {"Ref": authorizer_id}
    assert found["ANY /api/webhooks/{proxy+}"]["AuthorizationType"] == "NONE"


def test_authorizer_never_short_circuits_the_api(dev: Synth):
    """No identity source (a request without Authorization reaches it) and no cache."""
    authorizer_fn = function_id(dev, "functions.api.authorizer.handler")
    _, authorizer = dev.one("AWS::ApiGatewayV2::Authorizer")
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "REQUEST"
    assert props["AuthorizerPayloadFormatVersion"] == "2.0"
    assert props["EnableSimpleResponses"] is True
    assert props["AuthorizerResultTtlInSeconds"] == 0
    assert not props.get("IdentitySource")
    uri = props["AuthorizerUri"]["Fn::Join"][1]
    assert {"Fn::GetAtt": [authorizer_fn, "Arn"]} in uri
    dev.assertions.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Principal": "apigateway.amazonaws.com", "FunctionName": {"Fn::GetAtt": [authorizer_fn, "Arn"]}},
    )


def test_default_stage_auto_deploys_with_throttling_from_context(dev: Synth, prod: Synth):
    defaults = InfraConfig()
    props = stage(dev)
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": defaults.api_throttle_burst,
        "ThrottlingRateLimit": defaults.api_throttle_rate,
    }
    assert stage(prod)["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 400, "ThrottlingRateLimit": 200}


def test_access_logs_are_json_lines_in_their_own_log_group(dev: Synth, prod: Synth):
    settings = stage(dev)["AccessLogSettings"]
    group = str(ref_id(settings["DestinationArn"]))
    assert group in dev.of_type("AWS::Logs::LogGroup")
    fields = json.loads(settings["Format"])
    assert fields == ACCESS_LOG_FORMAT
    assert {"requestId", "ip", "routeKey", "status", "latency"} <= set(fields)
    assert all(v.startswith("$context.") for v in fields.values())
    assert dev.resources[group]["Properties"]["RetentionInDays"] == 30
    prod_group = str(ref_id(stage(prod)["AccessLogSettings"]["DestinationArn"]))
    assert prod.resources[prod_group]["Properties"]["RetentionInDays"] == 90
    assert prod.resources[prod_group]["DeletionPolicy"] == "Retain"


def test_the_api_url_is_an_output(dev: Synth):
    api_id, _ = api(dev)
    url = dev.template["Outputs"]["ApiUrl"]["Value"]["Fn::Join"][1]
    assert url[0] == "https://" and url[1] == {"Ref": api_id}
