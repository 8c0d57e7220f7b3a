"""What a header means in every major exporter's dialect, and what a column's cells say it holds.

Headers are read as words, not strings: "E-mail 1 - Value" (Google), "Business City"
(Outlook), "MailingCity" and "LinkedIn__c" (Salesforce API names), "Person - Email - Work"
(Pipedrive), "Person Linkedin Url" (Apollo), "Phone Number (2)" (a repeated HubSpot header
after disambiguation). A header is split into words (camelCase and `__c` suffixes undone,
a group number taken out), then matched whole, then with the exporter's prefixes and
qualifiers taken off. Words about the account or company, or about IP geolocation, make a
column the company's or the visit's, never the person's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from functions.common.rows import STANDARD_FIELDS

# In preference order: when two headers claim one field, the earlier synonym wins and the
# other column is kept as custom data. Matching is on the words joined (see compact()).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": (
        "email", "email address", "e-mail", "e-mail address", "work email", "business email",
        "contact email", "primary email", "email id", "mail", "corporate email", "company email",
        "office email", "person email", "emails", "email address 1", "personal email",
        "email adresse", "adresse email", "correo", "correo electronico", "courriel",
    ),
    "first_name": ("first name", "first", "firstname", "given name", "forename", "fname",
                   "contact first name", "person first name", "vorname", "prenom", "nombre"),
    "last_name": ("last name", "last", "lastname", "surname", "family name", "lname",
                  "contact last name", "person last name", "nachname", "apellido", "apellidos", "nom",
                  "nom de famille"),
    "full_name": ("full name", "name", "contact name", "person name", "contact full name",
                  "person", "lead name", "prospect name"),
    "name_suffix": ("name suffix", "suffix", "generational suffix"),
    "title": ("title", "job title", "position", "role", "job role", "designation", "contact title",
              "job position", "person title", "occupation", "jobtitle", "current position"),
    "department": ("department", "dept", "departments", "job function", "function", "division", "team"),
    "seniority": ("seniority", "seniority level", "job level", "management level", "level"),
    "phone": ("phone", "phone number", "work phone", "direct phone", "office phone",
              "business phone", "telephone", "tel", "direct dial", "contact phone", "phone 1",
              "direct phone number", "work direct phone", "landline", "telephone number",
              "primary phone", "main phone", "phones", "work", "landline number", "direct number",
              "telefon", "telefono",
              "telefonnummer"),
    "mobile": ("mobile", "mobile phone", "mobile number", "cell", "cell phone", "cell number",
               "mobile phone number", "cellular", "mobilephone", "cell phone number", "sms", "handy",
               "mobil", "movil", "portable", "celular"),
    "linkedin_url": ("linkedin url", "linkedin", "contact linkedin url", "linkedin profile",
                     "linkedin profile url", "person linkedin url", "linkedin link", "li url",
                     "linkedin contact profile url"),
    "city": ("city", "town", "contact city", "person city", "locality", "ville", "stadt", "ciudad", "ort"),
    "state": ("state", "province", "state province", "state/province", "region", "state region",
              "contact state", "county", "state or province"),
    "country": ("country", "country name", "contact country", "person country",
                "country region", "country/region", "pays", "pais"),
    "time_zone": ("time zone", "timezone", "tz"),
    "lead_source": ("lead source", "contact source", "original source", "source", "source name"),
    "verification_status": ("email status", "email verification", "email verification status",
                            "verification status", "email validation", "email validation status"),
    "company_name": ("company name", "company", "account name", "account", "organization",
                     "organisation", "organization name", "organisation name", "org", "employer",
                     "business name", "firm", "associated company", "company name 1"),
    "company_domain": ("company domain", "domain", "account domain", "organization domain",
                       "company website", "website", "company url", "web site", "website url", "url",
                       "homepage", "web", "company website url", "web page", "company domain name",
                       "domains", "email domain", "web address"),
    "owner_email": ("owner email", "contact owner email", "account owner email", "sales rep email",
                    "assigned to email", "owner e-mail", "owner", "contact owner", "lead owner",
                    "record owner", "sales rep", "assigned to", "owner name", "sales owner"),
    "tags": ("tags", "tag", "labels", "label", "contact tags", "categories", "category", "group membership"),
    "contact_id": ("contact id", "eg-con-id", "id", "record id", "contact record id", "crm id"),
}  # fmt: skip

# Headers that name a field only when no other column names it more surely: "Display Name" is
# the person's name in an address book (Thunderbird) but the lead's, a company's, in Close,
# where "primary_contact_name" says whose name it is.
WEAK_SYNONYMS: dict[str, tuple[str, ...]] = {"full_name": ("display name",)}
_WEAK_RANK = 40  # the lowest synonym confidence (0.75)

# First words that make a column the account's or company's: never a person's field, except
# the company's own name and domain, and (Google's "Organization 1 - Title") the person's
# title and department at it.
COMPANY_WORDS = frozenset(
    (
        "company", "account", "organization", "organisation", "org", "hq", "headquarters",
        "corporate", "employer", "business", "firm", "parent", "associated",
    )
)  # fmt: skip
_COMPANY_OWN = frozenset(("company_name", "company_domain"))
_PERSON_AT_COMPANY = frozenset(("title", "department"))
# IP geolocation says where a visit came from, not where the person is.
IP_WORDS = frozenset(("ip", "geoip", "geo"))
# Prefixes and qualifiers exporters put around a person's field ("Person - Email - Work",
# "MailingCity", "Work Direct Phone", "Primary Email").
PERSON_WORDS = frozenset(
    (
        "person", "contact", "lead", "prospect", "member", "people", "primary", "main", "work",
        "mailing", "direct", "current", "subscriber", "user", "your", "my", "professional",
        "recommended", "best", "verified",
    )
)  # fmt: skip
# "Business" is the person's work address and phone in Outlook ("Business City", "Business Phone").
_OUTLOOK_BUSINESS = frozenset(("city", "state", "country", "phone", "email", "countryregion", "stateregion"))
# Alternatives: a home or other phone or email is still the person's, but only when nothing better is there.
ALT_WORDS = frozenset(
    ("home", "personal", "other", "private", "alternate", "alternative", "secondary", "billing")
)
_ALT_FIELDS = frozenset(("email", "phone"))
# A home address is the person's too (an "other" or "alternate" one may be anyone's), and a
# billing address is the customer's own in B2C and marketing exports (Keap's "Billing Address
# City", WooCommerce's "Billing Email"): they fill the address only when nothing better does
# (Constant Contact's filled "City - Home" beside an empty "City - Work").
_OWN_ADDRESS_WORDS = frozenset(("home", "billing"))
_ADDRESS_FIELDS = frozenset(("city", "state", "country"))

# Google's numbered groups: "Address 1 - City", "E-mail 1 - Value"
CONTAINER_WORDS = frozenset(("address", "location", "postal"))
_CONTAINED = frozenset(("city", "state", "country"))
# Composite fields written "<field> / <part>" (Twenty's "Name / First Name", "Phones / Primary
# Phone Number", "Emails / Primary Email"): the part names the field when it is of the same kind.
_NAME_PARTS = frozenset(("first_name", "last_name", "full_name", "name_suffix"))
_COMPOSITES: dict[str, frozenset[str]] = {
    "name": _NAME_PARTS, "names": _NAME_PARTS, "email": frozenset(("email",)), "emails": frozenset(("email",)),
    "phone": frozenset(("phone", "mobile")), "phones": frozenset(("phone", "mobile")),
}  # fmt: skip
# fields whose headers end in a meta word ("Email Status", "Lead Source") yet name the field itself
_META_FIELDS = frozenset(("lead_source", "verification_status"))
META_WORDS = frozenset(("type", "label", "status", "source", "verified", "validation", "confidence"))

# "Owner 1 First Name" (skip-trace and property exports: PropStream, DealMachine): a numbered
# owner is a person the record is about, not the CRM user who owns it; CRMs never number their
# record owner. Owner 1 fills the person's name, email and phones; owner 2 on is custom data.
_NUMBERED_OWNER = re.compile(r"\s*owner\s*[-_#]?\s*0*1(?![0-9])", re.IGNORECASE)
_OWNED_PERSON_FIELDS = frozenset(
    ("first_name", "last_name", "full_name", "name_suffix", "email", "phone", "mobile")
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_API_SUFFIX = re.compile(r"__(?:c|pc|r|s)$", re.IGNORECASE)
_REPEATED = re.compile(r"^(.*\S)\s*\((\d+)\)$")
_E_MAIL = re.compile(r"\be[\s_\-]?mail")
_WORD = re.compile(r"[a-z0-9]+")
POSITIONAL = re.compile(r"Column \d+(?: \(\d+\))?")


def compact(text: str) -> str:
    """Lowercase letters and digits only, accents dropped: `" E-Mail_Address "` -> `"emailaddress"`."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if c.isalnum() and not unicodedata.combining(c))


