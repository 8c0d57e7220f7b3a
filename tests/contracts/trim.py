"""Cut a vendor's OpenAPI description down to the operations this project calls.

    python -m tests.contracts.trim SOURCE.json OUT.json --op get:/prospects \
        --schema stageResponse --schema accountResponse

Keeps `openapi`, `info`, `servers`, `security`, the chosen operations (with their path-level
parameters), the named extra schemas, and every component they reach through `$ref`, and
every security scheme. Nothing is rewritten: each kept object is byte-for-byte the vendor's
JSON value, so the trimmed file says exactly what the original says about those operations.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def trim(spec: dict[str, Any], ops: list[tuple[str, str]], schemas: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {k: spec[k] for k in ("openapi", "info", "servers", "security") if k in spec}
    paths: dict[str, Any] = {}
    for method, path in ops:
        item = spec["paths"][path]
        kept = paths.setdefault(path, {k: v for k, v in item.items() if k in ("parameters", "summary")})
        kept[method] = item[method]
    out["paths"] = paths
    components = spec.get("components", {})
    kept_components: dict[str, dict[str, Any]] = {}
    if "securitySchemes" in components:
        kept_components["securitySchemes"] = components["securitySchemes"]
    pending = [*_refs(paths), *(f"#/components/schemas/{name}" for name in schemas)]
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, section, name = ref.removeprefix("#/").split("/", 2)
        value = components[section][name]
        kept_components.setdefault(section, {})[name] = value
        pending.extend(_refs(value))
    out["components"] = {
        section: dict(sorted(values.items())) for section, values in sorted(kept_components.items())
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--op", action="append", default=[], help="method:/path, e.g. get:/prospects")
    parser.add_argument("--schema", action="append", default=[], help="an extra component schema to keep")
    args = parser.parse_args()
    ops = [(m.lower(), p) for m, _, p in (o.partition(":") for o in args.op)]
    spec = json.loads(args.source.read_bytes())
    args.out.write_text(json.dumps(trim(spec, ops, args.schema), indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
