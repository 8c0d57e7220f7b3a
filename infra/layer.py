"""Build the Lambda dependencies layer without Docker.

The layer holds the runtime dependencies of `pyproject.toml` (Powertools included) at exactly
the versions installed in this venv, the ones the tests ran against, as CPython 3.12 manylinux
aarch64 wheels for the arm64 python3.12 runtime. The AWS SDK (boto3, botocore, s3transfer,
jmespath) is left out: the Lambda runtime provides it.

    .venv/bin/python -m infra.layer [--out build/lambda-layer]

Needs PyPI (pip downloads the wheels); a package without such a wheel fails the build loudly.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.12"
PLATFORMS = ("manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64")
PROVIDED_BY_RUNTIME = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
TARGET_ENV = {
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
}


def runtime_requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[Requirement]:
    doc = tomllib.loads(pyproject.read_text())
    return [Requirement(r) for r in doc["project"]["dependencies"]]


def _applies(marker: Marker | None, extras: set[str]) -> bool:
    if marker is None:
        return True
    return any(marker.evaluate({**TARGET_ENV, "extra": extra}) for extra in (extras or {""}))


def layer_pins(requirements: list[Requirement] | None = None) -> dict[str, str]:
    """Every distribution the runtime dependencies need on the target, at its installed version."""
    pins: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(req, set(req.extras)) for req in (requirements or runtime_requirements())]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if name in PROVIDED_BY_RUNTIME or (name, frozenset(extras)) in seen:
            continue
        seen.add((name, frozenset(extras)))
        dist = metadata.distribution(req.name)
        pins[name] = dist.version
        for raw in dist.requires or []:
            sub = Requirement(raw)
            if _applies(sub.marker, extras):
                todo.append((sub, set(sub.extras)))
    return dict(sorted(pins.items()))


def build(out: Path) -> Path:
    pins = layer_pins()
    target = out / "python"
    if out.exists():
        shutil.rmtree(out)
    target.mkdir(parents=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        *(arg for platform in PLATFORMS for arg in ("--platform", platform)),
        "--target",
        str(target),
        *(f"{name}=={version}" for name, version in pins.items()),
    ]
    subprocess.run(cmd, check=True)
    # console scripts and bytecode caches are of no use in a layer
    shutil.rmtree(target / "bin", ignore_errors=True)
    for cache in target.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    (out / "requirements.txt").write_text("".join(f"{n}=={v}\n" for n, v in pins.items()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "lambda-layer")
    args = parser.parse_args()
    out = build(args.out)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"layer built in {out} ({size / 1e6:.1f} MB unzipped)")


if __name__ == "__main__":
    main()
