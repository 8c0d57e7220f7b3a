"""The HTTP API: API Gateway HTTP API -> the Api Lambda (payload 2.0), API keys checked by the
Authorizer Lambda, throttled and access-logged on its default stage.

Routes: `ANY /api/{proxy+}` through the authorizer (the Api function routes everything,
`GET /api/v1/openapi.json` included), and `ANY /api/webhooks/{proxy+}` without it: webhook
batches are authenticated by their HMAC signature (as `local/server.py` serves them).
"""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import InfraConfig
from infra.constructs.nag import acknowledge

API_FUNCTION = "Api"  # names in functions.registry.FUNCTIONS
AUTHORIZER_FUNCTION = "Authorizer"
API_PATH = "/api/{proxy+}"
WEBHOOKS_PATH = "/api/webhooks/{proxy+}"
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "authorizerError": "$context.authorizer.error",
    "integrationError": "$context.integrationErrorMessage",
}
CORS_HEADERS = ["authorization", "content-type", "idempotency-key"]
CORS_EXPOSED = ["idempotent-replayed", "retry-after"]


class HttpApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        api_function: lambda_.IFunction,
        authorizer_function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=f"{config.name_prefix}-api",
            description=f"Contact import HTTP API ({config.stage})",
            create_default_stage=False,
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=list(config.cors_origins),
                allow_methods=[
                    apigwv2.CorsHttpMethod.GET,
                    apigwv2.CorsHttpMethod.POST,
                    apigwv2.CorsHttpMethod.PUT,
                    apigwv2.CorsHttpMethod.PATCH,
                    apigwv2.CorsHttpMethod.DELETE,
                ],
                allow_headers=CORS_HEADERS,
                expose_headers=CORS_EXPOSED,
                max_age=Duration.hours(1),
            )
            if config.cors_origins
            else None,
        )
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/vendedlogs/apigateway/{config.name_prefix}-api",
            retention=config.log_retention,
            removal_policy=config.removal,
        )
        self.stage = self.api.add_stage(
            "DefaultStage",
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.api_throttle_rate, burst_limit=config.api_throttle_burst
            ),
        )
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn,
            format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
        )

        # never denies: an API Gateway denial is a 403, the contract's missing/bad key is the API's 401
        self.authorizer = authorizers.HttpLambdaAuthorizer(
            "ApiKeyAuthorizer",
            authorizer_function,
            authorizer_name=f"{config.name_prefix}-api-key",
            response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
            identity_source=[],  # requests without an Authorization header reach it too
            # no cache: identity_source is empty (so a request without a key reaches it), and a revoked
            # key must be refused at once; the function reads the key with one consistent GetItem
            results_cache_ttl=Duration.seconds(0),
        )
        integration = integrations.HttpLambdaIntegration(
            "ApiIntegration", api_function, payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0
        )
        self.api.add_routes(
            path=API_PATH,
            methods=[apigwv2.HttpMethod.ANY],
            integration=integration,
            authorizer=self.authorizer,
        )
        (webhooks,) = self.api.add_routes(
            path=WEBHOOKS_PATH, methods=[apigwv2.HttpMethod.ANY], integration=integration
        )
        acknowledge(
            webhooks,
            "AwsSolutions-APIG4",
            "Webhook batches carry no API key; the Api function verifies each one's HMAC signature.",
        )
        self.url = self.stage.url
