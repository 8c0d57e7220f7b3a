"""Canonical forms: email identity, registrable domain, names, phones, LinkedIn URLs."""

from __future__ import annotations

import random
import re
import socket
import string

import phonenumbers
import pytest
import tldextract
from email_validator import EmailNotValidError, validate_email
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from functions.common import canonical
from functions.common.canonical import (
    canonical_email,
    country_iso2,
    e164_phone,
    is_free_mail,
    normalise_linkedin_url,
    registrable_domain,
    split_full_name,
    strip_name_suffix,
)

# --------------------------------------------------------------------------- email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bob@acme.com", "bob@acme.com"),
        ("  Bob@Acme.COM \t", "bob@acme.com"),
        ("Bob <BOB@X.COM>", "bob@x.com"),
        ('"Stone, Bob" <bob@x.com>', "bob@x.com"),
        ("<bob@x.com>", "bob@x.com"),
        ("mailto:Jane.Doe+news@Acme.com", "jane.doe+news@acme.com"),
        ("MAILTO:jane@acme.com?subject=hi", "jane@acme.com"),
        ("jöhn@BÜCHER.de", "jöhn@xn--bcher-kva.de"),
        ("anna@xn--bcher-kva.de", "anna@xn--bcher-kva.de"),
        ("o'brien@acme.ie", "o'brien@acme.ie"),
    ],
)
def test_canonical_email_normalises_to_identity_form(raw: str, expected: str) -> None:
    assert canonical_email(raw) == expected


def test_dots_and_plus_tags_are_kept() -> None:
    assert canonical_email("J.Smith+Sales@GMail.com") == "j.smith+sales@gmail.com"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("bob@", "something after the @-sign"),
        ("bob", "must have an @-sign"),
        ("a..b@x.com", "two periods in a row"),
        ("bob@localhost", "should have a period"),
        ("x@foo.local", "special-use or reserved"),
        ("a@b.com, c@d.com", "more than one email address"),
        ("a@b.com;c@d.com", "more than one email address"),
        ("   ", "empty"),
        ("bob@exa mple.com", "not a valid email address"),
    ],
)
def test_invalid_email_message_quotes_the_value_and_says_why(raw: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        canonical_email(raw)
    assert fragment in str(info.value)
    if raw.strip():
        assert repr(raw.strip()) in str(info.value)


_local = st.text(
    alphabet=string.ascii_letters + string.digits + "._+-!#$%&'*/=?^`{|}~", min_size=1, max_size=70
)
_domain = st.from_regex(
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?){1,3}",
    fullmatch=True,
)
_unicode_local = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12
)
emails = st.one_of(
    st.builds(lambda a, b: f"{a}@{b}", _local, _domain),
    st.builds(lambda a, b: f"{a}@{b}", _unicode_local, _domain),
    st.builds(lambda a, b: f"{a}@{b}", _local, st.sampled_from(["bücher.de", "ÉCOLE.fr", "例え.jp"])),
)


def _canonical_or_none(value: str) -> str | None:
    try:
        return canonical_email(value)
    except ValueError:
        return None


@settings(max_examples=400)
@given(emails)
def test_canonical_email_is_idempotent(value: str) -> None:
    once = _canonical_or_none(value)
    assume(once is not None)
    assert canonical_email(once) == once


@settings(max_examples=400)
@given(emails)
def test_canonical_email_ignores_case(value: str) -> None:
    # a few letters do not survive a case round trip ("ŉ".upper() is "ʼN"); those are not case variants
    assume(value.upper().lower() == value.lower())
    assert _canonical_or_none(value.upper()) == _canonical_or_none(value.lower()) == _canonical_or_none(value)


@settings(max_examples=300)
@given(_local, _domain)
def test_canonical_email_never_strips_dots_or_plus_tags(local: str, domain: str) -> None:
    result = _canonical_or_none(f"{local}@{domain}")
    assume(result is not None)
    kept = result.split("@")[0]
    assert kept.count(".") == local.count(".")
    assert kept.count("+") == local.count("+")
    assert kept == local.lower()


@settings(max_examples=500)
@given(st.one_of(emails, st.text(max_size=40)))
@example("a@b.c")
@example("x@sub.test")
@example("ab--cd@xn--ab.com")
@example("a@b--c.com")
@example("a@" + "a" * 63 + ".com")
@example("a" * 65 + "@x.com")
def test_fast_path_agrees_with_email_validator(value: str) -> None:
    """The cheap pre-check must accept and reject exactly what email-validator does."""
    text = value.strip().lower()
    try:
        result = validate_email(text, check_deliverability=False)
        expected: str | None = f"{result.local_part.lower()}@{result.ascii_domain.lower()}"
    except EmailNotValidError:
        expected = None
    got = _canonical_or_none(text)
    if expected is None or got is None:
        assert got == expected
    else:
        assert got == canonical_email(expected)


