"""Canonical forms of the values that identify a contact: email, company domain, name, phone.

Pure and fast: Intake calls these once or more per row at 25,000+ rows/s, so the common
cases take a cheap path and everything expensive (IDNA, the public-suffix lookup, email
domain rules) is cached per domain. Nothing here touches the network.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import phonenumbers
import pycountry
import tldextract
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.phonemetadata import PhoneMetadata

__all__ = [
    "canonical_email",
    "country_iso2",
    "domain_facts",
    "e164_of",
    "e164_phone",
    "fill_name_parts",
    "is_free_mail",
    "normalise_linkedin_url",
    "registrable_domain",
    "split_full_name",
    "strip_name_suffix",
]

# --------------------------------------------------------------------------------------
# email
# --------------------------------------------------------------------------------------

# A lowercase ASCII dot-atom address with an LDH domain. email-validator accepts every
# address this matches provided the domain passes its rules (checked once per domain below)
# and the length limits hold, so a match can skip the ~60 µs full validation. Written with
# possessive repeats and no capture groups (a label is 1-63 LDH characters with no "-" at
# either end), it takes sre about half the steps of the plain form
# `({atom}(?:\.{atom})*)@({label}(?:\.{label})+)` with label `[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?`;
# tests/unit/test_canonical.py holds the two to the same verdicts.
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]++"
_LABEL = r"(?!-)[a-z0-9-]{1,63}+(?<!-)"
_FAST_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*+@{_LABEL}(?:\.{_LABEL})++")
_MAX_LOCAL = 64
_MAX_EMAIL = 254
# Domains already found acceptable: one set lookup instead of the checks, for the many
# rows that share a company domain. Cleared when full rather than evicted one by one.
_GOOD_DOMAINS: set[str] = set()
_GOOD_DOMAINS_MAX = 100_000


def canonical_email(value: str) -> str:
    """The identity form of an email address: `" Bob <BOB@Acme.COM>"` -> `"bob@acme.com"`.

    Trims, strips `mailto:` and a display name in angle brackets, applies NFC, encodes the
    domain with IDNA and lowercases everything. Dots and `+tags` are kept: they are not the
    same mailbox at every provider. Raises ValueError with a message a person can act on.
    """
    text = value.strip()
    if not text:
        raise ValueError("the email address is empty")
    if "<" in text or (":" in text and text[:7].lower() == "mailto:"):
        text = _unwrap(text)
    if text.isascii():
        text = text.lower()
        if (
            _FAST_EMAIL.fullmatch(text) is not None
            and len(text) <= _MAX_EMAIL
            # the only "@": neither part's characters include one
            and (at := text.find("@")) <= _MAX_LOCAL
        ):
            domain = text[at + 1 :]
            if domain in _GOOD_DOMAINS:
                return text
            problem = _domain_problem(domain)
            if problem is None:
                if len(_GOOD_DOMAINS) >= _GOOD_DOMAINS_MAX:
                    _GOOD_DOMAINS.clear()
                _GOOD_DOMAINS.add(domain)
                return text
            raise ValueError(f"{value.strip()!r} is not a valid email address: {problem}")
    else:
        text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower())
    return _slow_canonical(text, value)


def _unwrap(text: str) -> str:
    if "<" in text:
        start = text.rfind("<")
        end = text.find(">", start)
        if end > start:
            text = text[start + 1 : end].strip()
    if text[:7].lower() == "mailto:":
        text = text[7:].split("?", 1)[0].strip()
    return text


# All of email-validator's special-use names are single labels today; a multi-label one
# added later is still honoured, just checked more slowly.
_SPECIAL_USE_TLDS = frozenset(d for d in SPECIAL_USE_DOMAIN_NAMES if "." not in d)
_SPECIAL_USE_LONG = tuple(d for d in SPECIAL_USE_DOMAIN_NAMES if "." in d)


def _domain_problem(domain: str) -> str | None:
    """Why email-validator refuses this lowercase LDH domain, or None.

    For an LDH domain email-validator checks only what the first condition below checks
    (length, a letter at the end, no reserved name); "--" (R-LDH and punycode labels,
    which need IDNA validation) and every refusal go to email-validator itself so that
    the verdict and the message are its own.
    """
    if (
        len(domain) <= 253
        and "--" not in domain
        and domain[-1].isalpha()
        and domain[domain.rfind(".") + 1 :] not in _SPECIAL_USE_TLDS
        and not (
            _SPECIAL_USE_LONG and any(domain == d or domain.endswith("." + d) for d in _SPECIAL_USE_LONG)
        )
    ):
        return None
    return _domain_problem_slow(domain)


@lru_cache(maxsize=4096)
def _domain_problem_slow(domain: str) -> str | None:
    try:
        validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None


def _slow_canonical(text: str, original: str) -> str:
    if text.count("@") > 1 and any(sep in text for sep in (",", ";", " ")):
        raise ValueError(f"{original.strip()!r} holds more than one email address; put one per row")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{original.strip()!r} is not a valid email address: {exc}") from None
    local = unicodedata.normalize("NFC", result.local_part.lower())
    return f"{local}@{result.ascii_domain.lower()}"


# --------------------------------------------------------------------------------------
# domains
# --------------------------------------------------------------------------------------

# The bundled public-suffix snapshot only: suffix_list_urls=() means no fetch is ever
# attempted and cache_dir=None means no disk cache is read or written (Lambda's disk is
# read-only outside /tmp).
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)

_HOST_OK = re.compile(r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?")


def registrable_domain(value: str | None) -> str | None:
    """The registrable domain of a URL, host or email (`https://www.acme.co.uk/x` -> `acme.co.uk`).

    Returns the ASCII (punycode) form, matching the domain of `canonical_email`, or None
    when the value has no public suffix (a company name, an IP address, `localhost`).
    """
    if not value:
        return None
    return _registrable(value.strip().lower())


def _registrable_of(text: str) -> str | None:
    """`_registrable` without its cache: the registrable domain of a trimmed, lowercased value."""
    m = _PLAIN_HOST.fullmatch(text)
    if m is not None:
        host = m.group(1)
        return None if ".." in host else _psl_registrable(host)
    host = _host_of(text)
    if not host:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if not _HOST_OK.fullmatch(host) or ".." in host:
        return None
    return _psl_registrable(host)


_registrable = lru_cache(maxsize=16384)(_registrable_of)

# A host that passes _HOST_OK (letters, digits, ".", "_", "-", a letter or digit at each
# end), optionally after http(s):// and before a path without a colon (a later "://" would be
# taken for the scheme): nearly every domain and website cell. For text this matches,
# `_host_of` returns group 1 unchanged, so only the ".." check is left before the suffix lookup.
_PLAIN_HOST = re.compile(r"(?:https?://)?([a-z0-9](?:[a-z0-9._-]*[a-z0-9])?)(?:/[^:]*)?")


def _psl_rules() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    rules, wildcards, exceptions = set(), set(), set()
    for rule in _TLD.tlds:
        if rule.startswith("*."):
            wildcards.add(rule[2:])
        elif rule.startswith("!"):
            exceptions.add(rule[1:])
        else:
            rules.add(rule)
    return frozenset(rules), frozenset(wildcards), frozenset(exceptions)


# tldextract's own lookup costs ~7 µs a call; these set lookups over the same snapshot
# cost ~1 µs, which matters when a million-row file holds 200,000 distinct domains.
_PSL_RULES, _PSL_WILDCARDS, _PSL_EXCEPTIONS = _psl_rules()
# Every label-suffix of every rule ("uk", "co.uk", ...) -> what it is: a suffix not listed
# cannot be extended into a match, which is what lets `_psl_registrable` stop early, and one
# lookup answers all of a suffix's questions.
_PSL_TAIL, _PSL_RULE, _PSL_EXCEPTION, _PSL_WILDCARD = 1, 2, 4, 8


def _psl_flags() -> dict[str, int]:
    flags: dict[str, int] = {}
    for rules, flag in (
        (_PSL_RULES, _PSL_RULE),
        (_PSL_EXCEPTIONS, _PSL_EXCEPTION),
        (_PSL_WILDCARDS, _PSL_WILDCARD),
    ):
        for rule in rules:
            parts = rule.split(".")
            for i in range(len(parts)):
                tail = ".".join(parts[i:])
                flags[tail] = flags.get(tail, 0) | _PSL_TAIL
            flags[rule] |= flag
    return flags


_PSL_FLAGS = _psl_flags()


def _psl_registrable(host: str) -> str | None:
    """Public-suffix-list registrable domain of an ASCII host; None if it has no known suffix.

    The longest matching rule wins (an exception rule before a plain or wildcard one). The
    suffixes are tried shortest first, and the walk stops at the first suffix that no rule
    ends with: no longer suffix can match after it.
    """
    labels = host.split(".")
    # the list holds internationalised suffixes in Unicode
    keys = [_punycode_label(label) for label in labels] if "xn--" in host else labels
    i = len(keys) - 1
    suffix = keys[i]
    found = -1  # the index of the longest matching suffix so far
    exception = False
    wildcard = False  # "*.<previous suffix>" is a rule, so this suffix matches
    while True:
        flags = _PSL_FLAGS.get(suffix, 0)
        if flags & _PSL_EXCEPTION:
            found, exception = i, True
        elif wildcard or flags & _PSL_RULE:
            found, exception = i, False
        if i == 0 or not flags:
            break
        wildcard = (flags & _PSL_WILDCARD) != 0
        i -= 1
        suffix = f"{keys[i]}.{suffix}"
    if found < 0 or (found == 0 and not exception):
        return None
    return ".".join(labels[found:] if exception else labels[found - 1 :])


def _punycode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label


def _host_of(text: str) -> str:
    scheme = text.find("://")
    if scheme != -1:
        text = text[scheme + 3 :]
    elif text.startswith("//"):
        text = text[2:]
    elif "@" in text and "/" not in text.split("@", 1)[0]:
        text = text.rsplit("@", 1)[1]
    for stop in "/?#":
        cut = text.find(stop)
        if cut != -1:
            text = text[:cut]
    if "@" in text:  # user:password@host
        text = text.rsplit("@", 1)[1]
    if ":" in text:
        text = text.split(":", 1)[0]
    return text.strip().rstrip(".")


# Providers whose addresses belong to people, not companies. Brands listed in
# _FREE_MAIL_BRANDS are free mail under any public suffix (yahoo.co.in, hotmail.es, gmx.at).
_FREE_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "ymail.com",
        "rocketmail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "live.co.uk",
        "live.fr",
        "live.de",
        "live.it",
        "live.nl",
        "live.ca",
        "live.com.au",
        "msn.com",
        "passport.com",
        "windowslive.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "aim.com",
        "aol.co.uk",
        "aol.de",
        "aol.fr",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "tutanota.com",
        "tutanota.de",
        "tutamail.com",
        "tuta.io",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "gmx.ch",
        "web.de",
        "freenet.de",
        "t-online.de",
        "arcor.de",
        "yandex.ru",
        "yandex.com",
        "yandex.ua",
        "yandex.by",
        "yandex.kz",
        "ya.ru",
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "internet.ru",
        "rambler.ru",
        "qq.com",
        "foxmail.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sina.cn",
        "sohu.com",
        "aliyun.com",
        "139.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "nate.com",
        "zoho.com",
        "zohomail.com",
        "mail.com",
        "email.com",
        "usa.com",
        "post.com",
        "fastmail.com",
        "fastmail.fm",
        "hushmail.com",
        "hey.com",
        "duck.com",
        "mailinator.com",
        "guerrillamail.com",
        "10minutemail.com",
        "rediffmail.com",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "alice.it",
        "tin.it",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "laposte.net",
        "sfr.fr",
        "neuf.fr",
        "seznam.cz",
        "centrum.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "onet.pl",
        "op.pl",
        "btinternet.com",
        "sky.com",
        "talktalk.net",
        "virginmedia.com",
        "ntlworld.com",
        "blueyonder.co.uk",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "bellsouth.net",
        "cox.net",
        "charter.net",
        "earthlink.net",
        "juno.com",
        "optonline.net",
        "frontier.com",
        "windstream.net",
        "shaw.ca",
        "rogers.com",
        "sympatico.ca",
        "telus.net",
        "bigpond.com",
        "bigpond.net.au",
        "optusnet.com.au",
        "iinet.net.au",
        "xtra.co.nz",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
        "ig.com.br",
        "telenet.be",
        "skynet.be",
        "ziggo.nl",
        "planet.nl",
        "home.nl",
        "kpnmail.nl",
        "bluewin.ch",
        "hotmail.co.uk",
        "hotmail.fr",
        "outlook.fr",
    ]
)
_FREE_MAIL_BRANDS = frozenset(
    ("gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "gmx", "yandex")
)


@lru_cache(maxsize=32768)
def domain_facts(value: str) -> tuple[str | None, bool]:
    """(registrable domain, is free mail) of a trimmed URL, host or email domain, in one lookup."""
    text = value.lower()
    m = _PLAIN_HOST.fullmatch(text)  # `_registrable_of`'s shortcut, inline: this runs for every new domain
    if m is None:
        domain = _registrable_of(text)
    else:
        host = m.group(1)
        domain = None if ".." in host else _psl_registrable(host)
    # a registrable domain is its own registrable domain, so this is `_free_mail(domain)`
    # without a second lookup
    return domain, domain is not None and (
        domain in _FREE_MAIL_DOMAINS or domain.split(".", 1)[0] in _FREE_MAIL_BRANDS
    )


def is_free_mail(domain: str | None) -> bool:
    """True when the domain (or an address at it) belongs to a free or ISP mail provider."""
    if not domain:
        return False
    return _free_mail(domain.strip().lower())


@lru_cache(maxsize=65536)
def _free_mail(text: str) -> bool:
    reg = _registrable(text)
    return reg is not None and _free_registrable(reg)


def _free_registrable(reg: str) -> bool:
    return reg in _FREE_MAIL_DOMAINS or reg.split(".", 1)[0] in _FREE_MAIL_BRANDS


# --------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------

# Compared after removing dots and case: "Ph.D." == "PHD" == "phd".
_SUFFIXES = frozenset(
    [
        "jr",
        "sr",
        "ii",
        "iii",
        "iv",
        "vii",
        "viii",
        "ix",
        "phd",
        "esq",
        "esquire",
        "cpa",
        "mba",
        "dds",
        "dmd",
        "dvm",
        "cfa",
        "cfp",
        "pmp",
        "mph",
        "msc",
        "bsc",
        "llm",
        "lld",
        "edd",
        "psyd",
        "facs",
        "faap",
        "frcs",
        "obe",
        "mbe",
        "cbe",
        "kbe",
        "qc",
        "kc",
    ]
)
# Real surnames or given names in mixed case ("Ma", "Do", "Md", "Le", "Jd"), so these
# count as suffixes only when written in capitals.
_UPPER_ONLY_SUFFIXES = frozenset(
    ("MD", "M.D.", "MA", "MS", "BA", "BS", "RN", "JD", "J.D.", "PE", "DO", "V", "VI")
)
_PREFIXES = frozenset(["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"])


def _pop_suffixes(tokens: list[str]) -> str | None:
    """Remove trailing suffix tokens from `tokens` (in place); return them joined, or None."""
    found: list[str] = []
    while len(tokens) > 1:
        bare = tokens[-1].strip(",")
        if bare.replace(".", "").lower() in _SUFFIXES:
            pass
        elif bare in _UPPER_ONLY_SUFFIXES and (len(tokens) > 2 or tokens[-2].endswith(",")):
            # "JACK MA" is a name; "Jack Ma, MA" and "Jane Doe MD" carry a suffix
            pass
        else:
            break
        found.insert(0, bare)
        tokens.pop()
    tokens[-1] = tokens[-1].rstrip(",")
    return ", ".join(found) or None


def split_full_name(full: str) -> tuple[str | None, str | None, str | None]:
    """Split a full name into (first, last, suffix): suffixes out, then split on the first space.

    `"Jane van der Berg Jr."` -> `("Jane", "van der Berg", "Jr.")`. The "Last, First" form
    that CRMs export (`"Berg, Jane"`) is recognised by its single comma. A leading honorific
    (Dr., Mr., Ms.) is dropped so that `{{first_name}}` greets the person, not the title.
    """
    text = " ".join(full.split())
    if not text:
        return None, None, None
    tokens = text.split(" ")
    suffix = _pop_suffixes(tokens)
    if len(tokens) > 1 and tokens[0].replace(".", "").lower() in _PREFIXES:
        tokens = tokens[1:]
    rest = " ".join(tokens)
    if rest.count(",") == 1:
        last, first = (p.strip() for p in rest.split(","))
        if first and last:
            return first, last, suffix
    first, _, last = rest.partition(" ")
    return first.strip(",") or None, last or None, suffix


def strip_name_suffix(last: str) -> tuple[str, str | None]:
    """Move trailing suffixes out of a last-name cell: `"Smith Jr."` -> `("Smith", "Jr.")`."""
    tokens = last.split()
    if len(tokens) < 2:
        return last, None
    suffix = _pop_suffixes(tokens)
    if suffix is None:
        return last, None
    return " ".join(tokens), suffix


# --------------------------------------------------------------------------------------
# countries and phones
# --------------------------------------------------------------------------------------

_COUNTRY_NAMES: dict[str, str] = {
    "united states": "US", "united states of america": "US", "usa": "US", "us": "US",
    "america": "US", "u s": "US", "u s a": "US", "united kingdom": "GB", "uk": "GB",
    "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "gbr": "GB", "ireland": "IE",
    "republic of ireland": "IE", "canada": "CA", "can": "CA", "australia": "AU", "aus": "AU",
    "new zealand": "NZ", "germany": "DE", "deutschland": "DE", "deu": "DE", "france": "FR",
    "fra": "FR", "spain": "ES", "espana": "ES", "esp": "ES", "italy": "IT", "italia": "IT",
    "ita": "IT", "portugal": "PT", "netherlands": "NL", "the netherlands": "NL",
    "holland": "NL", "nederland": "NL", "nld": "NL", "belgium": "BE", "belgique": "BE",
    "belgie": "BE", "luxembourg": "LU", "switzerland": "CH", "schweiz": "CH", "suisse": "CH",
    "che": "CH", "austria": "AT", "osterreich": "AT", "aut": "AT", "sweden": "SE",
    "sverige": "SE", "swe": "SE", "norway": "NO", "norge": "NO", "denmark": "DK",
    "danmark": "DK", "finland": "FI", "suomi": "FI", "iceland": "IS", "poland": "PL",
    "polska": "PL", "czech republic": "CZ", "czechia": "CZ", "slovakia": "SK",
    "hungary": "HU", "romania": "RO", "bulgaria": "BG", "greece": "GR", "croatia": "HR",
    "slovenia": "SI", "serbia": "RS", "ukraine": "UA", "russia": "RU",
    "russian federation": "RU", "turkey": "TR", "turkiye": "TR", "israel": "IL",
    "united arab emirates": "AE", "uae": "AE", "saudi arabia": "SA", "qatar": "QA",
    "egypt": "EG", "south africa": "ZA", "rsa": "ZA", "nigeria": "NG", "kenya": "KE",
    "morocco": "MA", "india": "IN", "ind": "IN", "pakistan": "PK", "bangladesh": "BD",
    "sri lanka": "LK", "china": "CN", "prc": "CN", "people's republic of china": "CN",
    "hong kong": "HK", "taiwan": "TW", "japan": "JP", "jpn": "JP", "south korea": "KR",
    "korea": "KR", "republic of korea": "KR", "singapore": "SG", "sgp": "SG",
    "malaysia": "MY", "indonesia": "ID", "philippines": "PH", "thailand": "TH",
    "vietnam": "VN", "viet nam": "VN", "mexico": "MX", "mex": "MX", "brazil": "BR",
    "brasil": "BR", "bra": "BR", "argentina": "AR", "chile": "CL", "colombia": "CO",
    "peru": "PE", "venezuela": "VE", "uruguay": "UY", "costa rica": "CR", "estonia": "EE",
    "latvia": "LV", "lithuania": "LT", "cyprus": "CY", "malta": "MT",
}  # fmt: skip
_ISO2 = frozenset(phonenumbers.SUPPORTED_REGIONS)


def country_iso2(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a country code or common name (`"United Kingdom"` -> `"GB"`)."""
    if not value:
        return None
    return _country(value.strip())