def header_words(header: str) -> tuple[tuple[str, ...], int]:
    """The header's words and its group number: `"E-mail 2 - Value"` -> (("email", "value"), 2).

    A repeated header disambiguated as "Phone Number (2)" is group 2; a Salesforce API name
    loses its `__c`; camelCase is split. Without a number the group is 1.
    """
    text = header.strip()
    group = 1
    m = _REPEATED.match(text)
    if m:
        text, group = m.group(1), int(m.group(2))
    text = _API_SUFFIX.sub("", text)
    text = _CAMEL.sub(" ", text)
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = _E_MAIL.sub("email", folded)
    words: list[str] = []
    for word in _WORD.findall(folded):
        if word.isdigit() and len(word) <= 2:
            if group == 1:
                group = int(word) or 1
            continue
        words.append(word)
    # "Linked In" from splitting "LinkedIn"
    joined: list[str] = []
    for word in words:
        if word == "in" and joined and joined[-1] == "linked":
            joined[-1] = "linkedin"
        else:
            joined.append(word)
    return tuple(joined), group


def _build_table() -> dict[str, tuple[str, int]]:
    table: dict[str, tuple[str, int]] = {}
    for name in STANDARD_FIELDS:
        table[compact(name)] = (name, 0)
    for name, phrases in SYNONYMS.items():
        for rank, phrase in enumerate(phrases, start=2):
            words, _ = header_words(phrase)
            table.setdefault("".join(words), (name, rank))
            table.setdefault(compact(phrase), (name, rank))
    for name, phrases in WEAK_SYNONYMS.items():
        for phrase in phrases:
            words, _ = header_words(phrase)
            table.setdefault("".join(words), (name, _WEAK_RANK))
    return table