_PLAIN_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_FAST_EMAIL = re.compile(rf"({_PLAIN_ATOM}(?:\.{_PLAIN_ATOM})*)@({_PLAIN_LABEL}(?:\.{_PLAIN_LABEL})+)")
# runs of one character reach the 63-character label limit and the 64-character local limit
_email_shapes = st.lists(
    st.one_of(
        st.sampled_from(list("a0-.@_+!z9")),
        st.builds(lambda c, n: c * n, st.sampled_from(list("a-.")), st.integers(1, 70)),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=2000)
@given(st.one_of(_email_shapes, st.builds(lambda a, b: f"{a}@{b}", _local, _domain).map(str.lower)))
@example("a@" + "b" * 63 + ".com")
@example("a@" + "b" * 64 + ".com")
@example("a@b-.com")
@example("a@-b.com")
@example("a-@b.c-d.e")
@example("a.@b.com")
@example("a..b@c.com")
@example("a@b..com")
@example("a@b.")
@example("a@b")
def test_fast_email_pattern_matches_the_plain_form(text: str) -> None:
    """The possessive, group-free pattern accepts exactly the plain one's language, and the
    first "@" of a match is where the plain pattern's local part ends."""
    plain = _PLAIN_FAST_EMAIL.fullmatch(text)
    assert (canonical._FAST_EMAIL.fullmatch(text) is not None) == (plain is not None)
    if plain is not None:
        assert text.find("@") == plain.end(1)
        assert text[text.find("@") + 1 :] == plain.group(2)


# --------------------------------------------------------------------------- domains


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.acme.co.uk/about", "acme.co.uk"),
        ("http://shop.acme.com:8080/x?y=1#z", "acme.com"),
        ("WWW.ACME.COM", "acme.com"),
        ("acme.com.", "acme.com"),
        ("//cdn.acme.io/lib.js", "acme.io"),
        ("bob@mail.acme.com", "acme.com"),
        ("https://user:pw@portal.acme.org/", "acme.org"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("foo.github.io", "github.io"),
        ("city.kawasaki.jp", "city.kawasaki.jp"),
        ("a.b.kawasaki.jp", "a.b.kawasaki.jp"),
        ("Acme Inc", None),
        ("localhost", None),
        ("10.0.0.1", None),
        ("n/a", None),
        ("", None),
        (None, None),
        ("acme.notarealtld", None),
    ],
)
def test_registrable_domain(raw: str | None, expected: str | None) -> None:
    assert registrable_domain(raw) == expected


def test_registrable_domain_matches_tldextract_snapshot() -> None:
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    rules = sorted(extract.tlds)
    rnd = random.Random(7)
    for _ in range(5000):
        suffix = rnd.choice(rules).lstrip("*.!")
        labels = [rnd.choice(["www", "a", "city", "shop", "xn--bcher-kva"]) for _ in range(rnd.randint(0, 3))]
        host = ".".join([*labels, suffix]).encode("idna").decode("ascii")
        parts = extract(host)
        expected = f"{parts.domain}.{parts.suffix}" if parts.domain and parts.suffix else None
        assert registrable_domain(host) == expected, host


def _psl_reference(host: str) -> str | None:
    """The plain longest-suffix-first statement of the public-suffix rule, for the walk to agree with."""
    labels = host.split(".")
    keys = [canonical._punycode_label(label) for label in labels] if "xn--" in host else labels
    for i in range(len(keys)):
        candidate = ".".join(keys[i:])
        if candidate in canonical._PSL_EXCEPTIONS:
            return ".".join(labels[i:])
        if candidate in canonical._PSL_RULES or (
            i + 1 < len(keys) and ".".join(keys[i + 1 :]) in canonical._PSL_WILDCARDS
        ):
            return ".".join(labels[i - 1 :]) if i > 0 else None
    return None


def _registrable_reference(text: str) -> str | None:
    """`_registrable` without the bare-host shortcut: every value through `_host_of`."""
    host = canonical._host_of(text)
    if not host:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if not canonical._HOST_OK.fullmatch(host) or ".." in host:
        return None
    return _psl_reference(host)