@lru_cache(maxsize=4096)
def _country(text: str) -> str | None:
    upper = text.upper()
    if len(upper) == 2 and upper in _ISO2:
        return upper
    key = unicodedata.normalize("NFKD", text.lower())
    key = "".join(c for c in key if not unicodedata.combining(c))
    key = " ".join(key.replace(".", " ").replace("-", " ").split())
    if key.startswith("the "):
        key = key[4:]
    found = _COUNTRY_NAMES.get(key)
    if found is None:
        found = _pycountry_iso2(text)
    return found


def _pycountry_iso2(text: str) -> str | None:
    """ISO 3166-1 codes (alpha-2, alpha-3, numeric) and names, common and official, from pycountry."""
    try:
        record = pycountry.countries.lookup(text)
    except LookupError:
        return None
    return str(record.alpha_2)


def e164_phone(value: str, country: str | None = None) -> str:
    """The E.164 form of a phone number (`"(415) 555-2671", "US"` -> `"+14155552671"`).

    `country` (ISO2 code or common name) is needed unless the number starts with `+` or the
    international `00` prefix. Raises ValueError when the number is not a valid number.
    """
    text = value.strip()
    if not text:
        raise ValueError("the phone number is empty")
    return _e164(text, country_iso2(country) if country else None)


def e164_of(text: str, region: str | None) -> str:
    """`e164_phone` for a trimmed, non-empty number and a region already put through
    `country_iso2` (or None), for callers that resolve one country for many numbers."""
    return _e164(text, region)


