"""Quarto's post-render step: the rendered pages load nothing from another site.

Quarto 1.7 adds require.js and jQuery from a public CDN to the head of every notebook page with a
`text/html` output (src/core/jupyter/widgets.ts, `includesForJupyterWidgetDependencies`), for
"JavaScript widgets" such as plotly; no option turns it off. Our pages need neither (the charts
load the bundled Vega themselves), and offline the tags fail with console errors, online every
page waits on a CDN that readers in mainland China often cannot reach quickly.

`_quarto.yml` declares `post-render: _post_render.py`, which calls `main()`: it removes exactly
those tags (and the AMD shim that only works with require.js) from the pages Quarto just wrote,
then checks every page: a script, stylesheet, image or frame still loaded from another site stops
the render with the page and the address, so nothing off-site is ever published silently.
"""
from __future__ import annotations

import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from renshe.errors import RensheError

# The three tags of includesForJupyterWidgetDependencies (Quarto 1.7.34), whatever their attributes.
WIDGET_DEPENDENCIES = (
    re.compile(r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/require\.js/[^"]*"[^>]*>\s*</script>\n?'),
    re.compile(r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/jquery/[^"]*"[^>]*>\s*</script>\n?'),
    re.compile(r"<script type=\"application/javascript\">define\('jquery', \[\],\s*function\(\) "
               r"\{return window\.jQuery;\}\)</script>\n?"),
)
# Elements whose address the browser fetches as the page loads (links in <a> are only followed).
FETCHED = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src",
           "video": "src", "audio": "src", "embed": "src", "object": "data"}
OFF_SITE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
SKIPPED_FOLDERS = ("site_libs", "data-docs")  # Quarto's own libraries; Great Expectations' pages as built


class _FetchedAddresses(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        attribute = FETCHED.get(tag)
        for name, value in attrs:
            if name == attribute and value and OFF_SITE.match(value.strip()):
                self.found.append((self.getpos()[0], value))


def off_site_addresses(markup: str) -> list[tuple[int, str]]:
    """(line, address) of every resource the page would fetch from another site."""
    parser = _FetchedAddresses()
    parser.feed(markup)
    parser.close()
    return parser.found


def strip_widget_dependencies(markup: str) -> str:
    for pattern in WIDGET_DEPENDENCIES:
        markup = pattern.sub("", markup)
    return markup


def make_offline(page: Path) -> bool:
    """Remove Quarto's widget dependencies from one page; True if it changed."""
    markup = page.read_text(encoding="utf-8")
    cleaned = strip_widget_dependencies(markup)
    if cleaned != markup:
        page.write_text(cleaned, encoding="utf-8")
    return cleaned != markup


def rendered_pages(output_dir: Path, listed: str | None = None, project: Path | None = None) -> list[Path]:
    """The HTML pages of this render: Quarto's list (paths relative to `project`) if given,
    else every page of the output folder, without Quarto's libraries and the Data Docs."""
    if listed:
        project = project or Path.cwd()
        pages = [(project / line.strip()).resolve() for line in listed.splitlines() if line.strip()]
        pages = [page for page in pages if page.suffix == ".html" and page.is_file()]
    else:
        pages = sorted(output_dir.rglob("*.html"))
    return [page for page in pages
            if not any(part in SKIPPED_FOLDERS for part in page.relative_to(output_dir).parts)]


def make_site_offline(output_dir: Path, listed: str | None = None, project: Path | None = None) -> list[Path]:
    """Clean the rendered pages and check them; returns the pages changed.

    Raises RensheError naming the page, line and address of anything still fetched off-site."""
    pages = rendered_pages(output_dir, listed, project)
    changed = [page for page in pages if make_offline(page)]
    problems = [f"{page.relative_to(output_dir)}:{line}: {address}"
                for page in pages for line, address in off_site_addresses(page.read_text(encoding="utf-8"))]
    if problems:
        raise RensheError("pages would load from another site (the site must work offline):\n  "
                          + "\n  ".join(problems), output_dir)
    return changed


def main() -> int:
    """Entry point of site/_post_render.py (Quarto runs it in the project folder after rendering)."""
    output_dir = Path(os.environ.get("QUARTO_PROJECT_OUTPUT_DIR", "_site")).resolve()
    listed = os.environ.get("QUARTO_PROJECT_OUTPUT_FILES")
    listed_file = os.environ.get("QUARTO_USE_FILE_FOR_PROJECT_OUTPUT_FILES")
    if listed_file and Path(listed_file).is_file():
        listed = Path(listed_file).read_text(encoding="utf-8")
    try:
        changed = make_site_offline(output_dir, listed)
    except RensheError as exc:
        print(f"renshe post-render: error: {exc}", file=sys.stderr)
        return 1
    print(f"renshe post-render: removed Quarto's CDN widget scripts from {len(changed)} pages")
    return 0