_PSL_SUFFIXES = sorted({rule.lstrip("*.!") for rule in canonical._TLD.tlds})
_host_labels = st.sampled_from(
    ["www", "a", "city", "shop", "co", "com", "uk", "jp", "ck", "kawasaki", "xn--bcher-kva", "bücher", "-x",
     "_y", "b-c", "1", "", "A", "x" * 64]
)  # fmt: skip
_hosts = st.builds(
    lambda labels, suffix: ".".join([*labels, suffix]),
    st.lists(_host_labels, max_size=3),
    st.one_of(st.sampled_from(_PSL_SUFFIXES), _host_labels),
)
_domain_values = st.builds(
    lambda before, host, after: before + host + after,
    st.sampled_from(["", "https://", "http://", "HTTP://", "//", "ftp://", "u@", "u:p@", " ", "mailto:"]),
    _hosts,
    st.sampled_from(["", "/", "/x", "/a:b", "/a@b", "/x://y", "?q", "?a@b", "#f", ":8080/x", ".", " ", "\n"]),
)


@settings(max_examples=1500)
@given(_hosts)
@example("foo.bar.ck")
@example("www.ck")
@example("a.city.kawasaki.jp")
@example("b.kawasaki.jp")
def test_suffix_walk_agrees_with_the_longest_match_rule(host: str) -> None:
    host = host.lower()
    assume(host.isascii())
    assert canonical._psl_registrable(host) == _psl_reference(host)


@settings(max_examples=1500)
@given(_domain_values)
@example("acme.com/x://y.org")
@example("https://acme.com/a:b")
@example("acme.com?x=a@b.org")
@example("https://a..b.com/")
@example("-a.com")
@example("a-.co.uk/x")
@example("x._gmail.com")
@example("localhost")
def test_bare_host_shortcut_agrees_with_the_full_host_parse(value: str) -> None:
    for text in (value, value.lower()):
        assert canonical._registrable_of(text) == _registrable_reference(text)


@settings(max_examples=1500)
@given(_domain_values)
@example("-gmail.com")
@example("x._gmail.com")
@example("mail.yahoo.co.in")
def test_domain_facts_free_mail_is_that_of_its_registrable_domain(value: str) -> None:
    text = value.strip()
    assume(text)
    domain, free = canonical.domain_facts.__wrapped__(text)
    assert domain == _registrable_reference(text.lower())
    assert free == (domain is not None and canonical._free_mail.__wrapped__(domain))


def test_domain_lookups_never_touch_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    fresh = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    assert fresh("www.example.co.uk").suffix == "co.uk"
    canonical._registrable.cache_clear()
    assert registrable_domain("https://never-seen-before-host.example.com.au/") == "example.com.au"


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "GoogleMail.com", "mail.yahoo.co.in", "yahoo.fr", "hotmail.es", "outlook.com", "live.co.uk",
     "icloud.com", "aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.at", "yandex.ru", "mail.ru", "qq.com",
     "163.com", "web.de", "bob@gmail.com"],
)  # fmt: skip
def test_free_mail_providers_are_recognised(domain: str) -> None:
    assert is_free_mail(domain)


@pytest.mark.parametrize(
    "domain", ["acme.com", "google.com", "yahooinc.com", "mailchimp.com", "", None, "Acme Inc"]
)
def test_company_domains_are_not_free_mail(domain: str | None) -> None:
    assert not is_free_mail(domain)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ("Jane Doe", ("Jane", "Doe", None)),
        ("  Jane   Doe  ", ("Jane", "Doe", None)),
        ("Mary Ann Smith", ("Mary", "Ann Smith", None)),
        ("Jane van der Berg Jr.", ("Jane", "van der Berg", "Jr.")),
        ("John Smith Jr., PhD", ("John", "Smith", "Jr., PhD")),
        ("John Smith III", ("John", "Smith", "III")),
        ("John Smith, MD", ("John", "Smith", "MD")),
        ("Jane Doe Esq.", ("Jane", "Doe", "Esq.")),
        ("Robert Brown CPA", ("Robert", "Brown", "CPA")),
        ("Jack Ma", ("Jack", "Ma", None)),
        ("JACK MA", ("JACK", "MA", None)),
        ("Dr. Jane Smith", ("Jane", "Smith", None)),
        ("Smith, John", ("John", "Smith", None)),
        ("Cher", ("Cher", None, None)),
        ("", (None, None, None)),
    ],
)
def test_split_full_name_moves_suffixes_then_splits_on_first_space(
    full: str, expected: tuple[str | None, str | None, str | None]
) -> None:
    assert split_full_name(full) == expected


def test_strip_name_suffix_from_last_name() -> None:
    assert strip_name_suffix("Smith Jr.") == ("Smith", "Jr.")
    assert strip_name_suffix("de la Cruz III") == ("de la Cruz", "III")
    assert strip_name_suffix("Ma") == ("Ma", None)
    assert strip_name_suffix("Smith") == ("Smith", None)


@given(st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=8),
       st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=8))  # fmt: skip