_TABLE = _build_table()


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """What a header says: a standard field (or None), how sure, and whose column it is."""

    field: str | None
    how: str  # "exact" | "synonym" | "unmatched"
    confidence: float
    scope: str = "person"  # "person" | "company" | "ip" | "meta" (type/label of a group)
    group: int = 1
    note: str | None = None


_NONE = HeaderMatch(None, "unmatched", 0.0, "person", 1)


def _whole(words: Sequence[str]) -> tuple[str, int] | None:
    if not words:
        return None
    return _TABLE.get("".join(words))


def _confidence(rank: int, penalty: float = 0.0) -> float:
    base = 1.0 if rank == 0 else max(0.9 - 0.005 * rank, 0.75)
    return round(base - penalty, 3)


def _business_contact(rest: Sequence[str]) -> bool:
    """Whether words after "Business" are the person's work contact details ("Business City",
    "Business Email Validation Status"), not the business's own columns."""
    return "".join(rest) in _OUTLOOK_BUSINESS or rest[0] == "email"


def _alternative(word: str, field: str) -> bool:
    """Whether a header qualified by an alternative word ("Home", "Other") may still name `field`."""
    return field in _ALT_FIELDS or (word in _OWN_ADDRESS_WORDS and field in _ADDRESS_FIELDS)


