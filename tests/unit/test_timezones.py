"""Time zones from places and given names; countries to ISO 3166-1 alpha-2."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.common.canonical import country_iso2
from functions.common.timezones import canonical_time_zone, derive_time_zone
from functions.common.timezones import place_time_zone as _place


@pytest.mark.parametrize(
    ("country", "zone"),
    [("France", "Europe/Paris"), ("GB", "Europe/London"), ("India", "Asia/Kolkata"), ("JPN", "Asia/Tokyo"),
     ("Deutschland", "Europe/Berlin")],
)  # fmt: skip
def test_single_zone_country_fixes_the_zone(country: str, zone: str) -> None:
    assert derive_time_zone(None, None, country) == zone


@pytest.mark.parametrize(
    "country", ["United States", "Canada", "Australia", "Brazil", "Russia", "Mexico", "Spain"]
)
def test_multi_zone_country_alone_stays_empty(country: str) -> None:
    assert derive_time_zone(None, None, country) is None


@pytest.mark.parametrize(
    ("city", "state", "country", "zone"),
    [
        (None, "CA", "US", "America/Los_Angeles"),
        (None, "New York", "United States", "America/New_York"),
        (None, "NY", None, "America/New_York"),
        ("Austin", "TX", "US", "America/Chicago"),
        (None, "Ontario", "Canada", "America/Toronto"),
        (None, "BC", "CA", "America/Vancouver"),
        (None, "NSW", "Australia", "Australia/Sydney"),
        (None, "Queensland", "AU", "Australia/Brisbane"),
        (None, "São Paulo", "Brazil", "America/Sao_Paulo"),
        (None, "Jalisco", "Mexico", "America/Mexico_City"),
        ("Novosibirsk", None, "Russia", "Asia/Novosibirsk"),
        (None, "Moscow", "RU", "Europe/Moscow"),
        ("Madrid", None, "Spain", "Europe/Madrid"),
        ("Toronto", None, None, "America/Toronto"),
    ],
)
def test_state_or_city_fixes_the_zone(
    city: str | None, state: str | None, country: str | None, zone: str
) -> None:
    assert derive_time_zone(city, state, country) == zone


@pytest.mark.parametrize(
    ("city", "state", "country"),
    [("Springfield", None, None), (None, "TX", "US"), (None, "Florida", "US"), ("Anywhere", None, "US"),
     ("Paris", None, "Narnia")],
)  # fmt: skip
def test_ambiguous_or_unknown_place_stays_empty(
    city: str | None, state: str | None, country: str | None
) -> None:
    assert derive_time_zone(city, state, country) is None


@pytest.mark.parametrize(
    ("given", "zone"),
    [("EST", "America/New_York"), ("Pacific Time", "America/Los_Angeles"), ("pst", "America/Los_Angeles"),
     ("america/new_york", "America/New_York"), ("Europe/London", "Europe/London"), ("Asia/Kolkata", "Asia/Kolkata"),
     ("America/Sao Paulo", "America/Sao_Paulo"), ("CET", "Europe/Paris")],
)  # fmt: skip
def test_given_zone_takes_its_iana_name(given: str, zone: str) -> None:
    assert canonical_time_zone(given) == zone


@pytest.mark.parametrize("given", ["Mars/Olympus", "GMT+25", "soon", "  "])
def test_unreadable_zone_is_none(given: str) -> None:
    assert canonical_time_zone(given) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [("United States", "US"), ("usa", "US"), ("U.S.A.", "US"), ("DEU", "DE"), ("Deutschland", "DE"),
     ("Federal Republic of Germany", "DE"), ("Côte d'Ivoire", "CI"), ("840", "US"), ("viet nam", "VN"),
     ("gb", "GB")],
)  # fmt: skip
def test_country_names_and_codes_normalise_to_alpha2(value: str, code: str) -> None:
    assert country_iso2(value) == code


def test_unknown_country_is_none() -> None:
    assert country_iso2("Narnia") is None


def test_row_with_invalid_zone_gets_a_warning_and_the_derived_zone() -> None:
    fields = {"city": "Lyon", "country": "France", "time_zone": "Middle Earth"}
    warnings: list[str] = []
    assert _place(fields, warnings) == "Europe/Paris"
    assert fields["country"] == "FR"
    assert "time_zone" not in fields
    assert warnings == ["time_zone: 'Middle Earth' is not an IANA time zone or a known alias; ignored"]


def test_row_keeps_a_valid_given_zone_over_the_place() -> None:
    fields = {"country": "France", "time_zone": "EST"}
    assert _place(fields, []) == "America/New_York"


@given(st.sampled_from(["EST", "Pacific Time", "Europe/Berlin", "Asia/Tokyo"]), st.booleans())
def test_zone_reading_ignores_case(zone: str, upper: bool) -> None:
    text = zone.upper() if upper else zone.lower()
    assert canonical_time_zone(text) == canonical_time_zone(zone)


def test_the_shipped_place_index_is_the_pinned_gazetteers() -> None:
    from functions.common.timezones import _INDEX, build_index

    assert (
        orjson.loads(_INDEX.read_bytes()) == build_index()
    )  # regenerate: python -m functions.common.timezones