def test_two_plain_words_split_into_first_and_last(first: str, last: str) -> None:
    assume(first.upper().replace(".", "") not in {"MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "SIR"})
    got_first, got_last, suffix = split_full_name(f"{first} {last}")
    if suffix is None:
        assert (got_first, got_last) == (first, last)
    else:
        assert (got_first, suffix) == (first, last)


# --------------------------------------------------------------------------- phones and countries


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("415.555.2671", "USA", "+14155552671"),
        ("+1 415 555 2671", None, "+14155552671"),
        ("020 7946 0958", "United Kingdom", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 (0)20 7946 0958", None, "+442079460958"),
        ("0044 20 7946 0958", None, "+442079460958"),
        ("030 123456", "Germany", "+4930123456"),
        ("06 69 82 12 34", "Italy", "+390669821234"),
        ("+39 06 6982 1234", "FR", "+390669821234"),
        ("1-800-555-0199", "US", "+18005550199"),
        ("416-555-0123", "Canada", "+14165550123"),
    ],
)
def test_e164_phone(raw: str, country: str | None, expected: str) -> None:
    assert e164_phone(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "country", "fragment"),
    [
        ("12345", "US", "not a valid phone number for US"),
        ("abc", "US", "not a phone number"),
        ("(415) 555-2671", None, "no country code"),
        ("+999 1234 5678", None, "phone number"),
        ("", "US", "empty"),
    ],
)
def test_invalid_phone_raises_with_reason(raw: str, country: str | None, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        e164_phone(raw, country)
    assert fragment in str(info.value)


_REGIONS = ["US", "CA", "GB", "DE", "FR", "IT", "ES", "NL", "AU", "IN", "BR", "JP", "MX", "CH", "SE", "IE", "SG",
            "ZA", "CN", "BE", "AT", "PL", "NZ", "HK", "IL", "AE", "JE", "IM", "PR", "AR", "RU", "KR"]  # fmt: skip


@st.composite
def phone_inputs(draw: st.DrawFn) -> tuple[str, str]:
    region = draw(st.sampled_from(_REGIONS))
    kind = draw(
        st.sampled_from([phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE])
    )
    example_number = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    digits = list(phonenumbers.national_significant_number(example_number))
    for _ in range(draw(st.integers(0, 2))):
        digits[draw(st.integers(0, len(digits) - 1))] = str(draw(st.integers(0, 9)))
    if draw(st.booleans()):
        digits = digits[: draw(st.integers(1, len(digits)))] + [
            str(d) for d in draw(st.lists(st.integers(0, 9), max_size=3))
        ]
    national = "".join(digits)
    prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix or ""
    shape = draw(st.sampled_from(["intl", "intl0", "national", "bare", "punct"]))
    text = {
        "intl": f"+{example_number.country_code} {national}",
        "intl0": f"+{example_number.country_code} (0){national}",
        "national": f"{prefix}{national}",
        "bare": national,
        "punct": f"({prefix}{national[:3]}) {national[3:6]}-{national[6:]}",
    }[shape]
    return text, region


@settings(max_examples=1500)
@given(phone_inputs())
def test_fast_phone_path_agrees_with_phonenumbers(case: tuple[str, str]) -> None:
    """The fast parser restates phonenumbers.parse + is_valid_number; it must give the same answer."""
    text, region = case

    def outcome(func: object) -> str:
        try:
            return func(text, region)  # type: ignore[operator]
        except ValueError:
            return "invalid"

    assert outcome(canonical._e164.__wrapped__) == outcome(canonical._e164_slow)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("US", "US"), ("us", "US"), ("USA", "US"), ("United States", "US"), ("U.S.A.", "US"), ("UK", "GB"),
     ("United Kingdom", "GB"), ("England", "GB"), ("Deutschland", "DE"), ("the Netherlands", "NL"), ("México", "MX"),
     ("Atlantis", None), ("", None), (None, None)],
)  # fmt: skip
def test_country_iso2(raw: str | None, expected: str | None) -> None:
    assert country_iso2(raw) == expected


# --------------------------------------------------------------------------- LinkedIn


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://uk.LinkedIn.com/in/Jane-Doe/?trk=x", "https://www.linkedin.com/in/jane-doe"),
        ("linkedin.com/in/jane-doe", "https://www.linkedin.com/in/jane-doe"),
        ("https://www.linkedin.com/in/j%C3%B6rg-m/", "https://www.linkedin.com/in/jörg-m"),
        ("https://www.linkedin.com/company/acme/about/", "https://www.linkedin.com/company/acme"),
    ],
)
def test_normalise_linkedin_url(raw: str, expected: str) -> None:
    assert normalise_linkedin_url(raw) == expected


@pytest.mark.parametrize(
    "raw", ["https://example.com/in/x", "www.linkedin.com/feed", "jane doe", "https://linkedin.com/in/"]
)
def test_non_profile_linkedin_urls_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_linkedin_url(raw)
