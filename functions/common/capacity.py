"""What DynamoDB bills for a write, computed from the items: its documented item-size rules.

DynamoDB reports consumed capacity for the item APIs (`ReturnConsumedCapacity=INDEXES`), but
DynamoDB Local reports nothing for PartiQL statements, which is how the hot path writes. The
benchmark computes those from the statement's item (and, for an UPDATE, the item before it)
with these rules, and a test checks them against what DynamoDB Local reports for the same
items written with PutItem and UpdateItem.

Rules (Developer Guide, "Item sizes and formats" and "Provisioned throughput considerations
for global secondary indexes"):

* An item's size is the sum of its attributes: the UTF-8 length of each name plus its value.
  Strings are their UTF-8 length, binary its length, numbers about one byte per two
  significant digits plus one, booleans and null one byte. A list or map costs three bytes
  plus its elements, each element one byte plus its own size (a map element adds its key).
* A write costs one unit per started 1 KB of the larger of the item before and after
  (a new item: after; a delete: before); a condition that fails still costs a unit.
* A global secondary index is written when the item is in it (has the index's key
  attributes) before or after: a put of its entry when it enters, a delete when it leaves,
  both when an index key changes, one put when a projected attribute changes, nothing
  otherwise. The entry is the table's key, the index's key and the projected attributes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

KB = 1024
READ_UNIT = 4 * KB


def value_size(value: Any) -> int:
    """Bytes of one value (without its attribute name)."""
    t = type(value)  # the common types first: the benchmark sizes every item it writes
    if t is str:
        return len(value) if value.isascii() else len(value.encode("utf-8"))
    if t is dict:
        return 3 + sum(1 + _name_size(k) + value_size(v) for k, v in value.items())
    if t is int or t is Decimal:
        return number_size(value)
    if value is None or t is bool:
        return 1
    if t is list:
        return 3 + sum(1 + value_size(v) for v in value)
    return _other_size(value)


def _name_size(name: Any) -> int:
    text = str(name)
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _other_size(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, int | float | Decimal):
        return number_size(value)
    if isinstance(value, Mapping):
        return 3 + sum(1 + len(str(k).encode("utf-8")) + value_size(v) for k, v in value.items())
    if isinstance(value, set | frozenset):
        return sum(value_size(v) for v in value)
    if isinstance(value, Sequence):
        return 3 + sum(1 + value_size(v) for v in value)
    raise TypeError(f"not a DynamoDB value: {type(value).__name__}")


# up to this many digits the decimal context's normalisation (28 digits) changes nothing
_EXACT_DIGITS = 28


def number_size(value: int | float | Decimal) -> int:
    if type(value) is int and -(10**_EXACT_DIGITS) < value < 10**_EXACT_DIGITS:
        significant = len(str(abs(value)).rstrip("0")) or 1
    elif type(value) is Decimal and value.is_finite() and len(value.as_tuple().digits) <= _EXACT_DIGITS:
        digits = "".join(map(str, value.as_tuple().digits)).rstrip("0")
        significant = len(digits) or 1
    else:
        digits_t = Decimal(str(value)).normalize().as_tuple().digits
        significant = len(digits_t) if any(digits_t) else 1
    return 1 + math.ceil(significant / 2)


def item_size(item: Mapping[str, Any]) -> int:
    """Bytes of an item as DynamoDB counts them for capacity (None-valued attributes are absent)."""
    return sum(len(k.encode("utf-8")) + value_size(v) for k, v in item.items() if v is not None)


def write_units(size: int) -> int:
    return max(1, math.ceil(size / KB))


def read_units(size: int, *, consistent: bool = True) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return float(units) if consistent else units / 2


@dataclass(frozen=True)
class IndexSpec:
    name: str
    keys: tuple[str, ...]
    projection: str = "ALL"  # ALL, KEYS_ONLY or INCLUDE
    include: tuple[str, ...] = ()

    def entry(self, item: Mapping[str, Any], table_keys: Sequence[str]) -> dict[str, Any] | None:
        """The index's copy of `item`, or None when the item is not in the index (a key is missing)."""
        if any(item.get(k) is None for k in self.keys):
            return None
        if self.projection == "ALL":
            return {k: v for k, v in item.items() if v is not None}
        names = {*table_keys, *self.keys, *(self.include if self.projection == "INCLUDE" else ())}
        return {k: item[k] for k in names if item.get(k) is not None}


@dataclass(frozen=True)
class TableSpec:
    name: str
    keys: tuple[str, ...]
    indexes: tuple[IndexSpec, ...] = ()

    @classmethod
    def from_schema(cls, name: str, schema: Mapping[str, Any]) -> TableSpec:
        """From `models.key_schema(model)` (CreateTable vocabulary)."""
        return cls(
            name,
            tuple(k["AttributeName"] for k in schema["KeySchema"]),
            tuple(
                IndexSpec(
                    i["IndexName"],
                    tuple(k["AttributeName"] for k in i["KeySchema"]),
                    i["Projection"]["ProjectionType"],
                    tuple(i["Projection"].get("NonKeyAttributes", ())),
                )
                for i in schema.get("GlobalSecondaryIndexes", [])
            ),
        )

    def key_of(self, item: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(item[k] for k in self.keys)


@dataclass
class WriteCost:
    table: float = 0.0
    indexes: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return self.table + sum(self.indexes.values())


def write_cost(
    spec: TableSpec, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, ok: bool = True
) -> WriteCost:
    """Units one write consumes: a put/update (`after`), a delete (`after` None); `ok=False` is a
    write whose condition failed (charged on the table only)."""
    if not ok:
        return WriteCost(float(write_units(item_size(before or {}))))
    sizes = [item_size(i) for i in (before, after) if i is not None]
    cost = WriteCost(float(write_units(max(sizes, default=0))))
    for index in spec.indexes:
        old = index.entry(before, spec.keys) if before is not None else None
        new = index.entry(after, spec.keys) if after is not None else None
        units = 0
        if old is not None and new is not None:
            if any(old.get(k) != new.get(k) for k in index.keys):
                units = write_units(item_size(old)) + write_units(item_size(new))
            elif old != new:
                units = write_units(item_size(new))
        elif old is not None:
            units = write_units(item_size(old))
        elif new is not None:
            units = write_units(item_size(new))
        if units:
            cost.indexes[index.name] = float(units)
    return cost
