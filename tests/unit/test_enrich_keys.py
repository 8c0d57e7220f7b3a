from __future__ import annotations

import traceback

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from functions.enrich.errors import ProviderAuthError
from functions.enrich.keys import (
    KeySource,
    KeyVault,
    KeyVaultError,
    generate_master_key,
    load_master_keys,
    resolve_key,
)

PROVIDER_KEY = "apollo_live_Zx81kQ2mN7"
OLD, NEW = generate_master_key(), generate_master_key()


def test_a_stored_key_decrypts_back_and_the_token_does_not_contain_it() -> None:
    vault = KeyVault.from_raw(NEW)
    token = vault.encrypt_key(PROVIDER_KEY)
    assert PROVIDER_KEY not in token
    assert vault.decrypt_key(token).get_secret_value() == PROVIDER_KEY


def test_decrypted_keys_never_print() -> None:
    vault = KeyVault.from_raw(NEW)
    secret = vault.decrypt_key(vault.encrypt_key(PROVIDER_KEY))
    for shown in (str(secret), repr(secret), f"{secret}", f"{secret!r}", repr(vault)):
        assert PROVIDER_KEY not in shown and NEW not in shown


def test_tokens_under_an_old_master_key_still_open_after_a_new_one_is_prepended() -> None:
    token = KeyVault.from_raw(OLD).encrypt_key(PROVIDER_KEY)
    vault = KeyVault.from_raw(f"{NEW}, {OLD}")
    assert vault.decrypt_key(token).get_secret_value() == PROVIDER_KEY


def test_rotate_re_encrypts_under_the_newest_master_key() -> None:
    token = KeyVault.from_raw(OLD).encrypt_key(PROVIDER_KEY)
    rotated = KeyVault.from_raw(f"{NEW},{OLD}").rotate(token)
    assert rotated != token
    # once every token is rotated the old key can go
    assert KeyVault.from_raw(NEW).decrypt_key(rotated).get_secret_value() == PROVIDER_KEY
    with pytest.raises(KeyVaultError):
        KeyVault.from_raw(OLD).decrypt_key(rotated)


def test_new_tokens_use_the_first_listed_master_key() -> None:
    token = KeyVault.from_raw(f"{NEW},{OLD}").encrypt_key(PROVIDER_KEY)
    assert Fernet(NEW).decrypt(token.encode()).decode() == PROVIDER_KEY


@pytest.mark.parametrize("raw", ["", " , ", f"{NEW},not-a-fernet-key"])
def test_bad_master_key_configuration_is_rejected_without_echoing_it(raw: str) -> None:
    with pytest.raises(KeyVaultError) as caught:
        load_master_keys(raw)
    assert "not-a-fernet-key" not in str(caught.value)
    assert NEW not in str(caught.value)
    printed = "".join(traceback.format_exception(caught.value))
    assert "not-a-fernet-key" not in printed and NEW not in printed


def test_the_bad_master_key_is_named_by_position() -> None:
    with pytest.raises(KeyVaultError, match="#2"):
        load_master_keys(f"{NEW},abc")


def test_a_token_no_master_key_opens_is_a_clear_error() -> None:
    token = KeyVault.from_raw(OLD).encrypt_key(PROVIDER_KEY)
    with pytest.raises(KeyVaultError, match="cannot be decrypted") as caught:
        KeyVault.from_raw(NEW).decrypt_key(token)
    assert PROVIDER_KEY not in str(caught.value)
    with pytest.raises(KeyVaultError):
        KeyVault.from_raw(NEW).decrypt_key("garbage")


def test_an_empty_provider_key_is_not_stored() -> None:
    with pytest.raises(KeyVaultError):
        KeyVault.from_raw(NEW).encrypt_key("   ")


def test_master_keys_can_come_as_a_secret() -> None:
    vault = KeyVault.from_raw(SecretStr(NEW))
    assert vault.decrypt_key(vault.encrypt_key(SecretStr(PROVIDER_KEY))).get_secret_value() == PROVIDER_KEY


def test_the_workspace_key_wins_over_the_platform_key() -> None:
    vault = KeyVault.from_raw(NEW)
    resolved = resolve_key(vault.encrypt_key(PROVIDER_KEY), "platform-key", vault=vault, provider="apollo")
    assert resolved.source is KeySource.WORKSPACE
    assert resolved.key.get_secret_value() == PROVIDER_KEY
    assert PROVIDER_KEY not in repr(resolved)


def test_the_platform_key_is_used_when_the_workspace_has_none() -> None:
    vault = KeyVault.from_raw(NEW)
    resolved = resolve_key(None, SecretStr("platform-key"), vault=vault, provider="apollo")
    assert resolved.source is KeySource.PLATFORM
    assert resolved.key.get_secret_value() == "platform-key"
    assert resolve_key("", "platform-key", vault=vault, provider="apollo").source is KeySource.PLATFORM


def test_no_key_at_all_is_an_auth_error() -> None:
    with pytest.raises(ProviderAuthError, match="apollo authentication failed: no API key"):
        resolve_key(None, None, vault=KeyVault.from_raw(NEW), provider="apollo")
    with pytest.raises(ProviderAuthError):
        resolve_key(None, " ", vault=KeyVault.from_raw(NEW), provider="apollo")


def test_a_broken_workspace_token_does_not_fall_back_to_the_platform_pool() -> None:
    token = KeyVault.from_raw(OLD).encrypt_key(PROVIDER_KEY)
    with pytest.raises(KeyVaultError):
        resolve_key(token, "platform-key", vault=KeyVault.from_raw(NEW), provider="apollo")