def _match_words(words: tuple[str, ...], depth: int = 0) -> tuple[str, float] | None:
    """The field these words name and a confidence, with exporter prefixes and qualifiers peeled."""
    found = _whole(words)
    if found is None and len(words[-1]) > 3 and words[-1].endswith("s"):
        found = _whole((*words[:-1], words[-1][:-1]))  # "Mobile Phones", "Work Emails"
    if found is not None:
        return found[0], _confidence(found[1])
    if depth > 3 or len(words) < 2:
        return None
    first, rest = words[0], words[1:]
    last, head = words[-1], words[:-1]
    if first in PERSON_WORDS or (first == "business" and _business_contact(rest)):
        sub = _match_words(rest, depth + 1)
        if sub is not None:
            return sub[0], round(sub[1] - 0.05, 3)
    if first in ALT_WORDS:
        sub = _match_words(rest, depth + 1)
        if sub is not None and _alternative(first, sub[0]):
            return sub[0], round(sub[1] - 0.25, 3)
        return None
    if first in CONTAINER_WORDS:
        sub = _match_words(rest, depth + 1)
        if sub is not None and sub[0] in _CONTAINED:
            return sub[0], round(sub[1] - 0.05, 3)
    if first in _COMPOSITES:
        sub = _match_words(rest, depth + 1)
        if sub is not None and sub[0] in _COMPOSITES[first]:
            return sub[0], round(sub[1] - 0.05, 3)
    if last == "value":
        return _match_words(head, depth + 1)
    if last in PERSON_WORDS or last in ("office", "business"):
        sub = _match_words(head, depth + 1)
        if sub is not None:
            return sub[0], round(sub[1] - 0.05, 3)
    if last in ALT_WORDS:
        sub = _match_words(head, depth + 1)
        if sub is not None and _alternative(last, sub[0]):
            return sub[0], round(sub[1] - 0.25, 3)
    if last in ("mobile", "cell"):
        sub = _match_words(head, depth + 1)
        if sub is not None and sub[0] in ("phone", "mobile"):
            return "mobile", round(sub[1] - 0.05, 3)
    return None


@lru_cache(maxsize=4096)
def match_header(header: str) -> HeaderMatch:
    """The standard field a header names in any exporter's dialect, or why it names none."""
    words, group = header_words(header)
    if not words or POSITIONAL.fullmatch(header):
        return _NONE  # "Column 3": a name given for an empty header, not a third group
    key = "".join(words)
    exact = compact(header) in _TABLE and _TABLE[compact(header)][1] == 0
    if group > 1:
        found = _match_words(words)
        note = f"a second {found[0]} (group {group}) is kept as custom data" if found else None
        return HeaderMatch(None, "unmatched", 0.0, "person", group, note)
    if words[0] in IP_WORDS or ("ip" in words[:-1] and words[-1] in ("city", "country", "state", "timezone")):
        return HeaderMatch(None, "unmatched", 0.0, "ip", group, "IP geolocation, not the person's address")
    if words[-1] in ("label", "labels") and all(w in PERSON_WORDS for w in words[:-1]):
        return HeaderMatch("tags", "synonym", 0.85, "person", group)  # Pipedrive's "Person - Label"
    if words[-1] in META_WORDS and len(words) > 1 and _TABLE.get(key, ("", 0))[0] not in _META_FIELDS:
        # the status of the person's email, however qualified ("Business Email Validation
        # Status"), is the verification status; the type or label of anything else is meta
        qualified = _match_words(words)
        if qualified is None or qualified[0] not in _META_FIELDS:
            return HeaderMatch(None, "unmatched", 0.0, "meta", group)
        return HeaderMatch(qualified[0], "synonym", qualified[1], "person", group)
    if "linkedin" in words and key not in _TABLE:
        if any(w in COMPANY_WORDS or w in ("school", "previous", "past") for w in words):
            return HeaderMatch(None, "unmatched", 0.0, "company", group, "the company's LinkedIn page")
        return HeaderMatch("linkedin_url", "synonym", 0.8, "person", group)
    if (words[0] in COMPANY_WORDS and key not in _TABLE) or (
        words[0] in COMPANY_WORDS and _TABLE[key][0] not in _COMPANY_OWN and len(words) > 1
    ):
        return _company_column(words, group)
    if words[0] == "owner" and len(words) > 1 and _NUMBERED_OWNER.match(header):
        owned = _match_words(words[1:])
        if owned is not None and owned[0] in _OWNED_PERSON_FIELDS:
            return HeaderMatch(owned[0], "synonym", round(owned[1] - 0.1, 3), "person", group)
    found = _match_words(words)
    if found is None:
        return HeaderMatch(None, "unmatched", 0.0, "person", group)
    field, confidence = found
    if field not in STANDARD_FIELDS:
        return HeaderMatch(None, "unmatched", 0.0, "person", group)
    how = "exact" if exact else "synonym"
    # "Organization - Name" is the company's record; "Person - Organization" is the person's
    scope = "company" if words[0] in COMPANY_WORDS and len(words) > 1 and not exact else "person"
    return HeaderMatch(field, how, confidence, scope, group)


