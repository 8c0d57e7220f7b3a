"""Stable company ids: `comp_` and the company's registrable domain in lowercase base32.

A Company is keyed platform-wide by its domain, so the id is that key written so that it
reads as an opaque token and turns back into the key: the same company has the same id in
every workspace and every process, and no index or counter is needed to look it up.
"""

from __future__ import annotations

import base64
import binascii

PREFIX = "comp_"


def company_id(domain: str) -> str:
    encoded = base64.b32encode(domain.encode("utf-8")).decode("ascii").rstrip("=").lower()
    return PREFIX + encoded


def domain_of(value: str) -> str | None:
    """The domain a company id stands for, or None when the text is not a company id."""
    if not value.startswith(PREFIX) or len(value) <= len(PREFIX):
        return None
    body = value[len(PREFIX) :].upper()
    try:
        domain = base64.b32decode(body + "=" * (-len(body) % 8)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return domain if domain and company_id(domain) == value else None
