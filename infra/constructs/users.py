"""The web app's users: a Cognito user pool, its hosted UI domain and a public app client (no
secret; authorization code flow with PKCE, done by the browser).

A user's workspace is the `custom:workspace_id` attribute (set by an administrator, not by the
user); the groups named after the API's scopes grant those scopes (`functions.api.cognito`).
Self sign-up is off: operators are invited.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from functions.api.cognito import USER_SCOPES, WORKSPACE_CLAIM
from infra.config import InfraConfig


class Users(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"{config.name_prefix}-users",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            custom_attributes={
                WORKSPACE_CLAIM.removeprefix("custom:"): cognito.StringAttribute(
                    min_len=1, max_len=128, mutable=True
                )
            },
            removal_policy=config.removal,
            deletion_protection=config.is_prod,
        )
        for scope_name in USER_SCOPES:
            cognito.CfnUserPoolGroup(
                self,
                f"Group{scope_name.replace(':', '-').title().replace('-', '')}",
                user_pool_id=self.pool.user_pool_id,
                group_name=scope_name,
                description=f"Grants the API scope {scope_name}",
            )
        # hosted UI prefixes are global per region: the account id keeps stages of two accounts apart
        self.domain = self.pool.add_domain(
            "Domain",
            cognito_domain=cognito.CognitoDomainOptions(
                domain_prefix=f"{config.name_prefix}-{Aws.ACCOUNT_ID}"
            ),
        )
        self.hosted_ui = self.domain.base_url()

    def add_web_client(self, app_url: str) -> cognito.UserPoolClient:
        """The web app's client: its sign-in returns to `app_url` (the distribution)."""
        config = self.config
        # the ID token carries the workspace; only an administrator may write it
        readable = cognito.ClientAttributes().with_standard_attributes(email=True, email_verified=True)
        self.client = self.pool.add_client(
            "WebClient",
            user_pool_client_name=f"{config.name_prefix}-web",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            prevent_user_existence_errors=True,
            read_attributes=readable.with_custom_attributes(WORKSPACE_CLAIM.removeprefix("custom:")),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(email=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
                callback_urls=[f"{app_url}/"],
                logout_urls=[f"{app_url}/"],
            ),
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(1),
        )
        return self.client