def _company_column(words: tuple[str, ...], group: int) -> HeaderMatch:
    rest = words[1:]
    if not rest or rest in (("name",), ("names",)):
        return HeaderMatch("company_name", "synonym", 0.85, "company", group)
    sub = _match_words(rest)
    if sub is not None and sub[0] in _COMPANY_OWN:
        return HeaderMatch(sub[0], "synonym", round(sub[1] - 0.05, 3), "company", group)
    if sub is not None and sub[0] == "full_name" and rest == ("name",):
        return HeaderMatch("company_name", "synonym", 0.85, "company", group)
    if sub is not None and sub[0] in _PERSON_AT_COMPANY:
        return HeaderMatch(sub[0], "synonym", round(sub[1] - 0.1, 3), "person", group)
    if words[0] == "business" and _business_contact(rest):
        sub = _match_words(rest)
        if sub is not None:
            return HeaderMatch(sub[0], "synonym", round(sub[1] - 0.05, 3), "person", group)
    return HeaderMatch(None, "unmatched", 0.0, "company", group, "the company's, not the person's")


# --------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?:mailto:)?<?[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}>?", re.IGNORECASE)
_LINKEDIN_PROFILE = re.compile(
    r"(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/(?:in|pub|sales/lead|sales/people)/\S+", re.IGNORECASE
)
_LINKEDIN_OTHER = re.compile(r"(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/\S*", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}/?", re.IGNORECASE)
_PHONE = re.compile(r"\+?[\d\s().\-/]{6,24}(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[T ].*)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?: .*)?")
_DIGITS = re.compile(r"\d")
SALUTATIONS = frozenset(
    (
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "dame", "lord", "lady",
        "rev", "fr", "herr", "frau", "m", "mme", "mlle", "sr", "sra", "srta", "mr and mrs", "messrs",
    )
)  # fmt: skip
# A mailing list's subscription states (Mailchimp, Constant Contact, Klaviyo): what an "Email
# status" holds in an email marketing export, where it is not an email verification result.
SUBSCRIPTION_STATES = frozenset(
    (
        "active", "subscribed", "unsubscribed", "notsubscribed", "neversubscribed", "nonsubscribed",
        "cleaned", "pending", "optedin", "optedout", "optin", "optout", "removed", "archived",
        "transactional",
    )
)  # fmt: skip
OUR_CONTACT_ID = re.compile(r"cont_(?:[0-9a-f]{20}|[0-9a-f]{10}_[a-z2-7]+)")  # both id formats


@dataclass(frozen=True, slots=True)
class ValueProfile:
    """What share of a column's sampled non-empty cells looks like each kind of value."""

    filled: int
    email: float = 0.0
    linkedin_profile: float = 0.0
    linkedin_other: float = 0.0
    url: float = 0.0
    domain: float = 0.0
    phone: float = 0.0
    salutation: float = 0.0
    contact_id: float = 0.0
    subscription: float = 0.0

    def kind(self) -> str | None:
        """The kind most cells share (at least 80% of them), if any."""
        if self.filled == 0:
            return None
        for name in ("email", "linkedin_profile", "linkedin_other", "salutation", "contact_id", "phone"):
            if getattr(self, name) >= 0.8:
                return name
        if self.url + self.domain >= 0.8:
            return "website"
        return None


