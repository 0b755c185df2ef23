"""The site under real Quarto: the same pages, charts, links, downloads and Data Docs as the
built-in render, and nothing loaded from another site.

The rendering tests need `quarto` on PATH (CI has none; build it locally from its source, see
../shared/quarto/README.md); the post-render step's own tests run everywhere.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
import shutil
from pathlib import Path

import pytest

from renshe.errors import RensheError
from renshe.publish.site import offline
from test_site import built_project, quarto_project

needs_quarto = pytest.mark.skipif(shutil.which("quarto") is None,
                                  reason="quarto is not on PATH (see ../shared/quarto/README.md to build it)")

# The head Quarto 1.7.34 writes for a notebook with text/html outputs (widgets.ts), as relocated
# into a real page: jQuery moved to the top of the head, require.js and the AMD shim left below.
QUARTO_HEAD = """<head>
<script src="https://cdnjs.cloudflare.com/ajax/libs/jquery/3.5.1/jquery.min.js" integrity="sha512-bLT0Qm9VnAYZDflyKcBaQ2gg0hSYNQrJ8RilYldYQ1FxQYoCLtUjuuRuZo+fjqhx/qtq/1itJ0C2ejDxltZVFg==" crossorigin="anonymous"></script><script src="../site_libs/quarto-nav/quarto-nav.js"></script>
<link href="../site_libs/bootstrap/bootstrap-icons.css" rel="stylesheet">
<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js" integrity="sha512-c3Nl8+7g4LMSTdrm621y7kf9v3SDPnhxLNhcjFJbKECVnmZHTdo+IRO05sNLTH/D3vA6u1X32ehoLC7WFVdheg==" crossorigin="anonymous"></script>
<script type="application/javascript">define('jquery', [],function() {return window.jQuery;})</script>
</head><body><a href="https://github.com/quarto-dev/quarto-cli">a link is not a request</a></body>"""


def test_post_render_removes_quartos_cdn_scripts_and_keeps_the_rest():
    cleaned = offline.strip_widget_dependencies(QUARTO_HEAD)
    assert "cdnjs" not in cleaned and "define('jquery'" not in cleaned
    assert '<script src="../site_libs/quarto-nav/quarto-nav.js"></script>' in cleaned
    assert 'href="../site_libs/bootstrap/bootstrap-icons.css"' in cleaned
    assert offline.off_site_addresses(cleaned) == []
    assert [address for _line, address in offline.off_site_addresses(QUARTO_HEAD)] == [
        "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.5.1/jquery.min.js",
        "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js"]


def test_post_render_cleans_the_listed_pages_and_stops_on_anything_else_off_site(tmp_path):
    output = tmp_path / "_site"
    (output / "pages").mkdir(parents=True)
    (output / "pages" / "region.html").write_text(QUARTO_HEAD, encoding="utf-8")
    (output / "index.html").write_text("<p>home</p>", encoding="utf-8")
    changed = offline.make_site_offline(output, "_site/pages/region.html\n_site/index.html\n", project=tmp_path)
    assert changed == [output / "pages" / "region.html"]
    assert "cdnjs" not in (output / "pages" / "region.html").read_text(encoding="utf-8")
    (output / "data.html").write_text('<p>x</p>\n<link rel="stylesheet" href="//fonts.example.com/a.css">',
                                      encoding="utf-8")
    with pytest.raises(RensheError, match=r"data\.html:2: //fonts\.example\.com/a\.css"):
        offline.make_site_offline(output)


def _pages(output: Path) -> set[str]:
    return {p.relative_to(output).as_posix() for p in output.rglob("*.html") if "site_libs" not in p.parts}


def _main(markup: str) -> str:
    return re.search(r"<main[^>]*>(.*)</main>", markup, re.S).group(1)


def _local_targets(page: str, markup: str) -> set[str]:
    """Every local address the page's content links to or loads, relative to the site root."""
    addresses = re.findall(r'(?:href|src)="([^"#?]*)', _main(markup))
    return {posixpath.normpath(posixpath.join(posixpath.dirname(page), address))
            for address in addresses if address and not re.match(r"[a-z]+:|//", address)}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("quarto") is None:
        pytest.skip("quarto is not on PATH (see ../shared/quarto/README.md to build it)")
    builtin = built_project(tmp_path_factory)[0].site / "_site"
    return builtin, quarto_project(tmp_path_factory).site / "_site"


@needs_quarto
def test_quarto_renders_the_same_pages_and_data_docs(outputs):
    builtin, quarto = outputs
    assert _pages(quarto) == _pages(builtin)
    assert {"index.html", "explore.html", "plans.html", "pages/plan-zhejiang_14fyp.html", "pages/region-330800.html",
            "pages/indicator-urban_new_jobs.html"} <= _pages(quarto)
    # the validation report is a download (its pages need scripts from the internet)
    assert (quarto / "downloads" / "validation-report.zip").is_file()
    assert (quarto / "search.json").is_file()  # Quarto's own search index, on top


@needs_quarto
def test_quarto_pages_have_the_same_charts_links_and_figures(outputs):
    builtin, quarto = outputs
    for page in sorted(_pages(builtin)):
        if page.startswith("data-docs/"):
            continue
        ours, theirs = (builtin / page).read_text(encoding="utf-8"), (quarto / page).read_text(encoding="utf-8")
        assert theirs.count('class="renshe-chart"') == ours.count('class="renshe-chart"'), page
        assert _local_targets(page, theirs) == _local_targets(page, ours), page
        for target in _local_targets(page, theirs):
            assert (quarto / target).exists(), (page, target)
    region = (quarto / "pages" / "region-330800.html").read_text(encoding="utf-8")
    assert "202万人" in region and "《衢州市人社事业发展“十四五”规划》第157行" in region


@needs_quarto
def test_quarto_downloads_are_the_built_in_downloads(outputs):
    builtin, quarto = outputs

    def digests(output: Path) -> dict[str, str]:
        return {p.relative_to(output).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for folder in ("downloads", "assets") for p in (output / folder).rglob("*")
                if p.is_file()}

    assert digests(quarto) == digests(builtin)
    assert "downloads/observations.xlsx" in digests(quarto)


@needs_quarto
def test_no_quarto_page_loads_anything_from_another_site(outputs):
    _builtin, quarto = outputs
    pages = offline.rendered_pages(quarto)
    assert len(pages) > 10
    for page in pages:
        markup = page.read_text(encoding="utf-8")
        assert offline.off_site_addresses(markup) == [], page
        assert "cdnjs" not in markup and "define('jquery'" not in markup, page
