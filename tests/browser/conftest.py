"""The web app in a real headless Chromium: Debian's /usr/bin/chromium driven by Playwright
(no browser download), against `contact-import serve` started on a free port. One server and one
browser per session; each test gets its own browser context. A failed test keeps a screenshot and
a trace under build/e2e-failures/; every screen is photographed at 1280 and 390 px into
build/screenshots/."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_VERSION = "4.14.1"  # axe-core from the npm registry, fetched once with `npm pack`
AXE_JS = ROOT / ".tools" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
FAILURES = ROOT / "build" / "e2e-failures"
SCOPES = (
    "contacts:read,contacts:write,imports:read,imports:write,config:read,config:write,admin:keys,events:write"
)
WIDTHS = {"1280": (1280, 900), "390": (390, 844)}


@dataclass
class Served:
    url: str
    key: str
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT_URL", "CI_"))}
    return {**env, "PYTHONPATH": str(ROOT)}


def ensure_axe() -> Path:
    """axe-core's browser bundle, `npm pack`ed from the registry into .tools/ (ignored by git)."""
    if AXE_JS.is_file():
        return AXE_JS
    with tempfile.TemporaryDirectory() as tmp:
        packed = subprocess.run(
            ["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent", "--pack-destination", tmp],
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        tgz = Path(tmp) / packed.stdout.strip().splitlines()[-1]
        with tarfile.open(tgz) as tar:
            member = tar.extractfile("package/axe.min.js")
            assert member is not None
            AXE_JS.parent.mkdir(parents=True, exist_ok=True)
            AXE_JS.write_bytes(member.read())
    return AXE_JS


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    cli = str(Path(sys.executable).with_name("contact-import"))
    data = tmp_path_factory.mktemp("web") / "data"
    made = subprocess.run(
        [cli, "keys", "create", "--workspace", "ws_web", "--scopes", SCOPES, "--data-dir", str(data)],
        capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    port = _free_port()
    proc = subprocess.Popen(
        [cli, "serve", "--port", str(port), "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(), cwd=ROOT,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 300
        banner: list[str] = []
        while not any("Ctrl-C stops" in line for line in banner):
            line = proc.stdout.readline()
            assert line and time.monotonic() < deadline, "".join(banner)
            banner.append(line)
        # keep draining the server's output so it never blocks on a full pipe
        drain = subprocess.Popen(["cat"], stdin=proc.stdout, stdout=subprocess.DEVNULL)
        yield Served(f"http://127.0.0.1:{port}", key, data)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        drain.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


# Package scope, not session: while sync_playwright() is open its event loop counts as running in
# this thread, and every later test that calls asyncio.run() would fail (CI run of stop 19).
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Any, served: Served, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, base_url=served.url
    )
    context.tracing.start(screenshots=True, snapshots=True)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: problems.append(f"uncaught: {exc}"))
    pg.problems = problems
    try:
        yield pg
    finally:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        if request.node.stash.get(_FAILED, False):
            FAILURES.mkdir(parents=True, exist_ok=True)
            try:
                pg.screenshot(path=str(FAILURES / f"{name}.png"), full_page=True)
            finally:
                context.tracing.stop(path=str(FAILURES / f"{name}.trace.zip"))
        else:
            context.tracing.stop()
        context.close()


def shoot(pg: Any, screen: str) -> None:
    """Photograph the current screen at 1280 and 390 px (full page), then restore 1280."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, (w, h) in WIDTHS.items():
        pg.set_viewport_size({"width": w, "height": h})
        pg.wait_for_timeout(100)
        pg.screenshot(path=str(SCREENSHOTS / f"{screen}-{label}.png"), full_page=True)
        wide = pg.evaluate("document.documentElement.scrollWidth")
        assert wide <= w + 1, f"{screen} at {w} px is {wide} px wide: it scrolls sideways"
    pg.set_viewport_size({"width": 1280, "height": 900})


def axe_check(pg: Any, screen: str) -> None:
    """axe-core on the current screen: no serious or critical violation."""
    pg.evaluate(ensure_axe().read_text(encoding="utf-8"))
    result = pg.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, f"{screen}: " + "; ".join(bad)


def look(pg: Any, screen: str) -> None:
    shoot(pg, screen)
    axe_check(pg, screen)


def keep_copy(path: Path, name: str) -> Path:
    out = ROOT / "build" / "downloads"
    out.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(path, out / name))