@lru_cache(maxsize=8192)
def _e164(text: str, region: str | None) -> str:
    parsed = _fast_parse(text, region)
    if parsed is None:
        return _e164_slow(text, region)
    country_code, national = parsed
    if not _is_valid(country_code, national):
        where = "" if text.startswith("+") else f" for {region}"
        raise ValueError(f"{text!r} is not a valid phone number{where}")
    return f"+{country_code}{national}"


# phonenumbers.parse + is_valid_number cost ~60 µs a number, mostly regex extraction,
# per-character Unicode digit folding and a regex-cache lookup per pattern use. For the
# everyday shapes ("+44 20 7946 0958", "(415) 555-2671") the code below restates the parts
# that decide the answer, with patterns compiled once per region: ~10 µs. It follows
# phonenumbers 9.0.43 step by step (the version is pinned) and a differential test holds it
# to phonenumbers' answers; every other shape returns None and takes the full parser.
_NUMBER_TYPES = (
    "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip", "personal_number",
    "pager", "uan", "voicemail",
)  # fmt: skip
_Desc = tuple[frozenset[int], "re.Pattern[str] | None"]


def _desc(desc: object) -> _Desc | None:
    if desc is None:
        return None
    pattern = getattr(desc, "national_number_pattern", None)
    return frozenset(getattr(desc, "possible_length", ()) or ()), re.compile(pattern) if pattern else None


