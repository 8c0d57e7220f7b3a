"""Contact ids that yield their table key: `cont_<10 hex>_<email in lowercase base32>`.

A contact is keyed by (workspace, canonical email) and every id lookup is made within a
workspace (the API key's, the import's, the event's), so an id that carries the email is all a
reader needs for one consistent GetItem; the item's own `contact_id` must then equal the id.
That makes an id index on the Contacts table unnecessary (it cost every new contact a second
write). The random part keeps ids unique over time: a contact deleted and created again with
the same email gets a new id, so nothing stored under the old id (read-model tombstones,
webhook consumers) mistakes the new contact for the old one.

The id is as personal as the email it carries: what must hold no personal data after a GDPR
erasure (the retention log, the read model's tombstones) keeps `without_email(id)` or a hash.

Ids made before this format (`cont_<20 hex>`) carry no key: readers resolve them through the
read model (`functions.query.contacts.emails_by_id`), which every contact reaches through the
stream within about a second of its creation; such contacts are old by construction.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets

PREFIX = "cont_"
_RANDOM_HEX = 10
# the longest id: an email of 254 bytes in base32 (what API fields holding contact ids accept)
MAX_LENGTH = len(PREFIX) + _RANDOM_HEX + 1 + -(-254 * 8 // 5)
_NEW = re.compile(r"^cont_([0-9a-f]{10})_([a-z2-7]+)$")


def _b32(text: str) -> str:
    return base64.b32encode(text.encode("utf-8")).decode("ascii").rstrip("=").lower()


def new_contact_id(email: str) -> str:
    return f"{PREFIX}{secrets.token_hex(_RANDOM_HEX // 2)}_{_b32(email)}"


def email_of(contact_id: str) -> str | None:
    """The email a contact id carries; None for an id of the older format or not an id at all."""
    m = _NEW.match(contact_id)
    if m is None:
        return None
    body = m.group(2).upper()
    try:
        email = base64.b32decode(body + "=" * (-len(body) % 8)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return email if email and _b32(email) == m.group(2) else None


def without_email(contact_id: str) -> str:
    """The id with the email it carries left out (`cont_<10 hex>`): for records that must hold
    no personal data; an id of the older format carries none and is returned as it is."""
    m = _NEW.match(contact_id)
    return f"{PREFIX}{m.group(1)}" if m else contact_id
