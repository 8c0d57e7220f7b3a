"""What an import costs on AWS: the one price table, and the meter behind `make bench`'s figures.

Prices are us-east-1 on-demand list prices as of PRICES_AS_OF; change them here only.

DynamoDB Local reports consumed capacity for the item APIs when asked
(`ReturnConsumedCapacity=INDEXES`), but nothing for PartiQL statements, which is how the hot
path writes. For those, `CapacityMeter` computes the units from the statement's item (and,
for an UPDATE, the item as it was before, read on a side connection that is not counted)
with `functions.common.capacity`, which a test checks against what DynamoDB Local reports for
the same items written with PutItem and UpdateItem.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from functions.common.capacity import TableSpec, item_size, write_cost, write_units

PRICES_AS_OF = "2026-12-03"
PRICES: dict[str, float] = {
    "dynamodb_per_million_wru": 0.625,  # on-demand write request units
    "dynamodb_per_million_rru": 0.125,  # on-demand read request units
    "sfn_standard_per_1000_transitions": 0.025,
    "lambda_arm64_per_gb_s": 0.0000133334,
    "lambda_per_million_requests": 0.20,
    "s3_per_1000_put": 0.005,  # PUT, COPY, POST, LIST
    "s3_per_1000_get": 0.0004,  # GET and all other requests
}

# Lambda duration is modeled as the function's CPU time plus one round trip per AWS request
AWS_REQUEST_SECONDS = 0.008

_S3_PUT_CLASS = {"PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
                 "ListObjects", "ListObjectsV2", "PostObject"}  # fmt: skip

_deser = TypeDeserializer()
_INSERT = re.compile(r'^\s*INSERT\s+INTO\s+"([^"]+)"\s+VALUE\s+\{(.*)\}\s*$', re.I | re.S)
_UPDATE = re.compile(r'^\s*UPDATE\s+"([^"]+)"\s+(.*?)\s+WHERE\s+(.*)$', re.I | re.S)
_DELETE = re.compile(r'^\s*DELETE\s+FROM\s+"([^"]+)"\s+WHERE\s+(.*)$', re.I | re.S)
_INSERT_START = re.compile(r"\s*INSERT\b", re.I)
_NAME = re.compile(r"'([^']+)'\s*:\s*\?")
# `SET a = ?` or `SET a = set_add(a, ?)` (functions/common/company_index.py), in placeholder order
_SET = re.compile(r"SET\s+(\w+)\s*=\s*(\?|set_add\(\s*\w+\s*,\s*\?\s*\))", re.I)
_REMOVE = re.compile(r"REMOVE\s+(\w+)", re.I)
_EQ = re.compile(r"(\w+)\s*=\s*\?")


def _plain(av: Mapping[str, Any]) -> Any:
    """An attribute value as boto3 deserializes it (numbers as Decimal); the common types directly."""
    if len(av) == 1:
        ((tag, v),) = av.items()
        if tag in ("S", "BOOL"):
            return v
        if tag == "N" and len(v) <= 38:
            return Decimal(v)
        if tag == "NULL":
            return None
        if tag == "M":
            return {k: _plain(x) for k, x in v.items()}
        if tag == "L":
            return [_plain(x) for x in v]
    return _deser.deserialize(av)


class CapacityMeter:
    """Consumed capacity per table and index: reported by the engine, or computed for PartiQL."""

    def __init__(self, specs: Mapping[str, TableSpec], side_client: Any) -> None:
        self.specs = dict(specs)
        self.side = side_client  # reads the before-images of UPDATEs; not counted
        self.lock = threading.Lock()
        self._wru: defaultdict[str, float] = defaultdict(float)  # "Table" or "Table/index"
        self._rru: defaultdict[str, float] = defaultdict(float)
        self._sources: Counter[str] = Counter()  # reported / computed, per operation
        self._sizes: defaultdict[str, list[int]] = defaultdict(list)  # item sizes written, per table
        # batches of INSERTs only, with their responses: costed when a figure is read, so that the
        # work of costing them stays out of the timed import (an UPDATE's before-image cannot wait)
        self._deferred: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def detach(self, client: Any) -> None:
        client.meta.events.unregister("before-parameter-build.dynamodb.*", self._before)
        client.meta.events.unregister("after-call.dynamodb.*", self._after)

    @property
    def wru(self) -> defaultdict[str, float]:
        self.settle()
        return self._wru

    @property
    def rru(self) -> defaultdict[str, float]:
        self.settle()
        return self._rru

    @property
    def sources(self) -> Counter[str]:
        self.settle()
        return self._sources

    @property
    def sizes(self) -> defaultdict[str, list[int]]:
        self.settle()
        return self._sizes

    def settle(self) -> None:
        """Cost the deferred batches."""
        with self.lock:
            deferred, self._deferred = self._deferred, []
        for statements, responses in deferred:
            self._computed(self._plan(statements), responses)

    def written(self, table: str) -> float:
        """Write units on a table and its indexes."""
        units = self.wru
        with self.lock:
            return sum(v for k, v in units.items() if k == table or k.startswith(table + "/"))

    def reset(self) -> None:
        with self.lock:
            self._deferred.clear()
            self._wru.clear()
            self._rru.clear()
            self._sources.clear()
            self._sizes.clear()

    # --- hooks

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if "ReturnConsumedCapacity" in model.input_shape.members and model.name != "BatchExecuteStatement":
            params["ReturnConsumedCapacity"] = "INDEXES"
        if model.name == "BatchExecuteStatement":
            statements = params.get("Statements", [])
            if all(_INSERT_START.match(st["Statement"]) for st in statements):
                context["capacity_deferred"] = statements
            else:
                context["capacity_plan"] = self._plan(statements)

    def _after(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if model.name == "BatchExecuteStatement":
            responses = parsed.get("Responses") or []
            if "capacity_deferred" in context:
                with self.lock:
                    self._deferred.append((context["capacity_deferred"], responses))
            else:
                self._computed(context.get("capacity_plan") or [], responses)
            return
        consumed = parsed.get("ConsumedCapacity")
        if not consumed:
            return
        entries = consumed if isinstance(consumed, list) else [consumed]
        reads = model.name in ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")
        with self.lock:
            self._sources[f"reported:{model.name}"] += 1
            for entry in entries:
                table = entry.get("TableName", "?")
                bucket = self._rru if reads else self._wru
                t = entry.get("Table") or {}
                units = t.get("CapacityUnits")
                if units is None:
                    units = t.get("ReadCapacityUnits" if reads else "WriteCapacityUnits", 0)
                if not t and "CapacityUnits" in entry:
                    units = entry["CapacityUnits"]
                bucket[table] += float(units or 0)
                for index, c in (entry.get("GlobalSecondaryIndexes") or {}).items():
                    bucket[f"{table}/{index}"] += float(c.get("CapacityUnits", 0) or 0)

    # --- PartiQL

    def _plan(self, statements: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any] | None, Any]]:
        """Per statement: (table, the item before, the item after or a change to apply)."""
        plan: list[tuple[str, dict[str, Any] | None, Any]] = []
        updates: defaultdict[str, list[int]] = defaultdict(list)
        for n, st in enumerate(statements):
            sql, params = st["Statement"], [_plain(p) for p in st.get("Parameters", [])]
            if m := _INSERT.match(sql):
                names = _NAME.findall(m.group(2))
                plan.append((m.group(1), None, dict(zip(names, params, strict=True))))
            elif m := _UPDATE.match(sql):
                table, clauses, where = m.group(1), m.group(2), m.group(3)
                assigns = _SET.findall(clauses)
                sets = {name: params[i] for i, (name, expr) in enumerate(assigns) if expr == "?"}
                adds = {name: params[i] for i, (name, expr) in enumerate(assigns) if expr != "?"}
                spec = self.specs.get(table)
                key_names = _EQ.findall(where.split(" AND (", 1)[0])
                key_values = params[len(assigns) : len(assigns) + len(key_names)]
                key = {k: v for k, v in zip(key_names, key_values, strict=True) if spec and k in spec.keys}
                change = (sets, adds, _REMOVE.findall(clauses), key)
                plan.append((table, None, change))
                updates[table].append(n)
            elif m := _DELETE.match(sql):
                table = m.group(1)
                spec = self.specs.get(table)
                key_names = _EQ.findall(m.group(2).split(" AND (", 1)[0])
                key = {k: v for k, v in zip(key_names, params, strict=False) if spec and k in spec.keys}
                plan.append((table, None, ("delete", key)))
                updates[table].append(n)
            else:
                plan.append(("?", None, None))
        for table, positions in updates.items():
            keys = [plan[n][2][-1] for n in positions]
            before = self._read(table, keys)
            for n in positions:
                t, _, change = plan[n]
                spec = self.specs[t]
                plan[n] = (t, before.get(spec.key_of(change[-1])), change)
        return plan

    def _read(self, table: str, keys: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        from functions.common import ddb

        spec = self.specs[table]
        unique = {spec.key_of(k): k for k in keys}
        out: dict[tuple[Any, ...], dict[str, Any]] = {}
        pending = list(unique.values())
        for start in range(0, len(pending), 100):
            request = [{k: ddb.to_av(v) for k, v in key.items()} for key in pending[start : start + 100]]
            while request:
                resp = self.side.batch_get_item(
                    RequestItems={table: {"Keys": request, "ConsistentRead": True}}
                )
                for raw in resp["Responses"].get(table, []):
                    item = {k: _plain(v) for k, v in raw.items()}
                    out[spec.key_of(item)] = item
                request = resp.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
        return out

    def _computed(
        self, plan: list[tuple[str, dict[str, Any] | None, Any]], responses: list[dict[str, Any]]
    ) -> None:
        with self.lock:
            self._sources["computed:BatchExecuteStatement"] += 1
            for (table, before, change), response in zip(plan, responses, strict=False):
                spec = self.specs.get(table)
                if spec is None or change is None:
                    continue
                if isinstance(change, dict):  # INSERT
                    after: dict[str, Any] | None = change
                elif change[0] == "delete":
                    after = None
                else:
                    sets, adds, removes, _ = change
                    after = {**(before or {}), **sets}
                    for name, values in adds.items():
                        after[name] = set((before or {}).get(name) or ()) | set(values)
                    for name in removes:
                        after.pop(name, None)
                if response.get("Error"):
                    # a failed condition is charged on the table, on the size of the item there
                    existing = before if before is not None else after
                    self._wru[table] += float(write_units(item_size(existing or {})))
                    continue
                cost = write_cost(spec, before, after)
                self._wru[table] += cost.table
                for index, units in cost.indexes.items():
                    self._wru[f"{table}/{index}"] += units
                if after is not None:
                    self._sizes[table].append(item_size(after))


def size_distribution(sizes: list[int]) -> dict[str, Any]:
    if not sizes:
        return {}
    ordered = sorted(sizes)

    def pct(p: float) -> int:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "items": len(ordered),
        "p50": pct(0.5),
        "p90": pct(0.9),
        "p99": pct(0.99),
        "max": ordered[-1],
        "over_1kb_pct": round(100 * sum(1 for s in ordered if s > 1024) / len(ordered), 1),
    }


def modeled_cost(
    *,
    rows: int,
    wru: float,
    rru: float,
    s3_calls: Mapping[str, int],
    lambda_gb_s: float,
    lambda_requests: int,
    transitions: int,
    per_rows: int = 1_000_000,
) -> dict[str, float]:
    """USD for `per_rows` rows at the measured per-row rates."""
    scale = per_rows / rows
    s3_put = sum(n for op, n in s3_calls.items() if op in _S3_PUT_CLASS)
    s3_get = sum(n for op, n in s3_calls.items() if op not in _S3_PUT_CLASS)
    p = PRICES
    parts = {
        "dynamodb_write": wru * scale * p["dynamodb_per_million_wru"] / 1e6,
        "dynamodb_read": rru * scale * p["dynamodb_per_million_rru"] / 1e6,
        "step_functions": transitions * scale * p["sfn_standard_per_1000_transitions"] / 1e3,
        "lambda_compute": lambda_gb_s * scale * p["lambda_arm64_per_gb_s"],
        "lambda_requests": lambda_requests * scale * p["lambda_per_million_requests"] / 1e6,
        "s3": (s3_put * p["s3_per_1000_put"] + s3_get * p["s3_per_1000_get"]) * scale / 1e3,
    }
    return {k: round(v, 4) for k, v in parts.items()} | {"total": round(sum(parts.values()), 4)}


def floor_cost(per_rows: int = 1_000_000) -> float:
    """The floor: one 1-WRU write per row for the contact, one for its platform identity and claim."""
    return round(2 * per_rows * PRICES["dynamodb_per_million_wru"] / 1e6, 4)
