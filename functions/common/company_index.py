"""The CompanyNames table: which domains carry a normalised company name (DynamoDB adapter).

One item per block, `b#<first word>`, whose `entries` string set holds `<normalised name>\\t<domain>`
for the companies filed under it: the exact lookup and the candidates for a near spelling in
one BatchGetItem per chunk, and one write per new company. A block takes at most `BLOCK_CAP`
entries: an UPDATE is billed on the item's whole size, so the cap keeps a write at a few WRU
(about 3 KB at 100 entries) and the item far below DynamoDB's 400 KB. A company whose block is
full ("global …") is filed under `n#<normalised name>` instead (`domains`, a string set), which
a lookup of a name in a full block also reads; such a name is found exactly, never as a near
spelling.

Entries are added when a Company is created or its name changes (commit), never per row: one
batch read of which items exist, create-only INSERTs for the others and a `set_add` UPDATE for
those (and for an INSERT a concurrent chunk beat); nothing is written for values already filed
(a retried chunk). All idempotent, so a retried or concurrent chunk adds nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from functions.common import ddb
from functions.common.company_names import best_fuzzy, block_of, normalise_company_name, unique_exact
from functions.common.models import CompanyName, table_name

BLOCK_CAP = 100
_EXACT = "n#"
_BLOCK = "b#"


def record(companies: Mapping[str, str | None]) -> None:
    """File each company (domain -> name) under its block, or its exact name when that is full."""
    blocks: dict[str, set[str]] = {}
    exact: dict[str, dict[str, set[str]]] = {}  # block key -> exact key -> domains
    for domain, name in companies.items():
        normalised = normalise_company_name(name)
        if not normalised or not domain:
            continue
        block = _BLOCK + block_of(normalised)
        blocks.setdefault(block, set()).add(f"{normalised}\t{domain}")
        exact.setdefault(block, {}).setdefault(_EXACT + normalised, set()).add(domain)
    full = _add(blocks, "entries", cap=BLOCK_CAP)
    overflow: dict[str, set[str]] = {}
    for block in full:
        for key, domains in exact[block].items():
            overflow.setdefault(key, set()).update(domains)
    _add(overflow, "domains", cap=None)


def _add(sets: Mapping[str, set[str]], attribute: str, *, cap: int | None) -> list[str]:
    """Add the values to each key's set; returns the keys refused because they hold `cap` values."""
    if not sets:
        return []
    table = table_name(CompanyName)
    # which keys exist decides INSERT or UPDATE: a read costs a fraction of the failed
    # conditional INSERT it saves (a block usually exists already)
    present = {
        item["name_key"]: set(item.get(attribute) or ())
        for item in ddb.batch_get(table, [{"name_key": k} for k in sorted(sets)], consistent=False)
    }
    full = [k for k, have in sorted(present.items()) if cap is not None and len(have) >= cap]
    new = [k for k in sorted(sets) if k not in present]
    inserts = [
        ddb.Statement(f"INSERT INTO \"{table}\" VALUE {{'name_key': ?, '{attribute}': ?}}", (k, sets[k]))
        for k in new
    ]
    outcomes = ddb.execute_batch(inserts)
    _raise_unexpected(o for o in outcomes if not o.ok and o.code != "DuplicateItem")
    # nothing to write where every value is filed already (a retried chunk) or the set is full
    # (a refused conditional write would still bill the whole item); another chunk may have
    # created an item since the read: those are updated like the rest
    existing = [k for k, have in sorted(present.items()) if not sets[k] <= have and k not in full]
    existing += [k for k, o in zip(new, outcomes, strict=True) if not o.ok]
    condition = f" AND (size({attribute}) < ?)" if cap is not None else ""
    updates = [
        ddb.Statement(
            f'UPDATE "{table}" SET {attribute} = set_add({attribute}, ?) WHERE name_key = ?{condition}',
            (sets[k], k, cap) if cap is not None else (sets[k], k),
        )
        for k in existing
    ]
    refused = []
    for key, outcome in zip(existing, ddb.execute_batch(updates), strict=True):
        if outcome.ok:
            continue
        if outcome.code != "ConditionalCheckFailed":
            _raise_unexpected([outcome])
        refused.append(key)  # filled up by another chunk since the read
    return full + refused


def _raise_unexpected(outcomes: Iterable[ddb.StatementOutcome]) -> None:
    for outcome in outcomes:
        raise RuntimeError(f"unexpected DynamoDB outcome: {outcome.code}: {outcome.message}")


def resolve(names: Iterable[str]) -> dict[str, str]:
    """Normalised name -> domain for the names one company confidently carries.

    An exact name held by one domain wins; one held by several resolves nothing (no guess
    between them); a name not filed at all may match a near spelling in its block.
    """
    wanted = [n for n in dict.fromkeys(names) if n]
    if not wanted:
        return {}
    table = table_name(CompanyName)
    blocks = {
        item["name_key"][len(_BLOCK) :]: item.get("entries") or []
        for item in ddb.batch_get(
            table,
            [{"name_key": _BLOCK + b} for b in dict.fromkeys(block_of(n) for n in wanted)],
            consistent=False,
        )
    }
    candidates: dict[str, dict[str, set[str]]] = {}  # block -> normalised name -> domains
    for block, entries in blocks.items():
        for entry in entries:
            name, _, domain = entry.partition("\t")
            candidates.setdefault(block, {}).setdefault(name, set()).add(domain)
    # a full block's later companies are filed by exact name
    overflow = [n for n in wanted if len(blocks.get(block_of(n)) or ()) >= BLOCK_CAP]
    exact = {
        item["name_key"][len(_EXACT) :]: set(item.get("domains") or ())
        for item in ddb.batch_get(table, [{"name_key": _EXACT + n} for n in overflow], consistent=False)
    }
    found: dict[str, str] = {}
    for name in wanted:
        block = candidates.get(block_of(name), {})
        domains = block.get(name, set()) | exact.get(name, set())
        domain = unique_exact(domains) if domains else best_fuzzy(name, block)
        if domain is not None:
            found[name] = domain
    return found