def looks_like_phone(value: str) -> bool:
    text = value.lstrip("' ")
    if not _PHONE.fullmatch(text) or _DATE.fullmatch(text):
        return False
    digits = len(_DIGITS.findall(text))
    return 7 <= digits <= 15


def profile_values(values: Sequence[str]) -> ValueProfile:
    cells = [v.strip() for v in values if v and v.strip()]
    n = len(cells)
    if n == 0:
        return ValueProfile(0)
    counts = dict.fromkeys(
        (
            "email", "linkedin_profile", "linkedin_other", "url", "domain", "phone", "salutation",
            "contact_id", "subscription",
        ),
        0,
    )  # fmt: skip
    for cell in cells:
        if _EMAIL.fullmatch(cell):
            counts["email"] += 1
        elif _LINKEDIN_PROFILE.fullmatch(cell):
            counts["linkedin_profile"] += 1
        elif _LINKEDIN_OTHER.fullmatch(cell):
            counts["linkedin_other"] += 1
        elif _URL.fullmatch(cell):
            counts["url"] += 1
        elif _DOMAIN.fullmatch(cell):
            counts["domain"] += 1
        elif looks_like_phone(cell):
            counts["phone"] += 1
        elif compact(cell) in SALUTATIONS and len(cell) <= 12:
            counts["salutation"] += 1
        elif OUR_CONTACT_ID.fullmatch(cell):
            counts["contact_id"] += 1
        elif compact(cell) in SUBSCRIPTION_STATES:
            counts["subscription"] += 1
    return ValueProfile(n, **{k: round(v / n, 3) for k, v in counts.items()})


# What each clear kind of cell is compatible with; a field not listed for the kind its cells
# have is contradicted by them.
_KIND_FITS: dict[str, frozenset[str]] = {
    "email": frozenset(("email", "owner_email", "company_domain", "contact_id", "tags")),
    "linkedin_profile": frozenset(("linkedin_url", "tags")),
    "linkedin_other": frozenset(("tags",)),
    "website": frozenset(("company_domain", "tags")),
    "phone": frozenset(("phone", "mobile", "contact_id", "tags")),
    "salutation": frozenset(("name_suffix", "tags")),
    "contact_id": frozenset(("contact_id",)),
}
# Headers that name a person's owner without saying it is an address: the cells decide.
_OWNER_BY_NAME = frozenset(("owner", "contactowner", "leadowner", "recordowner", "salesrep", "assignedto",
                            "ownername", "salesowner", "personowner"))  # fmt: skip


def contradicts(field: str, values: ValueProfile, header: str = "") -> str | None:
    """Why the sampled cells say the column is not `field`, or None when they allow it.

    A clear header keeps its field when some cells are bad (each such cell is a row warning);
    only cells of another clear kind overrule it: a "Title" of salutations, a "URL" of
    LinkedIn profiles, a "Phone" of email addresses. Owner and generic id headers need
    their cells to agree: a name is not an identity; a contact id column must hold this
    workspace's ids (`cont_…`), not another CRM's record ids.
    """
    if values.filled == 0:
        return None
    kind = values.kind()
    key = "".join(header_words(header)[0]) if header else ""
    if field == "owner_email" and key in _OWNER_BY_NAME and values.email < 0.5:
        return "its cells are names, not email addresses (a name is not an identity)"
    if field == "contact_id" and values.contact_id < 0.5:
        return "its cells are another system's ids, not this workspace's contact ids"
    if field == "title" and values.salutation >= 0.5:
        return "its cells are salutations (Mr., Dr.), not job titles"
    if field == "verification_status" and values.subscription >= 0.5:
        return "its cells are subscription states (Active, Unsubscribed), not email verification results"
    if kind is not None and field not in _KIND_FITS.get(kind, frozenset((field,))):
        what = {
            "email": "email addresses",
            "linkedin_profile": "LinkedIn profile URLs",
            "linkedin_other": "LinkedIn company pages",
            "website": "websites",
            "phone": "phone numbers",
            "salutation": "salutations (Mr., Dr.)",
            "contact_id": "contact ids",
        }[kind]
        return f"its cells are {what}"
    return None
