"""Regenerate examples/contacts.csv: 240 realistic rows of mixed quality, seeded (same file every run).

People come from examples/enrichment.jsonl (so `--enrich` finds them) plus free-mail and
messy rows: invalid and missing emails, an in-file duplicate, a formula cell, a ragged row,
full names with suffixes, websites instead of domains, phones with and without a country.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADERS = [
    "First Name",
    "Last Name",
    "Work Email",
    "Job Title",
    "Company",
    "Website",
    "Phone",
    "Country",
    "City",
    "LinkedIn",
    "Tags",
    "Lead Source",
]
FIRST = ["Ava", "Noah", "Mia", "Lucas", "Emma", "Ethan", "Sofia", "Mateo", "Chloé", "Jürgen", "Aoife", "Ravi"]
LAST = ["García", "Okafor", "Nguyen", "Schmidt", "O'Brien", "Kowalski", "Rossi", "Haddad", "Lindqvist"]
TITLES = [
    "VP of Sales",
    "Head of Growth",
    "Marketing Manager",
    "CTO",
    "Account Executive",
    "Director of RevOps",
    "Founder & CEO",
    "Software Engineer",
    "Chief Revenue Officer",
    "SDR",
]
COUNTRIES = ["United States", "GB", "Germany", "US", "France", "Ireland", "India", ""]


def main() -> None:
    rnd = random.Random(20261122)
    people = [
        json.loads(line) for line in (HERE / "enrichment.jsonl").read_text().splitlines() if line.strip()
    ]
    rows: list[list[str]] = []
    for p in people[:170]:
        first, last = p["email"].split("@")[0].split(".")[:2] if "." in p["email"].split("@")[0] else ("", "")
        company = p.get("company") or {}
        rows.append(
            [
                first.title(),
                last.title(),
                p["email"] if rnd.random() > 0.1 else p["email"].upper(),
                rnd.choice(TITLES) if rnd.random() > 0.3 else "",
                company.get("name") or "",
                rnd.choice([f"https://www.{company.get('domain')}/about", company.get("domain") or "", ""]),
                rnd.choice(["+1 415 555 0134", "020 7946 0958", "(212) 555-0199", "", "not a phone"]),
                rnd.choice(COUNTRIES),
                rnd.choice(["Boston", "London", "Berlin", "Paris", "Dublin", ""]),
                "",
                rnd.choice(["event-2026", "webinar;partner", ""]),
                rnd.choice(["apollo", "event", "referral"]),
            ]
        )
    for i in range(50):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        rows.append(
            [
                first,
                last,
                f"{first.lower()}.{i}@{rnd.choice(['gmail.com', 'outlook.com', 'yahoo.com'])}",
                rnd.choice(TITLES),
                "",
                "",
                "",
                rnd.choice(COUNTRIES),
                "",
                "",
                "",
                "referral",
            ]
        )
    messy = [
        ["Dana", "Scully", "dana.scully@", "Special Agent", "FBI", "fbi.gov", "", "US", "", "", "", "import"],
        ["Fox", "Mulder", "", "Special Agent", "FBI", "fbi.gov", "", "US", "", "", "", "import"],
        [
            "",
            "",
            "Robert Downey Jr. <rdj@starkindustries.com>",
            "Consultant",
            "Stark Industries",
            "",
            "",
            "US",
            "",
            "",
            "",
            "web",
        ],
        [
            "Eve",
            "Mallory",
            "eve@evil.example",
            '=HYPERLINK("http://evil.example","click")',
            "Evil Corp",
            "",
            "",
            "",
            "",
            "",
            "",
            "web",
        ],
        ["Ragged", "Row", "ragged@row-co.com", "Analyst"],
        [
            "Zoë",
            "Dupont",
            "zoe.dupont@maison-exemple.fr",
            "Directrice Marketing",
            "Maison Exemple",
            "maison-exemple.fr",
            "01 42 68 53 00",
            "France",
            "Paris",
            "",
            "",
            "salon",
        ],
        [
            "Sam",
            "Lee",
            "mailto:sam.lee@northwind.io",
            "Head of Data",
            "Northwind",
            "northwind.io",
            "+44 20 7946 0000",
            "",
            "",
            "linkedin.com/in/samlee",
            "",
            "web",
        ],
    ]
    rows += messy
    rnd.shuffle(rows)
    dup = next(r for r in rows if len(r) == len(HEADERS) and "@" in r[2] and r[2].islower())
    rows.insert(len(rows) // 2, [dup[0], dup[1] + " (again)", dup[2], *dup[3:]])
    with (HERE / "contacts.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
