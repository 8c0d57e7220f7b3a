"""Master keys and platform keys from the stage's Secrets Manager secret (moto's Secrets Manager)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from moto import mock_aws

from functions.common import secrets
from functions.common.secrets import SecretsError, parse_secret
from functions.common.settings import get_settings, reset_settings
from functions.enrich.keys import KeyVault, generate_master_key

REGION = "eu-west-1"
NEW, OLD = generate_master_key(), generate_master_key()
APOLLO = "apollo-platform-key-5f1c9e"
ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:contact-import-dev-keys-AbCdEf"


def secret_doc(master: str = f"{NEW},{OLD}", apollo: str = APOLLO) -> str:
    return json.dumps({"master_keys": master, "platform_keys": {"apollo": apollo}})


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(secrets, "_clock", fake)
    return fake


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("CI_MASTER_KEYS", "CI_PLATFORM_KEYS", "CI_SECRETS_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CI_REGION", REGION)
    reset_settings()
    yield monkeypatch
    reset_settings()


@pytest.fixture
def secret_arn(env: pytest.MonkeyPatch) -> Iterator[str]:
    with mock_aws():
        import boto3

        arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="contact-import-dev-keys", SecretString=secret_doc()
        )["ARN"]
        env.setenv("CI_SECRETS_ARN", arn)
        reset_settings()
        yield arn


def put(arn: str, text: str) -> None:
    import boto3

    boto3.client("secretsmanager", region_name=REGION).put_secret_value(SecretId=arn, SecretString=text)


def test_keys_come_from_the_secret_when_the_environment_has_none(secret_arn: str, clock: Clock) -> None:
    settings = get_settings()
    assert settings.master_keys is not None
    assert settings.master_keys.get_secret_value() == f"{NEW},{OLD}"
    assert settings.platform_keys["apollo"].get_secret_value() == APOLLO
    # what admin.set_provider_key / the Enrich stage do with them
    vault = KeyVault.from_raw(settings.master_keys)
    assert vault.decrypt_key(vault.encrypt_key("k")).get_secret_value() == "k"


def test_the_secret_is_read_once_and_the_settings_object_reused_within_the_ttl(
    secret_arn: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real = secrets.read_secret

    def counting(arn: str, *, region: str) -> secrets.SecretKeys:
        reads.append(arn)
        return real(arn, region=region)

    monkeypatch.setattr(secrets, "read_secret", counting)
    first = get_settings()
    clock.now += secrets.TTL_S - 1
    assert get_settings() is first
    assert reads == [secret_arn]


def test_a_rotated_secret_is_picked_up_after_the_ttl_without_a_redeploy(
    secret_arn: str, clock: Clock
) -> None:
    assert get_settings().master_keys.get_secret_value().startswith(NEW)  # type: ignore[union-attr]
    newest = generate_master_key()
    put(secret_arn, secret_doc(master=f"{newest},{NEW},{OLD}", apollo="rotated-apollo"))
    clock.now += secrets.TTL_S - 1
    assert get_settings().master_keys.get_secret_value().startswith(NEW)  # type: ignore[union-attr]
    clock.now += 2
    settings = get_settings()
    assert settings.master_keys.get_secret_value() == f"{newest},{NEW},{OLD}"  # type: ignore[union-attr]
    assert settings.platform_keys["apollo"].get_secret_value() == "rotated-apollo"


def test_keys_set_directly_win_over_the_secret(secret_arn: str, env: pytest.MonkeyPatch) -> None:
    direct = generate_master_key()
    env.setenv("CI_MASTER_KEYS", direct)
    reset_settings()
    settings = get_settings()
    assert settings.master_keys.get_secret_value() == direct  # type: ignore[union-attr]
    assert settings.platform_keys["apollo"].get_secret_value() == APOLLO  # still missing: from the secret

    env.setenv("CI_PLATFORM_KEYS", json.dumps({"apollo": "env-key"}))
    reset_settings()
    with mock_aws():  # both set: the secret is not read at all (a fresh, empty Secrets Manager)
        assert get_settings().platform_keys["apollo"].get_secret_value() == "env-key"


def test_without_a_secret_arn_nothing_is_read(
    env: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secrets, "read_secret", lambda *a, **k: pytest.fail("read the secret"))
    assert get_settings().master_keys is None
    assert get_settings().platform_keys == {}


def test_the_stacks_placeholder_means_no_master_key_configured(secret_arn: str) -> None:
    put(secret_arn, json.dumps({"master_keys": "", "platform_keys": {}}))
    reset_settings()
    settings = get_settings()
    assert settings.master_keys is None
    assert settings.platform_keys == {}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("master_keys=abc", "is not JSON"),
        ("null", "must be a JSON object"),
        ('["a", "b"]', "must be a JSON object"),
        ('{"master_key": "x"}', "unknown field(s) ['master_key']"),
        ('{"master_keys": ["a"]}', "field 'master_keys'"),
        ('{"platform_keys": "apollo=x"}', "field 'platform_keys'"),
        ('{"platform_keys": {"apollo": 12345}}', "field 'platform_keys.apollo'"),
    ],
)
def test_a_malformed_secret_is_a_clear_error_naming_the_arn_and_field(text: str, field: str) -> None:
    with pytest.raises(SecretsError) as info:
        parse_secret(ARN, text)
    assert ARN in str(info.value)
    assert field in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_secret_values_never_reach_a_log_line_or_an_exception(
    secret_arn: str, clock: Clock, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    # everything our code logs (botocore's own DEBUG wire log is off, as on Lambda)
    caplog.set_level(logging.DEBUG, logger="contact-import")
    settings = get_settings()
    assert NEW not in repr(settings) and APOLLO not in repr(settings) and NEW not in str(settings)

    # a rotation gone wrong: JSON that is invalid right after a key, so the decoder's own message
    # would quote it; the last good keys stay in use and the warning names only the ARN
    put(secret_arn, '{"master_keys": "' + NEW + '", "platform_keys": {"apollo": "' + APOLLO + '",}}')
    clock.now += secrets.TTL_S + 1
    assert get_settings() is settings
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.secret_arn == secret_arn  # type: ignore[attr-defined]

    # a cold start on the same bad secret fails, without the values
    reset_settings()
    with pytest.raises(SecretsError) as info:
        get_settings()
    text = str(info.value) + repr(info.value) + str(info.value.__cause__) + str(info.value.__context__)
    assert secret_arn in str(info.value)

    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records) + capfd.readouterr().out
    for value in (NEW, OLD, APOLLO):
        assert value not in text
        assert value not in logged


def test_a_missing_secret_names_the_arn_and_the_error_code(env: pytest.MonkeyPatch) -> None:
    with mock_aws():
        env.setenv("CI_SECRETS_ARN", ARN)
        reset_settings()
        with pytest.raises(
            SecretsError,
            match=r"contact-import-dev-keys-AbCdEf could not be read \(ResourceNotFoundException\)",
        ):
            get_settings()


def test_reset_settings_forgets_the_secret(secret_arn: str, clock: Clock) -> None:
    get_settings()
    put(secret_arn, secret_doc(apollo="after-reset"))
    reset_settings()
    assert get_settings().platform_keys["apollo"].get_secret_value() == "after-reset"
