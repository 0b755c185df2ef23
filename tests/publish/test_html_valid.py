"""Every page of both renders parses as HTML with html5lib in strict mode (a parse error fails):
a self-closing <a/> in a heading, an element left open or closed twice, a stray end tag. Also the
language of the pages and what the built-in renderer writes in a heading."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from test_site import built_project, quarto_project

html5lib = pytest.importorskip("html5lib")


def _pages(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.html")
                  if not {"site_libs", "data-docs"} & set(p.relative_to(output).parts))


def _parse_errors(path: Path) -> list[str]:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        parser.parse(path.read_bytes())
    except html5lib.html5parser.ParseError:
        pass
    return [f"line {line}:{column} {code} {data}" for (line, column), code, data in parser.errors]


@pytest.fixture(scope="module", params=["builtin", "quarto"])
def output(request, tmp_path_factory) -> Path:
    if request.param == "quarto":
        if shutil.which("quarto") is None:  # /opt/quarto-src/bin on PATH runs these
            pytest.skip("quarto is not on PATH (see ../shared/quarto/README.md to build it)")
        return quarto_project(tmp_path_factory).site / "_site"
    return built_project(tmp_path_factory)[0].site / "_site"


def test_every_page_is_valid_html(output):
    pages = _pages(output)
    assert len(pages) >= 10
    errors = {p.relative_to(output).as_posix(): e for p in pages if (e := _parse_errors(p))}
    assert errors == {}


def test_the_strict_parser_rejects_a_self_closing_link(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html lang="zh"><head><title>t</title></head><body>'
                    '<h2 id="x">标题<a class="anchor-link" href="#x" /></h2><p>正文</p></body></html>')
    assert any("non-void-element-with-trailing-solidus" in e for e in _parse_errors(page))


def test_headings_have_no_anchor_link_and_pages_say_chinese(output):
    import re

    page = (output / "pages" / "region-330800.html").read_text(encoding="utf-8")
    assert 'class="anchor-link"' not in page
    # the built-in render writes lang="zh", Quarto (lang: zh) writes zh-Hans
    assert re.search(r'<html\b[^>]*\blang="zh(-Hans)?"', page)