@dataclass(frozen=True, slots=True)
class _PhoneRegion:
    code: str
    country_code: int
    idd: re.Pattern[str] | None  # international call prefix (00, 011)
    national_prefix: re.Pattern[str] | None  # trunk prefix for parsing (0, 1)
    has_transform: bool
    general: _Desc
    lengths: tuple[int, ...]
    local_lengths: frozenset[int]
    types: tuple[_Desc, ...]
    leading_digits: re.Pattern[str] | None
    country_code_text: str  # str(country_code)
    # national number length -> the type patterns that apply at that length, or () when the
    # general description rules the length out: `_valid_in` without re-checking lengths
    type_patterns: tuple[tuple[re.Pattern[str], ...], ...]


# _fast_parse hands on at most 17 digits; longer numbers take the general check
_CHECKED_LENGTHS = 18


def _type_patterns(general: _Desc, types: tuple[_Desc, ...]) -> tuple[tuple[re.Pattern[str], ...], ...]:
    out: list[tuple[re.Pattern[str], ...]] = []
    general_lengths, general_pattern = general
    for length in range(_CHECKED_LENGTHS):
        if general_pattern is None or (general_lengths and length not in general_lengths):
            out.append(())
            continue
        out.append(
            tuple(
                pattern
                for lengths, pattern in types
                if pattern is not None and (not lengths or length in lengths)
            )
        )
    return tuple(out)


