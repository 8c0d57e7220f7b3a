"""Cognito ID tokens as bearers: signed with keys generated here, verified as the authorizer does
(signature, issuer, audience, expiry, token use, workspace, scope groups); the JWKS fetched over
real HTTP from a local server standing in for the pool's well-known URL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from functions.api import authorizer, cognito
from functions.common.settings import reset_settings

REGION = "eu-west-1"
POOL = "eu-west-1_TestPool1"
CLIENT = "web-client-id"
ISSUER = cognito.issuer(REGION, POOL)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def id_token(key: rsa.RSAPrivateKey, kid: str = "k1", **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "3f1c-user",
        "iss": ISSUER,
        "aud": CLIENT,
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
        "custom:workspace_id": "ws-acme",
        "cognito:groups": ["imports:write", "contacts:read", "not-a-scope"],
        **overrides,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def verify(token: str, key: rsa.RSAPrivateKey) -> Any:
    return cognito.principal_from_token(
        token, signing_key=lambda _t: key.public_key(), pool_issuer=ISSUER, client_id=CLIENT
    )


def test_an_id_token_names_the_workspace_and_the_scopes_of_its_groups(key):
    who = verify(id_token(key), key)
    assert who.workspace_id == "ws-acme"
    assert who.scopes == {"imports:write", "contacts:read"}
    assert len(who.key_id) == 12 and "3f1c" not in who.key_id


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"aud": "another-client"}, "not valid"),
        ({"iss": cognito.issuer(REGION, "eu-west-1_Other")}, "not valid"),
        ({"token_use": "access"}, "not its access token"),
        ({"custom:workspace_id": None}, "no workspace"),
        ({"cognito:groups": ["admin:platform", "events:write"]}, "no scope group"),
        ({"cognito:groups": None}, "no scope group"),
    ],
)
def test_tokens_that_grant_nothing_or_are_not_the_pools_are_rejected_with_why(key, overrides, reason):
    with pytest.raises(cognito.TokenRejected, match=reason):
        verify(id_token(key, **overrides), key)


def test_a_token_signed_by_another_key_or_unsigned_is_rejected(key):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(cognito.TokenRejected, match="not valid"):
        verify(id_token(other), key)
    unsigned = jwt.encode({"sub": "x", "iss": ISSUER, "aud": CLIENT}, None, algorithm="none")
    with pytest.raises(cognito.TokenRejected, match="not valid"):
        verify(unsigned, key)


def test_api_keys_are_not_taken_for_tokens(key):
    assert cognito.looks_like_jwt(id_token(key))
    assert not cognito.looks_like_jwt("ci_" + "a" * 40)


@pytest.fixture
def jwks_server(key: rsa.RSAPrivateKey) -> Iterator[tuple[str, list[str]]]:
    """The pool's JWKS document over real HTTP; the list records each request path."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}).encode()
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def pool_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CI_REGION", REGION)
    monkeypatch.setenv("CI_COGNITO_USER_POOL_ID", POOL)
    monkeypatch.setenv("CI_COGNITO_CLIENT_ID", CLIENT)
    reset_settings()
    yield
    authorizer._jwks.clear()
    reset_settings()


def test_the_authorizer_accepts_a_pool_token_and_fetches_the_keys_once(key, jwks_server, pool_settings):
    url, seen = jwks_server
    # the pool's well-known URL, served from here
    authorizer._jwks[cognito.jwks_url(ISSUER)] = cognito.JwksKeys(url)
    headers = {"Authorization": f"Bearer {id_token(key)}"}
    verdict = authorizer.authorize(headers)
    assert verdict["authenticated"] is True
    assert verdict["workspace_id"] == "ws-acme"
    assert verdict["scopes"] == "contacts:read imports:write"
    assert authorizer.authorize(headers)["authenticated"] is True
    assert seen == ["/.well-known/jwks.json"]  # cached for the second request


def test_the_authorizer_rejects_a_token_whose_key_the_pool_does_not_publish(key, jwks_server, pool_settings):
    url, _ = jwks_server
    authorizer._jwks[cognito.jwks_url(ISSUER)] = cognito.JwksKeys(url)
    verdict = authorizer.authorize({"Authorization": f"Bearer {id_token(key, kid='rotated-away')}"})
    assert verdict["authenticated"] is False
    assert "not the user pool's" in verdict["reason"]


def test_without_a_pool_a_token_is_looked_up_as_an_api_key(key, monkeypatch):
    monkeypatch.delenv("CI_COGNITO_USER_POOL_ID", raising=False)
    reset_settings()
    looked_up: list[str] = []
    monkeypatch.setattr(authorizer.auth, "lookup", lambda token: looked_up.append(token))
    try:
        verdict = authorizer.authorize({"Authorization": f"Bearer {id_token(key)}"})
    finally:
        reset_settings()
    assert verdict == {"authenticated": False, "reason": "the API key is not valid"}
    assert len(looked_up) == 1
