"""Email verification status: the seed's contact object values, from any provider's or file's words."""

from __future__ import annotations

import re

VERIFICATION_STATUSES = ("unverified", "valid", "invalid", "risky", "unknown")

_WORDS: dict[str, str] = {
    "valid": "valid", "verified": "valid", "deliverable": "valid", "ok": "valid", "safe": "valid",
    "invalid": "invalid", "undeliverable": "invalid", "bounced": "invalid", "bounce": "invalid",
    "bad": "invalid", "hard bounce": "invalid", "spamtrap": "invalid", "spam trap": "invalid",
    "risky": "risky", "catch all": "risky", "catchall": "risky", "accept all": "risky",
    "accept_all": "risky", "likely to engage": "valid", "extrapolated": "risky", "guessed": "risky",
    "role": "risky", "disposable": "risky",
    "unknown": "unknown", "unavailable": "unknown",
    "unverified": "unverified", "not verified": "unverified", "pending": "unverified", "new": "unverified",
}  # fmt: skip
# a provider's qualifier after the status word: "Valid (Esp)", "Valid (Digital)"
_QUALIFIER = re.compile(r"\s*\([^()]*\)\s*$")


def verification_status(value: str | None) -> str | None:
    """`"Verified"` -> `"valid"`, `"catch-all"` -> `"risky"`, `"Valid (Esp)"` -> `"valid"`; None for
    words that say none of them."""
    if not value:
        return None
    for text in (value, _QUALIFIER.sub("", value)):
        key = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
        status = _WORDS.get(key) or _WORDS.get(key.replace(" ", "_"))
        if status:
            return status
    return None