@lru_cache(maxsize=512)
def _phone_region(code: str, country_code: int | None = None) -> _PhoneRegion | None:
    if country_code is None:
        metadata = PhoneMetadata.metadata_for_region(code, None)
    else:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, code)
    general = metadata.general_desc if metadata is not None else None
    if metadata is None or general is None or metadata.country_code is None:
        return None
    types = tuple(d for d in (_desc(getattr(metadata, t, None)) for t in _NUMBER_TYPES) if d is not None)
    general_desc = _desc(general) or (frozenset(), None)
    return _PhoneRegion(
        code=code,
        country_code=metadata.country_code,
        idd=re.compile(metadata.international_prefix) if metadata.international_prefix else None,
        national_prefix=(
            re.compile(metadata.national_prefix_for_parsing) if metadata.national_prefix_for_parsing else None
        ),
        has_transform=bool(metadata.national_prefix_transform_rule),
        general=general_desc,
        lengths=tuple(general.possible_length or ()),
        local_lengths=frozenset(general.possible_length_local_only or ()),
        types=types,
        leading_digits=re.compile(metadata.leading_digits) if metadata.leading_digits else None,
        country_code_text=str(metadata.country_code),
        type_patterns=_type_patterns(general_desc, types),
    )


def _matches(national: str, desc: _Desc) -> bool:
    lengths, pattern = desc
    if lengths and len(national) not in lengths:
        return False
    return pattern is not None and pattern.fullmatch(national) is not None


