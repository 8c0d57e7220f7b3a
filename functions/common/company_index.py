"""The CompanyNames table: which domains carry a normalised company name (DynamoDB adapter).

Two item kinds, both read with BatchGetItem, one request per chunk and kind:
- `n#<normalised name>` with `domains`, a string set: the exact lookup;
- `b#<first word>` with `entries`, a string set of `<normalised name>\\t<domain>`: the
  candidates for a near spelling, capped at `BLOCK_CAP` entries. An UPDATE is billed on the
  item's whole size, so the cap keeps adding a company to a crowded block at a few WRU (about
  4 KB at 100 entries) and the item far below DynamoDB's 400 KB; a crowded first word like
  "global" simply stops taking fuzzy candidates (its exact names still resolve).

Entries are added when a Company is created or its name changes (commit), never per row: one
batch read of which keys exist, create-only INSERTs for the others and a `set_add` UPDATE for
those (and for an INSERT a concurrent chunk beat): all idempotent, so a retried chunk or a
concurrent one adds nothing twice.
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
    """File each company (domain -> name) under its normalised name and its block."""
    exact: dict[str, set[str]] = {}
    blocks: dict[str, set[str]] = {}
    for domain, name in companies.items():
        normalised = normalise_company_name(name)
        if not normalised or not domain:
            continue
        exact.setdefault(_EXACT + normalised, set()).add(domain)
        blocks.setdefault(_BLOCK + block_of(normalised), set()).add(f"{normalised}\t{domain}")
    _add(exact, "domains", cap=None)
    _add(blocks, "entries", cap=BLOCK_CAP)


def _add(sets: Mapping[str, set[str]], attribute: str, *, cap: int | None) -> None:
    if not sets:
        return
    table = table_name(CompanyName)
    # which keys exist decides INSERT or UPDATE: a read costs a fraction of the failed
    # conditional INSERT it saves (a block item usually exists already)
    present = {
        item["name_key"]: set(item.get(attribute) or ())
        for item in ddb.batch_get(table, [{"name_key": k} for k in sorted(sets)], consistent=False)
    }
    new = [k for k in sorted(sets) if k not in present]
    inserts = [
        ddb.Statement(f"INSERT INTO \"{table}\" VALUE {{'name_key': ?, '{attribute}': ?}}", (k, sets[k]))
        for k in new
    ]
    outcomes = ddb.execute_batch(inserts)
    _raise_unexpected(o for o in outcomes if not o.ok and o.code != "DuplicateItem")
    # another chunk may have created one since the read: those are updated like the rest
    # nothing to write where every value is filed already (a retried chunk) or a block is full
    # (a refused conditional write would still bill the whole item)
    existing = [
        k for k, have in sorted(present.items()) if not sets[k] <= have and (cap is None or len(have) < cap)
    ]
    existing += [k for k, o in zip(new, outcomes, strict=True) if not o.ok]
    condition = f" AND (size({attribute}) < ?)" if cap is not None else ""
    updates = [
        ddb.Statement(
            f'UPDATE "{table}" SET {attribute} = set_add({attribute}, ?) WHERE name_key = ?{condition}',
            (sets[k], k, cap) if cap is not None else (sets[k], k),
        )
        for k in existing
    ]
    # a full block refuses more candidates (ConditionalCheckFailed): exact lookups still work
    _raise_unexpected(
        o for o in ddb.execute_batch(updates) if not o.ok and o.code != "ConditionalCheckFailed"
    )


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
    exact = {
        item["name_key"][len(_EXACT) :]: item.get("domains") or []
        for item in ddb.batch_get(table, [{"name_key": _EXACT + n} for n in wanted], consistent=False)
    }
    found: dict[str, str] = {}
    for name, domains in exact.items():
        domain = unique_exact(domains)
        if domain is not None:
            found[name] = domain
    missing = [n for n in wanted if n not in exact]
    if not missing:
        return found
    blocks = {
        item["name_key"][len(_BLOCK) :]: item.get("entries") or []
        for item in ddb.batch_get(
            table,
            [{"name_key": _BLOCK + b} for b in dict.fromkeys(block_of(n) for n in missing)],
            consistent=False,
        )
    }
    for name in missing:
        candidates: dict[str, set[str]] = {}
        for entry in blocks.get(block_of(name), ()):
            candidate, _, domain = entry.partition("\t")
            candidates.setdefault(candidate, set()).add(domain)
        domain = best_fuzzy(name, candidates)
        if domain is not None:
            found[name] = domain
    return found
