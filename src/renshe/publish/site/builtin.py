"""The built-in renderer: the same pages and navbar as _quarto.yml, with nbconvert and one template,
for machines without Quarto."""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from renshe.errors import RensheError
from renshe.outputs import atomic_directory
from renshe.paths import ProjectPaths


INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+)\s*>\}\}")
RAW_HTML_FENCE = re.compile(r"```\{=html\}\n(.*?)\n```", re.S)
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n?", re.S)
CHARACTER_REFERENCE = re.compile(r"&#(?:(\d+)|[xX]([0-9a-fA-F]+));")
LOCAL_DOC_LINK = re.compile(r'(href="(?![a-z]+:|#|/)[^"]*?)\.(?:qmd|ipynb)(#[^"]*)?"')


@dataclass
class Page:
    source: Path  # relative to site/
    output: Path  # relative to _site/
    title: str
    body: str


def load_project(site: Path) -> dict:
    config_path = site / "_quarto.yml"
    if not config_path.is_file():
        raise RensheError("the Quarto project file is missing", config_path)
    try:
        return yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RensheError(f"not valid YAML: {exc}", config_path) from exc


def _expand_includes(text: str, folder: Path, site: Path) -> str:
    def include(match: re.Match) -> str:
        path = (folder / match.group(1)).resolve()
        if not path.is_file():
            raise RensheError(f"include {match.group(1)} not found", folder)
        return path.read_text(encoding="utf-8")

    return INCLUDE.sub(include, text)


def _markdown_to_html(text: str) -> str:
    import mistune

    # Raw HTML blocks are our own escaped markup; surround them with blank lines so
    # CommonMark takes them as HTML blocks, not paragraphs.
    text = RAW_HTML_FENCE.sub(lambda m: "\n\n" + m.group(1) + "\n\n", text)
    return mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])(text)


def render_qmd(site: Path, source: Path) -> Page:
    text = (site / source).read_text(encoding="utf-8")
    front = {}
    match = FRONT_MATTER.match(text)
    if match:
        front = yaml.safe_load(match.group(1)) or {}
        text = text[match.end():]
    text = _expand_includes(text, (site / source).parent, site)
    return Page(source, source.with_suffix(".html"), str(front.get("title", source.stem)),
                _markdown_to_html(text))


def _referenced_character(match: re.Match) -> str:
    """A reference to a character beyond ASCII as the character (UTF-8 needs no reference); an
    ASCII one (&#60; for <) stays escaped."""
    code = int(match.group(1), 10) if match.group(1) else int(match.group(2), 16)
    return chr(code) if 127 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)


def _notebook_exporter():
    from jinja2 import pass_context
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        """nbconvert's HTML exporter without its accessibility pass on pages that have no image:
        that pass parses the whole page with BeautifulSoup to give images without one an alt text
        (and JupyterLab template cells a tabindex, which the basic template has none of): four
        fifths of converting a page of tables. A page with an image takes nbconvert's own path."""

        @pass_context
        def markdown2html(self, context, source):
            """Markdown cells as HTML, each heading with an id and no anchor link (nbconvert's link
            is written by ElementTree as a self-closing <a/>, which HTML does not close: the rest of
            the page became one link). Quarto's pages have no anchor links either."""
            cell = context.get("cell", {})
            renderer = _HeadingRenderer(escape=False, attachments=cell.get("attachments", {}),
                                        embed_images=self.embed_images, exclude_anchor_links=True,
                                        path=context.get("resources", {}).get("metadata", {}).get("path", ""),
                                        **self.lexer_options)
            return MarkdownWithMath(renderer=renderer).render(source)

        def from_notebook_node(self, nb, resources=None, **kw):
            # what HTMLExporter.from_notebook_node sets up before converting
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_types)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            if "<img" in html:
                return super().from_notebook_node(nb, resources, **kw)
            # the markdown cells' headings come as character references (&#20027;): text as
            # BeautifulSoup writes it back, so the page's Chinese reads as Chinese in its source
            return CHARACTER_REFERENCE.sub(_referenced_character, html), resources

    class _HeadingRenderer(IPythonRenderer):
        def heading(self, text, level, **attrs):
            return _heading_with_id(super().heading(text, level, **attrs))

    return PageExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)


def _heading_with_id(html: str) -> str:
    """A heading element given nbconvert's id (its text, URL-encoded), written as HTML."""
    from xml.etree import ElementTree

    from nbconvert.filters.strings import _convert_header_id, html2text

    try:
        heading = ElementTree.fromstring(html)
    except ElementTree.ParseError:
        return html
    heading.set("id", _convert_header_id(html2text(heading)))
    return ElementTree.tostring(heading, method="html", encoding="unicode")


def render_notebook(site: Path, source: Path, exporter=None) -> Page:
    """An executed notebook as HTML: code hidden, warnings (stderr) and front matter dropped."""
    import nbformat

    notebook = nbformat.read(site / source, as_version=4)
    title = notebook.metadata.get("renshe", {}).get("title", source.stem)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "raw":
            match = FRONT_MATTER.match(cell.source + "\n")
            if match:
                title = (yaml.safe_load(match.group(1)) or {}).get("title", title)
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
        cells.append(cell)
    notebook.cells = cells
    body, _resources = (exporter or _notebook_exporter()).from_notebook_node(notebook)
    return Page(source, source.with_suffix(".html"), str(title), body)