def _valid_in(national: str, region: _PhoneRegion) -> bool:
    # _number_type_helper(...) != UNKNOWN, as a boolean: no type precedence needed
    length = len(national)
    if length >= _CHECKED_LENGTHS:
        return _matches(national, region.general) and any(_matches(national, d) for d in region.types)
    patterns = region.type_patterns[length]
    if not patterns or region.general[1].fullmatch(national) is None:  # type: ignore[union-attr]
        return False
    for pattern in patterns:  # noqa: SIM110 - a loop is cheaper than any() over a generator
        if pattern.fullmatch(national) is not None:
            return True
    return False


def _is_valid(country_code: int, national: str) -> bool:
    """phonenumbers.is_valid_number: pick the region as region_code_for_number does, then check."""
    codes = COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not codes:
        return False
    if len(codes) == 1:
        region = _phone_region(codes[0], country_code)
        return region is not None and _valid_in(national, region)
    for code in codes:
        region = _phone_region(code)
        if region is None:
            continue
        if region.leading_digits is not None:
            if region.leading_digits.match(national):
                return _valid_in(national, region)
        elif _valid_in(national, region):
            return True
    return False


def _strip_national_prefix(national: str, region: _PhoneRegion) -> str:
    """parse()'s _maybe_strip_national_prefix_carrier_code followed by its length test."""
    pattern, general = region.national_prefix, region.general[1]
    if not national or pattern is None:
        return national
    m = pattern.match(national)
    if m is None:
        return national
    stripped = national[m.end() :]
    if general is not None and general.fullmatch(national) and not general.fullmatch(stripped):
        return national
    # _test_number_length against the general description; these results keep the original
    length = len(stripped)
    lengths = region.lengths
    if length in region.local_lengths or not lengths:
        return national
    if length < lengths[0] or (lengths[0] < length <= lengths[-1] and length not in lengths):
        return national
    return stripped


