"""BYOK: workspace provider keys encrypted at rest with Fernet, rotatable master keys.

The master keys arrive as one string, a comma-separated list of Fernet keys, newest first
(locally from an environment variable, on AWS from a secret holding the same value). Encryption
always uses the newest; decryption tries each, so a token written under an older master key
still opens until it is rotated. Rotating the master key is: prepend the new key, `rotate()`
every stored token, then drop the old key.

Decrypted keys are handed out as `pydantic.SecretStr`, whose str/repr print asterisks, so a key
that ends up in a log line, an f-string or an exception shows nothing.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from enum import StrEnum

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from functions.enrich.errors import ProviderAuthError


class KeyVaultError(Exception):
    """A master key or stored token is unusable. The message never includes key material."""


def load_master_keys(raw: str | SecretStr) -> MultiFernet:
    """A MultiFernet from `"newest,older,..."`; raises KeyVaultError naming the bad position."""
    value = raw.get_secret_value() if isinstance(raw, SecretStr) else raw
    parts = [part.strip() for part in (value or "").split(",") if part.strip()]
    if not parts:
        raise KeyVaultError("no enrichment master key is configured")
    fernets = []
    for position, part in enumerate(parts, start=1):
        try:
            fernets.append(Fernet(part))
        except (ValueError, binascii.Error):
            # `from None`: the underlying error message could quote the bad key
            raise KeyVaultError(
                f"enrichment master key #{position} is not a Fernet key (32 url-safe base64 bytes)"
            ) from None
    return MultiFernet(fernets)


def generate_master_key() -> str:
    """A fresh Fernet key, for setup scripts and tests."""
    return Fernet.generate_key().decode("ascii")


class KeyVault:
    def __init__(self, master: MultiFernet) -> None:
        self._master = master

    @classmethod
    def from_raw(cls, raw: str | SecretStr) -> KeyVault:
        return cls(load_master_keys(raw))

    def __repr__(self) -> str:
        return "KeyVault(<master keys hidden>)"

    def encrypt_key(self, plaintext: str | SecretStr) -> str:
        """The token to store for a provider key (ASCII, safe in DynamoDB and JSON)."""
        value = plaintext.get_secret_value() if isinstance(plaintext, SecretStr) else plaintext
        value = value.strip()
        if not value:
            raise KeyVaultError("refusing to store an empty provider key")
        return self._master.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt_key(self, token: str) -> SecretStr:
        """The provider key inside `token`, wrapped so it cannot be printed by accident."""
        try:
            return SecretStr(self._master.decrypt(token.encode("ascii")).decode("utf-8"))
        except (InvalidToken, UnicodeError):
            raise KeyVaultError(
                "stored provider key cannot be decrypted with any configured master key"
            ) from None

    def rotate(self, token: str) -> str:
        """`token` re-encrypted under the newest master key (same provider key inside)."""
        try:
            return self._master.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise KeyVaultError(
                "stored provider key cannot be rotated: no configured master key opens it"
            ) from None


class KeySource(StrEnum):
    WORKSPACE = "workspace"  # BYOK: credits burn from the workspace's own account
    PLATFORM = "platform"  # the shared pool


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    key: SecretStr
    source: KeySource


def resolve_key(
    workspace_token: str | None,
    platform_key: SecretStr | str | None,
    *,
    vault: KeyVault,
    provider: str,
) -> ResolvedKey:
    """The workspace's own key when it has one, the platform key otherwise.

    A workspace token that fails to decrypt raises instead of falling back: silently charging
    the shared pool for a BYOK customer would spend platform credits nobody agreed to.
    """
    if workspace_token:
        return ResolvedKey(vault.decrypt_key(workspace_token), KeySource.WORKSPACE)
    if isinstance(platform_key, str):
        platform_key = SecretStr(platform_key)
    if platform_key is not None and platform_key.get_secret_value().strip():
        return ResolvedKey(platform_key, KeySource.PLATFORM)
    raise ProviderAuthError(provider, "no API key is configured")
