"""Intake throughput and memory on a seeded synthetic CSV.

    python bench/intake_bench.py [--rows 1000000] [--seed 7] [--out-dir DIR] [--profile]

Generates the CSV into a temp file, then times detect + parse + map + validate +
canonicalise + in-file duplicate tracking + chunk-line serialisation over it
(Row.to_json_bytes, as chunks.write_rows does; the lines go to a null sink, or to
DIR/chunk-N.jsonl with --out-dir), reading the file through a non-seekable wrapper like an
S3 StreamingBody. Prints progress, rows/s and peak RSS, and a final JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
import timeit
import unicodedata
from pathlib import Path
from typing import BinaryIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from functions.intake.custom_fields import CustomFieldDef, FieldType
from functions.intake.duplicates import InFileDuplicates
from functions.intake.parse import Intake, IntakeOptions

FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "José",
    "Zoë",
    "Björn",
    "Siobhán",
    "Wei",
    "Priya",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "García",
    "Miller",
    "Davis",
    "Müller",
    "O'Brien",
    "Nguyen",
    "Kowalski",
    "Dubois",
    "Rossi",
]
TITLES = ["CEO", "VP Sales", "Head of Marketing", "Software Engineer", "Director, Operations", "CTO", ""]
COUNTRIES = [("US", "United States"), ("GB", "United Kingdom"), ("DE", "Germany"), ("FR", "France"), ("", "")]
US_AREA = (212, 213, 303, 305, 312, 404, 415, 512, 617, 646, 702, 713, 718, 818, 917)
PHONES = {
    "US": lambda r: f"({r.choice(US_AREA)}) {r.randint(200, 999)}-{r.randint(0, 9999):04d}",
    "GB": lambda r: f"020 7{r.randint(100, 999)} {r.randint(0, 9999):04d}",
    "DE": lambda r: f"+49 30 {r.randint(1000000, 9999999)}",
    "FR": lambda r: f"01 {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}",
    "": lambda r: f"+1 212 {r.randint(200, 999)} {r.randint(0, 9999):04d}",
}
FREE = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.co.uk"]
HEADER = [
    "Email", "First Name", "Last Name", "Company", "Website", "Job Title", "Phone", "Country",
    "City", "LinkedIn", "Tags", "Lead Source", "Employees",
]  # fmt: skip


def generate(path: Path, rows: int, seed: int) -> None:
    rnd = random.Random(seed)
    companies = [f"company{i}" for i in range(max(10, rows // 20))]
    emails: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for n in range(rows):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            company = rnd.choice(companies)
            tld = rnd.choice((".com", ".io", ".co.uk", ".de"))
            domain = company + tld
            roll = rnd.random()
            local_first, local_last = _ascii(first), _ascii(last)
            if roll < 0.01 and emails:
                email = rnd.choice(emails).upper()  # an in-file duplicate, differently cased
            elif roll < 0.02:
                email = f"{local_first.lower()}@"  # invalid
            elif roll < 0.021:
                email = f"{first}.{last}.{n}@{domain}"  # an internationalised (SMTPUTF8) address
            elif roll < 0.12:
                email = f"{local_first}.{local_last}{n}@{rnd.choice(FREE)}"
            else:
                email = f"{local_first}.{local_last}.{n}@{domain}"
            if len(emails) < 10000:
                emails.append(email)
            iso, country = rnd.choice(COUNTRIES)
            phone = PHONES[iso](rnd) if rnd.random() < 0.5 else ""
            out.writerow(
                [
                    email,
                    first,
                    last,
                    company.title(),
                    f"https://www.{domain}/" if rnd.random() < 0.7 else "",
                    rnd.choice(TITLES),
                    phone,
                    country,
                    rnd.choice(("London", "New York", "Berlin", "Paris", "")),
                    f"https://linkedin.com/in/{first.lower()}-{last.lower()}-{n}"
                    if rnd.random() < 0.4
                    else "",
                    rnd.choice(("", "vip", "event-2024; webinar", "q3")),
                    rnd.choice(("Webinar", "Referral", "Trade show")),
                    str(rnd.randint(1, 5000)),
                ]
            )


def _ascii(name: str) -> str:
    # People called José mostly have jose@ addresses; the few SMTPUTF8 ones are generated apart.
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace("'", "")


class Unseekable:
    """Only `read`, like an S3 StreamingBody."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh

    def read(self, n: int = -1) -> bytes:
        return self._fh.read(n)


def run(path: Path, out_dir: Path | None, chunk_rows: int) -> dict[str, object]:
    options = IntakeOptions(
        custom_fields={"Employees": CustomFieldDef(name="Employees", field_type=FieldType.NUMBER)},
        default_country=None,
        import_tags=["bench"],
    )
    duplicates = InFileDuplicates()
    counts = {"rows": 0, "errors": 0, "warnings": 0}
    started = time.perf_counter()
    cpu_started = time.process_time()
    with path.open("rb") as fh:
        intake = Intake(Unseekable(fh), options, size=path.stat().st_size)  # type: ignore[arg-type]
        sink = open(os.devnull, "wb")  # noqa: SIM115
        chunk = 0
        for row in intake.rows():
            if out_dir is not None and row.number % chunk_rows == 1:
                sink.close()
                sink = (out_dir / f"chunk-{chunk}.jsonl").open("wb")
                chunk += 1
            sink.write(row.to_json_bytes())
            sink.write(b"\n")
            counts["rows"] += 1
            if row.error is None and (email := row.fields.get("email")):  # Row.email, without the call
                duplicates.add(row.number, email)
            else:
                counts["errors"] += 1
            if row.warnings:
                counts["warnings"] += 1
            if row.number % 200_000 == 0:
                elapsed = time.perf_counter() - started
                print(f"  {row.number:>9,} rows  {row.number / elapsed:,.0f} rows/s", file=sys.stderr)
        sink.close()
    twins = duplicates.twins()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {
        "rows": counts["rows"],
        "row_errors": counts["errors"],
        "rows_with_warnings": counts["warnings"],
        "duplicate_rows": len(twins),
        "seconds": round(elapsed, 2),
        "rows_per_s": round(counts["rows"] / elapsed),
        "cpu_seconds": round(cpu, 2),
        "rows_per_cpu_s": round(counts["rows"] / cpu),
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "encoding": intake.encoding,
        "delimiter": intake.delimiter,
    }


def calibrate() -> float:
    """Microseconds for sum(range(1000)), best of 5: how fast this core is running right now.

    Reported beside rows/s because a shared or busy machine can be several times slower
    than an idle one; compare runs only at similar calibration.
    """
    return min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk-rows", type=int, default=5000)
    parser.add_argument("--out-dir", type=Path, help="write chunk JSONL files here instead of a null sink")
    parser.add_argument("--profile", action="store_true", help="print the top functions by cumulative time")
    args = parser.parse_args()

    before = calibrate()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        t0 = time.perf_counter()
        generate(path, args.rows, args.seed)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        if args.out_dir:
            args.out_dir.mkdir(parents=True, exist_ok=True)
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            result = profiler.runcall(run, path, args.out_dir, args.chunk_rows)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        else:
            result = run(path, args.out_dir, args.chunk_rows)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["calibration_us"] = round(min(before, calibrate()), 2)
    result["peak_rss_mb"] = round(peak_mb, 1)
    result["target_rows_per_s"] = 25_000
    result["target_peak_rss_mb"] = 300
    print(
        f"{result['rows']:,} rows in {result['seconds']}s: {result['rows_per_s']:,} rows/s, peak RSS {peak_mb:.0f} MB"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