_NOT_PLAIN_PHONE = re.compile(r"[^0-9 ().\-/]")
_PHONE_SEPARATORS = str.maketrans("", "", " ().-/")


def _fast_parse(text: str, region_code: str | None) -> tuple[int, str] | None:
    """(country code, national significant number), or None for the full parser to decide."""
    plus = text.startswith("+")
    body = text[1:] if plus else text
    if _NOT_PLAIN_PHONE.search(body):
        return None
    digits = body.translate(_PHONE_SEPARATORS)
    if not 3 <= len(digits) <= 17:
        return None
    if plus:
        if digits[0] == "0":
            return None
        for size in (1, 2, 3):
            codes = COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size]))
            if codes:
                break
        else:
            return None
        region = _phone_region(codes[0], int(digits[:size]))
        national = digits[size:]
    else:
        region = _phone_region(region_code) if region_code else None
        if region is None or region.idd is None:
            return None
        national = digits
        # parse() may read these as a country code or an international call prefix
        if digits.startswith(region.country_code_text) or region.idd.match(digits):
            return None
    if region is None or region.has_transform:
        return None
    national = _strip_national_prefix(national, region)
    if not 2 <= len(national) <= 17:
        return None
    return region.country_code, national


def _e164_slow(text: str, region: str | None) -> str:
    parse_region = region
    if text.startswith("+"):
        parse_region = None
    elif text.startswith("00"):
        text, parse_region = "+" + text[2:], None
    elif region is None:
        raise ValueError(
            f"{text!r} has no country code and no country is known; write it as +<country><number>"
        )
    where = f" for {region}" if parse_region else ""
    try:
        number = phonenumbers.parse(text, parse_region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{text!r} is not a phone number{where}: {exc._msg}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{text!r} is not a valid phone number{where}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --------------------------------------------------------------------------------------
# LinkedIn
# --------------------------------------------------------------------------------------

_LINKEDIN_PATH = re.compile(r"/(in|pub|company|school|sales/lead|sales/people|talent/profile)/([^/?#]+)")


def normalise_linkedin_url(value: str) -> str:
    """One form per profile: `HTTP://uk.LinkedIn.com/in/Jane-Doe/?trk=x` -> `https://www.linkedin.com/in/jane-doe`.

    Profile slugs are case-insensitive at LinkedIn, so they are lowercased; query strings,
    fragments and country subdomains are dropped. Raises ValueError for anything that is
    not a LinkedIn profile or company URL.
    """
    text = value.strip()
    lowered = text.lower()
    scheme = lowered.find("://")
    rest = lowered[scheme + 3 :] if scheme != -1 else lowered
    host, slash, path = rest.partition("/")
    host = host.split(":", 1)[0]
    if not (host == "linkedin.com" or host.endswith(".linkedin.com")):
        raise ValueError(f"{text!r} is not a LinkedIn URL")
    m = _LINKEDIN_PATH.match(slash + path)
    if m is None:
        raise ValueError(f"{text!r} is not a LinkedIn profile or company URL")
    slug = m.group(2)
    slug = (unquote(slug) if "%" in slug else slug).strip()  # unquote returns text without "%" as is
    if not slug:
        raise ValueError(f"{text!r} has no profile name")
    kind = m.group(1)
    return f"https://www.linkedin.com/{kind}/{slug}"


def fill_name_parts(fields: dict[str, Any]) -> None:
    """First/last/suffix from a full name when neither part is given; else a suffix written
    into the last name ("Downey Jr.") moves to name_suffix. Changes `fields` in place."""
    if "first_name" not in fields and "last_name" not in fields and "full_name" in fields:
        first, last, suffix = split_full_name(fields["full_name"])
        if first:
            fields["first_name"] = first
        if last:
            fields["last_name"] = last
        if suffix and "name_suffix" not in fields:
            fields["name_suffix"] = suffix
    elif "last_name" in fields and "name_suffix" not in fields and " " in fields["last_name"]:
        last, suffix = strip_name_suffix(fields["last_name"])
        if suffix:
            fields["last_name"], fields["name_suffix"] = last, suffix
