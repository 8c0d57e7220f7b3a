"""The web app's static files as `contact-import serve` hands them out: index at /, known types
only, never a file outside web/."""

from __future__ import annotations

from pathlib import Path

from local.server import WEB_HEADERS, WEB_ROOT, web_file


def test_root_is_the_index_and_modules_are_javascript() -> None:
    index = web_file("/")
    assert index is not None and index[0] == WEB_ROOT / "index.html" and index[1].startswith("text/html")
    app = web_file("/js/app.js?v=1")
    assert app is not None and app[1].startswith("text/javascript")


def test_nothing_outside_the_web_folder_or_of_an_unknown_type(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "a.js").write_text("x")
    (tmp_path / "secret.json").write_text("{}")
    (tmp_path / "web" / "notes.py").write_text("x")
    root = tmp_path / "web"
    assert web_file("/a.js", root) is not None
    assert web_file("/../secret.json", root) is None
    assert web_file("/%2e%2e/secret.json", root) is None
    assert web_file("/notes.py", root) is None
    assert web_file("/missing.js", root) is None


def test_the_pages_carry_a_csp_without_inline_code() -> None:
    csp = WEB_HEADERS["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    html = (WEB_ROOT / "index.html").read_text()
    assert "<style" not in html and "style=" not in html
    scripts = [line.strip() for line in html.splitlines() if line.strip().startswith("<script")]
    assert scripts and all(tag.startswith('<script type="module" src=') for tag in scripts)
    for module in (WEB_ROOT / "js").glob("*.js"):
        code = module.read_text()
        assert "innerHTML" not in code and ".style" not in code and "eval(" not in code, module.name
