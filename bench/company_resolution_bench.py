"""Company name -> domain: how many rows of a names-only file get a domain, and how many wrongly.

    python bench/company_resolution_bench.py [--variants-per-company 6] [--seed 7]

1. A fresh one-machine runtime (in-memory DynamoDB Local) imports `examples/contacts.csv`, a
   file with a Website column and work emails: its Companies (and their names) are created.
   The share of its rows with a company name that end with a company domain is the baseline
   a domain column gives.
2. A names-only file: free-mail emails and only a Company column, spelled as other exports
   spell the same companies ("ACME ANALYTICS, INC.", "Acme Analytics GmbH", accents, a typo,
   "The … Company"), a bare first word ("Acme", which must not resolve), and the export
   corpus's companies the platform has never seen (tests/corpus/exports.py). Imported without
   enrichment: resolution by the platform's own Companies.
3. The same file with enrichment on against the Apollo stub server (tests/stubs), which knows
   the corpus's companies: the rest resolves by the provider's organisation search.

Prints the rates and a final JSON line. Correctness is checked against the domain each
company has in step 1 (or in the stub): a resolved domain that is not that one is `wrong`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXAMPLE = ROOT / "examples" / "contacts.csv"
ACCENTS = {"e": "é", "a": "á", "o": "ö", "u": "ü", "i": "í"}


def variants(name: str, rnd: random.Random, count: int) -> list[tuple[str, bool]]:
    """(spelling, should resolve) for one company: exporters' spellings, then a bare first word."""
    words = name.split()
    accented = next((name[:i] + ACCENTS[c] + name[i + 1 :] for i, c in enumerate(name) if c in ACCENTS), name)
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    typo_word = words[longest][:-2] + words[longest][-1] if len(words[longest]) > 5 else words[longest]
    typo = " ".join(typo_word if i == longest else w for i, w in enumerate(words))
    spellings = [
        f"{name.upper()}, INC.",
        f"{name} Inc.",
        name.lower(),
        f"{accented} GmbH",
        f"The {name} Company",
        f"{name} Ltd.",
        f"{name} S.A.",
        typo,
    ]
    rnd.shuffle(spellings)
    out = [(s, True) for s in spellings[:count]]
    if len(words) > 1:
        out.append((words[0], False))  # "Acme" is not "Acme Analytics"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variants-per-company", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="company-resolution-"))
    os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    os.environ["POWERTOOLS_LOG_LEVEL"] = os.environ.get("BENCH_LOG_LEVEL", "ERROR")

    from functions.common import contacts_repo
    from functions.common.canonical import canonical_email
    from functions.common.settings import reset_settings
    from local.imports import run_import
    from local.runtime import Runtime
    from tests.corpus.exports import COMPANIES as CORPUS_COMPANIES
    from tests.stubs.enrichment_stub import EnrichmentStub, found, org_profile

    t0 = time.perf_counter()
    with Runtime(tmp / "data", in_memory=True) as rt, EnrichmentStub(api_key="platform-key") as stub:
        # 1. the file with domains
        first = run_import(rt, EXAMPLE, workspace_id="ws_domains", options={}, out_dir=tmp / "r1")
        assert first.status == "complete", first.error
        with EXAMPLE.open(newline="", encoding="utf-8") as f:
            with_name = [r for r in csv.DictReader(f) if (r.get("Company") or "").strip()]
        by_email = {c["email"]: c for c in contacts_repo.list_contacts("ws_domains")}
        truth: dict[str, Counter[str]] = {}
        named = with_domain = 0
        for r in with_name:
            try:
                contact = by_email.get(canonical_email(r.get("Work Email") or ""))
            except ValueError:
                contact = None
            if contact is None:  # an errored row (invalid email, duplicate)
                continue
            named += 1
            domain = contact["company"]["domain"]
            if domain:
                with_domain += 1
                truth.setdefault(r["Company"].strip(), Counter())[domain] += 1
        known = {name: domains.most_common(1)[0][0] for name, domains in truth.items()}

        # 2. the names-only file
        rows: list[tuple[str, str, str | None]] = []  # email, company cell, expected domain
        corpus = {name: f"provider:{domain}" for name, domain in CORPUS_COMPANIES}
        for name, domain in sorted(known.items()):
            for spelling, resolves in variants(name, rnd, args.variants_per_company):
                # a bare first word is right only where a company of that very name exists
                # ("Northwind" at northwind.io beside "Northwind Logistics"; the corpus's "Acme")
                expected = domain if resolves else known.get(spelling) or corpus.get(spelling)
                rows.append((f"p{len(rows)}@gmail.com", spelling, expected))
        for name, domain in CORPUS_COMPANIES:
            for spelling in (f"{name} Inc.", name.upper(), f"{name}, LLC"):
                rows.append((f"p{len(rows)}@outlook.com", spelling, f"provider:{domain}"))
            stub.script_org(f"{name} Inc.", found(org_profile(name, domain)))
            stub.script_org(name.upper(), found(org_profile(name, domain)))
            stub.script_org(f"{name}, LLC", found(org_profile(name, domain)))
        names_only = tmp / "names_only.csv"
        with names_only.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["Email", "Company"])
            w.writerows((e, n) for e, n, _ in rows)

        def measure(workspace: str, options: dict[str, object]) -> dict[str, object]:
            outcome = run_import(
                rt, names_only, workspace_id=workspace, options=options, out_dir=tmp / workspace
            )
            assert outcome.status == "complete", outcome.error
            got = {
                c["email"]: (c.get("company") or {}).get("domain")
                for c in contacts_repo.list_contacts(workspace)
            }
            assert outcome.results_csv is not None
            with outcome.results_csv.open(newline="", encoding="utf-8") as f:
                results = list(csv.reader(f))
            at = results[0].index("Reason")
            how: Counter[str] = Counter()
            for r in results[1:]:
                reason = r[at]
                how[
                    "by_name" if "by name" in reason else "by_provider" if "by provider" in reason else "none"
                ] += 1
            right = wrong = 0
            wrong_cases: list[str] = []
            missed: list[str] = []
            for email, spelling, expected in rows:
                domain = got.get(email)
                if domain is None:
                    if expected is not None:
                        missed.append(spelling)
                    continue
                if expected is not None and domain == expected.removeprefix("provider:"):
                    right += 1
                else:
                    wrong += 1
                    wrong_cases.append(f"{spelling} -> {domain} (expected {expected})")
            resolvable = sum(1 for _, _, e in rows if e is not None)
            return {
                "rows": len(rows),
                "resolved": right + wrong,
                "rate": round((right + wrong) / len(rows), 3),
                "right": right,
                "wrong": wrong,
                "by_name": how["by_name"],
                "by_provider": how["by_provider"],
                "recall_of_resolvable": round(right / resolvable, 3),
                "provider_calls": len(stub.org_calls()),
                "wrong_cases": wrong_cases,
                "missed": missed,
            }

        platform = measure("ws_names", {})
        saved = {k: os.environ.get(k) for k in ("CI_ENRICH_BASE_URLS", "CI_PLATFORM_KEYS")}
        os.environ["CI_ENRICH_BASE_URLS"] = json.dumps({"apollo": stub.url})
        os.environ["CI_PLATFORM_KEYS"] = json.dumps({"apollo": "platform-key"})
        reset_settings()
        try:
            with_provider = measure("ws_names_enriched", {"enrich": True, "enrich_provider": "apollo"})
            stub.reset()
            again = measure("ws_names_again", {"enrich": True, "enrich_provider": "apollo"})
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            reset_settings()

    result = {
        "domain_column_rows_with_company": len(with_name),
        "domain_column_rate": round(with_domain / named, 3),
        "names_only_platform": platform,
        "names_only_with_provider": with_provider,
        "names_only_reimport_provider_calls": again["provider_calls"],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(
        f"file with a domain column: {result['domain_column_rate']:.1%} of {named} named rows have a domain"
    )
    for label, r in (("names only, platform", platform), ("names only, + provider", with_provider)):
        print(
            f"{label:<24} {r['rate']:.1%} of {r['rows']} rows resolved ({r['by_name']} by name, "
            f"{r['by_provider']} by provider), {r['wrong']} wrong, {r['recall_of_resolvable']:.1%} of the "
            f"resolvable ones, {r['provider_calls']} provider calls"
        )
    print(f"re-import with the provider: {again['provider_calls']} provider calls")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