def _navbar(config: dict) -> list[dict]:
    items = (((config.get("website") or {}).get("navbar") or {}).get("left")) or []
    return [{"text": str(item.get("text", item.get("href", ""))),
             "href": re.sub(r"\.(qmd|ipynb)$", ".html", str(item.get("href", "")))} for item in items]


def _page_sources(site: Path, config: dict) -> list[Path]:
    """The files the Quarto project renders (its `render:` globs), without partials or failed runs."""
    patterns = ((config.get("project") or {}).get("render")) or ["*.qmd", "pages/*.ipynb"]
    found: list[Path] = []
    for pattern in patterns:
        for path in sorted(site.glob(pattern)):
            relative = path.relative_to(site)
            if any(part.startswith((".", "_")) for part in relative.parts) or relative in found:
                continue
            found.append(relative)
    return found


def _resource_files(site: Path, config: dict) -> list[Path]:
    """The files the Quarto project copies as they are (its `resources:` globs; a leading / anchors
    a glob at the project folder, as in Quarto)."""
    patterns = ((config.get("project") or {}).get("resources")) or []
    found: set[Path] = set()
    for pattern in patterns:
        pattern = str(pattern).lstrip("/")
        if pattern.endswith("/**"):
            pattern += "/*"  # Quarto's folder/** is every file below the folder
        found.update(path.relative_to(site) for path in site.glob(pattern)
                     if path.is_file() and not path.relative_to(site).parts[0].startswith(("_", ".")))
    return sorted(found)


def _template():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    folder = Path(str(resources.files("renshe.publish") / "templates"))
    environment = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html", "j2"]))
    return environment.get_template("page.html.j2")


SOURCE_META = re.compile(r'<meta name="renshe-source" content="([0-9a-f]{64})">')
GENERATOR_META = '<meta name="generator"'


def _source_digest(site: Path, source: Path, settings: bytes) -> str:
    """What a notebook page's HTML is made from: the executed notebook and `settings` (the
    site's title, navbar and language, and the library: renderer and template)."""
    from renshe.buildstate import sha256_of

    return sha256_of([settings, str(source).encode(), (site / source).read_bytes()])


def _reuse(previous: Path, target: Path) -> None:
    """The previous site's page as this one's (a hard link: pages are replaced, never written into)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(previous, target)
    except OSError:
        shutil.copyfile(previous, target)


def _rendered_before(previous: Path, digest: str) -> bool:
    """Whether the published page `previous` was rendered from the same inputs (its digest meta)."""
    try:
        with open(previous, encoding="utf-8") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    found = SOURCE_META.search(head)
    return found is not None and found.group(1) == digest


def render_builtin(paths: ProjectPaths) -> list[Path]:
    """Render site/ into site/_site without Quarto; returns the pages written (relative).

    A notebook page whose executed notebook, site settings and library are those it was last
    rendered from (its digest, in a meta tag of the page) is taken from the previous site as it
    is: a build that re-ran a few pages of a large site renders those few."""
    site = paths.site
    config = load_project(site)
    site_title = str((config.get("website") or {}).get("title", "renshe"))
    navbar = _navbar(config)
    lang = str((((config.get("format") or {}).get("html") or {}).get("lang")) or "zh")
    template = _template()
    exporter = _notebook_exporter()
    from renshe.buildstate import library_fingerprint

    settings = yaml.safe_dump([library_fingerprint(), site_title, navbar, lang], allow_unicode=True).encode()
    previous = site / "_site"
    written: list[Path] = []
    with atomic_directory(site / "_site") as staging:
        staging.chmod(0o755)  # a web server running as another user must be able to read it
        for source in _page_sources(site, config):
            digest = _source_digest(site, source, settings) if source.suffix == ".ipynb" else None
            output = source.with_suffix(".html")
            if digest and _rendered_before(previous / output, digest):
                _reuse(previous / output, staging / output)
                written.append(output)
                continue
            page = render_notebook(site, source, exporter) if source.suffix == ".ipynb" else render_qmd(site, source)
            root = "../" * (len(page.output.parts) - 1)
            items = [dict(item, active=(item["href"] == page.output.as_posix())) for item in navbar]
            body = LOCAL_DOC_LINK.sub(lambda m: f'{m.group(1)}.html{m.group(2) or ""}"', page.body)
            markup = template.render(lang=lang, title=page.title, site_title=site_title, navbar=items, root=root,
                                     body=body, renderer="built-in (nbconvert)")
            if digest:
                markup = markup.replace(GENERATOR_META, f'<meta name="renshe-source" content="{digest}">\n'
                                                        + GENERATOR_META, 1)
            target = staging / page.output
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(markup, encoding="utf-8")
            written.append(page.output)
        for resource in _resource_files(site, config):
            (staging / resource).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(site / resource, staging / resource)
    return written
