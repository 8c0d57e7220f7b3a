"""Webhook signatures and how a batch becomes an upload (no tables: secrets are stubbed)."""

from __future__ import annotations

import csv
import io
import time

import pytest

from functions.api import webhooks
from functions.api.errors import BadRequest, Unauthenticated


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        webhooks, "_secrets", lambda workspace: {"ws_a": ["s_new", "s_old"]}.get(workspace, [])
    )


BODY = b'{"contacts": [{"email": "a@x.com"}]}'


def test_a_fresh_signature_by_either_current_secret_verifies() -> None:
    for secret in ("s_new", "s_old"):
        assert webhooks.verify("ws_a", webhooks.sign(secret, BODY), BODY) == "ws_a"


@pytest.mark.parametrize(
    ("workspace", "header"),
    [
        ("ws_a", None),
        (None, "t=1,v1=00"),
        ("ws_a", "v1=abc"),
        ("ws_a", "t=notanumber,v1=abc"),
        ("ws_a", webhooks.sign("s_wrong", BODY)),
        ("ws_b", webhooks.sign("s_new", BODY)),
    ],
)
def test_unsigned_or_wrongly_signed_is_unauthenticated(workspace: str | None, header: str | None) -> None:
    with pytest.raises(Unauthenticated):
        webhooks.verify(workspace, header, BODY)


def test_the_signature_covers_the_body_and_the_time() -> None:
    header = webhooks.sign("s_new", BODY)
    with pytest.raises(Unauthenticated):
        webhooks.verify("ws_a", header, BODY + b" ")
    t = header.split(",")[0].removeprefix("t=")
    moved = header.replace(f"t={t}", f"t={int(t) + 1}")
    with pytest.raises(Unauthenticated):
        webhooks.verify("ws_a", moved, BODY)


def test_a_signature_older_or_newer_than_five_minutes_is_stale() -> None:
    now = time.time()
    old = webhooks.sign("s_new", BODY, int(now) - 301)
    with pytest.raises(Unauthenticated, match="5 minutes"):
        webhooks.verify("ws_a", old, BODY, now=now)
    assert webhooks.verify("ws_a", webhooks.sign("s_new", BODY, int(now) - 290), BODY, now=now) == "ws_a"


def test_a_batch_becomes_a_csv_with_an_explicit_mapping() -> None:
    body, mapping = webhooks.batch_csv(
        [
            {
                "email": "a@x.com",
                "first_name": "A",
                "tags": ["x", "y"],
                "custom_fields": {"Company": "not a std field"},
            },
            {"email": "b@x.com", "custom_fields": {"score": 7}},
        ]
    )
    table = list(csv.reader(io.StringIO(body.decode())))
    assert table[0] == ["email", "first_name", "tags", "custom.Company", "custom.score"]
    assert table[1] == ["a@x.com", "A", "x;y", "not a std field", ""]
    # a custom field named like a synonym of a standard field stays a custom field
    assert mapping["columns"]["custom.Company"] == "custom:Company"
    assert mapping["columns"]["email"] == "email"


@pytest.mark.parametrize(
    "contacts",
    [
        ["not an object"],
        [{"email": "a@x.com", "shoe": 1}],
        [{"email": "a@x.com", "custom_fields": {"9bad": 1}}],
    ],
)
def test_malformed_contacts_are_400(contacts: list) -> None:
    with pytest.raises(BadRequest):
        webhooks.batch_csv(contacts)
