"""The published website: downloads, generated page parts, and rendering (Quarto or built-in).

`render_site(paths)` prepares the generated inputs of the Quarto project in site/
(pages/_*.md partials, downloads/, data-docs/, assets/), then renders with `quarto render`
when quarto is on PATH, else with the built-in renderer: nbconvert HTML (code hidden) for
the executed notebooks in site/pages/, mistune for the .qmd pages, one shared Jinja template
with the navbar read from site/_quarto.yml. Both write site/_site.

Document text is untrusted: partials are built from escaped HTML only.
"""
from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from renshe.publish.batch import executed_pages
from renshe.errors import RensheError
from renshe.outputs import atomic_directory, atomic_write_bytes, csv_bytes
from renshe.paths import ProjectPaths

PACKAGE_ASSETS = ("vega-bundle.js", "renshe.css")
INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+)\s*>\}\}")
RAW_HTML_FENCE = re.compile(r"```\{=html\}\n(.*?)\n```", re.S)
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n?", re.S)
LOCAL_DOC_LINK = re.compile(r'(href="(?![a-z]+:|#|/)[^"]*?)\.(?:qmd|ipynb)(#[^"]*)?"')
# Excel downloads carry this stamp when no document in the registry has a publication date.
WORKBOOK_EPOCH = datetime(2000, 1, 1)
CORE_DATES = re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")

OBSERVATION_FIELDS = {
    "doc_id": "source document id (data/sources.yaml)",
    "table_id": "table within the document, or 'text' for a figure stated in running text",
    "region": "region the figure describes", "region_code": "GB/T 2260 code (100000 for the nation)",
    "level": "national, province, city or district", "indicator_id": "codebook id ('' if not in the codebook)",
    "indicator_zh": "the indicator as the document names it", "period": "YYYY, YYYY-MM, YYYY-Qn or YYYY-YYYY",
    "measure": "actual, target, change or change_pct", "qualifier": "'', >=, <=, >, < or ~ (about)",
    "value": "value in the canonical unit (万 and 亿 folded in)", "unit": "canonical unit",
    "value_raw": "the number as printed", "unit_raw": "the unit as printed",
    "source_line": "1-based line of data/raw/<doc_id>.txt", "source_text": "that line, verbatim",
    "basis": "'' (point in time), cumulative or per_year",
}


# --------------------------------------------------------------------------- assets


def package_asset(name: str) -> Path:
    return Path(str(resources.files("renshe.publish") / "assets" / name))


def vega_bundle_text() -> str:
    """Vega, Vega-Lite and vega-embed in one classic script (wrapped so its names stay private)."""
    import vl_convert

    bundle = vl_convert.javascript_bundle(vl_version="6.4")
    header = (f"/* Vega {vl_convert.get_vega_version()}, Vega-Lite 6.4, vega-embed "
              f"{vl_convert.get_vega_embed_version()}: bundled by vl-convert-python {vl_convert.__version__} "
              f"(renshe.publish.site.write_vega_bundle). */\n")
    return header + "(function () {\n" + bundle + "\n})();\n"


def write_vega_bundle(target: Path | None = None) -> Path:
    """Regenerate the packaged Vega bundle (after upgrading vl-convert-python or Altair)."""
    target = target or package_asset("vega-bundle.js")
    atomic_write_bytes(target, vega_bundle_text().encode("utf-8"))
    return target


def copy_assets(target: Path) -> None:
    (target / "vega").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(package_asset("vega-bundle.js"), target / "vega" / "vega-bundle.js")
    shutil.copyfile(package_asset("renshe.css"), target / "renshe.css")


# --------------------------------------------------------------------------- downloads


def codebook_frame(entries: list[dict]) -> pd.DataFrame:
    """The codebook flattened to one row per indicator (lists joined with '; ')."""
    rows = []
    for entry in entries:
        row = {}
        for key, value in entry.items():
            if isinstance(value, (list, tuple)):
                value = "; ".join(json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v)
                                  for v in value)
            elif isinstance(value, dict):
                value = json.dumps(value, ensure_ascii=False)
            row[key] = "" if value is None else value
        rows.append(row)
    return pd.DataFrame(rows).astype("string") if rows else pd.DataFrame({"id": pd.Series(dtype="string")})


def _field_type(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "string"


def _excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip the control characters (page breaks) openpyxl refuses in a cell."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    frame = frame.copy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("string").str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True)
    return frame


def workbook_stamp(paths: ProjectPaths) -> datetime:
    """The date the Excel downloads carry: the newest publication date in the registry.

    A function of the inputs, not of the clock, so two builds of the same data give the same bytes."""
    from renshe.ingest.documents import load_registry

    dates = [entry.published for entry in load_registry(paths).documents if entry.published]
    stamps = []
    for text in dates:
        try:
            stamps.append(datetime.fromisoformat(str(text)[:10]))
        except ValueError:
            continue  # a free-text date ("2023年4月") does not pin the stamp
    return max(stamps, default=WORKBOOK_EPOCH)


def normalise_xlsx(data: bytes, stamp: datetime) -> bytes:
    """An .xlsx with every clock reading replaced by `stamp`.

    openpyxl writes the time of saving into docProps/core.xml (created, modified) and into
    every zip entry; here the properties are rewritten and the zip rebuilt with fixed entry
    times and attributes, in sorted order ([Content_Types].xml first, as Office writes it)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    if "docProps/core.xml" in entries:
        iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        core = entries["docProps/core.xml"].decode("utf-8")
        entries["docProps/core.xml"] = CORE_DATES.sub(lambda m: f"{m.group(1)}{iso}{m.group(3)}", core).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in sorted(entries, key=lambda entry: (entry != "[Content_Types].xml", entry)):
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # the same on every platform
            info.external_attr = 0o644 << 16
            target.writestr(info, entries[name])
    return buffer.getvalue()


def excel_bytes(frame: pd.DataFrame, sheet_name: str, stamp: datetime) -> bytes:
    """One sheet as .xlsx bytes, identical for identical data (see `normalise_xlsx`)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _excel_safe(frame).to_excel(writer, index=False, sheet_name=sheet_name)
        writer.book.properties.creator = "renshe"
        writer.book.properties.created = stamp
    return normalise_xlsx(buffer.getvalue(), stamp)


def _resource(name: str, frame: pd.DataFrame, title: str, descriptions: dict[str, str]) -> dict:
    return {
        "name": name, "title": title, "path": f"{name}.csv", "profile": "tabular-data-resource",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "dialect": {"delimiter": ",", "header": True},
        "schema": {
            "fields": [{"name": str(c), "type": _field_type(frame[c].dtype),
                        **({"description": descriptions[c]} if c in descriptions else {})}
                       for c in frame.columns],
            "missingValues": [""],
        },
        "alternates": {"excel": f"{name}.xlsx", "parquet": f"{name}.parquet"},
    }


def download_tables(paths: ProjectPaths) -> dict[str, tuple[pd.DataFrame, str]]:
    from renshe import load_observations
    from renshe.publish.report import load_checks, load_codebook_entries

    tables = {"observations": (load_observations(paths.root), "Observations: one row per figure")}
    checks = load_checks(paths)
    if checks is not None:
        tables["checks"] = (checks, "Checks: one row per check instance")
    tables["codebook"] = (codebook_frame(load_codebook_entries(paths.codebook)), "Indicator codebook")
    return tables


def write_downloads(paths: ProjectPaths, target: Path) -> dict[str, pd.DataFrame]:
    """observations / checks / codebook as CSV (UTF-8 BOM), Excel, Parquet, plus datapackage.json."""
    tables = download_tables(paths)
    stamp = workbook_stamp(paths)
    package = {"profile": "tabular-data-package", "name": "renshe",
               "title": "renshe: Chinese labour and social-security documents as tidy observations",
               "resources": []}
    with atomic_directory(target) as staging:
        staging.chmod(0o755)
        for name, (frame, title) in tables.items():
            (staging / f"{name}.csv").write_bytes(csv_bytes(frame))
            (staging / f"{name}.xlsx").write_bytes(excel_bytes(frame, name, stamp))
            frame.to_parquet(staging / f"{name}.parquet", index=False)
            package["resources"].append(_resource(name, frame, title, OBSERVATION_FIELDS
                                                  if name == "observations" else {}))
        (staging / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
    return {name: frame for name, (frame, _title) in tables.items()}


# --------------------------------------------------------------------------- generated partials


def _raw_html(markup: str) -> str:
    """A block Quarto passes through untouched and the built-in renderer inlines."""
    return "```{=html}\n" + markup.replace("\n\n", "\n") + "\n```\n"


def _page_entries(paths: ProjectPaths) -> list[dict]:
    import nbformat

    entries = []
    for page in executed_pages(paths.site / "pages"):
        meta = nbformat.read(page, as_version=4).metadata.get("renshe", {})
        entries.append({"file": page.name, **meta})
    return entries


def _link_list(entries: list[dict], empty: str) -> str:
    if not entries:
        return f"*{empty}*\n"
    items = "".join(f'<li><a href="pages/{html.escape(e["file"])}">{html.escape(e.get("title", e["file"]))}'
                    f"</a></li>" for e in entries)
    return _raw_html(f'<ul class="renshe-pages">{items}</ul>')


def _status_counts(checks: pd.DataFrame | None) -> str:
    if checks is None:
        return "no checks yet (`renshe validate` has not been run)"
    if "status" not in checks.columns:
        return f"{len(checks)} checks"
    counts = checks["status"].value_counts()
    return f"{len(checks)} checks: " + ", ".join(f"{count} {status}" for status, count in counts.items())


def findings_partial(paths: ProjectPaths) -> str:
    from renshe.publish import report

    data = report.load_report_data(paths.root)
    obs = data.observations
    from_text = int((obs["table_id"] == "text").sum())
    lines = [
        f"- **{len(obs)}** observations from **{obs['doc_id'].nunique()}** documents "
        f"({len(obs) - from_text} from tables, {from_text} from running text), "
        f"**{int((obs['indicator_id'] != '').sum())}** mapped to **{obs.loc[obs['indicator_id'] != '', 'indicator_id'].nunique()}** codebook indicators.",
        f"- Regions covered: {html.escape('、'.join(sorted(set(obs['region']), key=report.valid_regions(data).index)))}.",
        f"- Data quality: {html.escape(_status_counts(data.checks))}.",
    ]
    headline = key_figures(data)
    body = "\n".join(lines) + "\n\n"
    if not headline.empty:
        body += ("最新实际值（时期）：每个主要指标、每个地区。 Latest actual of each headline indicator by region "
                 "(period in brackets); hover a figure for its source line.\n\n") + _raw_html(
            report.table(headline).markup)
    return body


def key_figures(data) -> pd.DataFrame:
    """Each headline indicator's latest actual, one column per region above district level
    ('10.52亿人（2023-03）'); hovering a figure gives its source line."""
    from renshe.publish import report

    obs = data.observations
    headline = report.headline_indicators(data)
    actuals = obs[(obs["measure"] == "actual") & obs["indicator_id"].isin(headline) & (obs["basis"] == "")
                  & (obs["level"] != "district")]
    if actuals.empty:
        return pd.DataFrame()
    ranked = actuals.assign(_rank=actuals["level"].map(report.LEVEL_ORDER).fillna(9)).sort_values("_rank", kind="stable")
    regions = list(dict.fromkeys(ranked["region"]))
    rows = []
    for indicator_id in headline:
        row = {"指标 indicator": data.indicator_name(indicator_id)}
        for region in regions:
            latest = report.latest_row(report.with_display_columns(
                actuals[(actuals["indicator_id"] == indicator_id) & (actuals["region"] == region)]))
            row[region] = "" if latest is None else f"{latest['display']}（{latest['period']}）"
            row[report.TITLE_PREFIX + region] = "" if latest is None else f"{latest['source']} {latest['source_text']}"
        if any(row[region] for region in regions):
            rows.append(row)
    return pd.DataFrame(rows)


def _checks_overview(checks: pd.DataFrame) -> pd.DataFrame:
    """Counts by rule type and status."""
    if not {"rule_type", "status"} <= set(checks.columns):
        return pd.DataFrame()
    counts = pd.crosstab(checks["rule_type"], checks["status"])
    counts.columns.name = None
    return counts.reset_index().rename(columns={"rule_type": "规则类型 rule type"})


def _cross_checks_first(checks: pd.DataFrame) -> pd.DataFrame:
    """The cross-checks a reader comes for, then the schema checks (one per column and expectation)."""
    if "rule_type" not in checks.columns:
        return checks
    schema = checks["rule_type"].astype(str) == "schema"
    return pd.concat([checks[~schema], checks[schema]])


def quality_partial(paths: ProjectPaths) -> str:
    from renshe.publish import report

    checks = report.load_checks(paths)
    parts = [f"**{html.escape(_status_counts(checks))}**\n"]
    if (paths.site / "pages" / "02_validate.ipynb").is_file():
        parts.append("Summary by rule type and level pair, with source lines quoted: "
                     "[the validation notebook](pages/02_validate.ipynb).\n")
    index = next(iter(sorted((paths.site / "data-docs").rglob("index.html"))), None) \
        if (paths.site / "data-docs").is_dir() else None
    if index is not None:
        parts.append(f"Great Expectations Data Docs: [open the Data Docs]({index.relative_to(paths.site).as_posix()}).\n")
    else:
        parts.append("*Great Expectations Data Docs: not built yet.*\n")
    if checks is not None and not checks.empty:
        parts.append("### 按规则类型 By rule type\n")
        parts.append(_raw_html(report.table(_checks_overview(checks)).markup))
        if "status" in checks.columns:
            flagged = checks[checks["status"].isin(["fail", "warn"])]
            parts.append("### 未通过与警告 Failures and warnings\n")
            parts.append(_raw_html(report.table(report.checks_display(flagged),
                                                empty_message="None: every check passed.").markup))
        parts.append("### 全部核查 Every check\n")
        parts.append("Cross-checks first, then the schema suite; hover a source to read the quoted lines.\n")
        parts.append(_raw_html(report.table(report.checks_display(_cross_checks_first(checks))).markup))
        parts.append("The full table, with both values, units, tolerances and quoted source lines: "
                     "[checks.csv](downloads/checks.csv).\n")
    return "\n".join(parts)


def data_partial(paths: ProjectPaths, tables: dict[str, pd.DataFrame]) -> str:
    rows = []
    for name, frame in tables.items():
        links = " · ".join(f'<a href="downloads/{name}.{ext}">{label}</a>'
                           for ext, label in (("csv", "CSV"), ("xlsx", "Excel"), ("parquet", "Parquet")))
        rows.append(f"<tr><td>{html.escape(name)}</td><td>{len(frame)}</td><td>{len(frame.columns)}</td>"
                    f"<td>{links}</td></tr>")
    if "checks" not in tables:
        rows.append('<tr><td>checks</td><td colspan="3">no checks yet (`renshe validate` has not been run)'
                    "</td></tr>")
    table = ('<table class="renshe-table"><thead><tr><th>表 table</th><th>行 rows</th><th>列 columns</th>'
             f'<th>下载 download</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    text = _raw_html(table)
    text += '\nThe columns of every table: [datapackage.json](downloads/datapackage.json) (Frictionless Data Package).\n'
    if (paths.site / "pages" / "01_clean.ipynb").is_file():
        text += "\nEach table as cleaned, with its counts: [the cleaning notebook](pages/01_clean.ipynb).\n"
    return text


def prepare_site(paths: ProjectPaths) -> None:
    """Write every generated input of the Quarto project (partials, downloads, data docs, assets)."""
    site = paths.site
    pages = site / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    copy_assets(site / "assets")
    tables = write_downloads(paths, site / "downloads")
    docs_source = paths.clean / "data-docs"
    shutil.rmtree(site / "data-docs", ignore_errors=True)
    if docs_source.is_dir():
        shutil.copytree(docs_source, site / "data-docs")
    entries = _page_entries(paths)
    partials = {
        "_regions.md": _link_list([e for e in entries if e.get("kind") == "region"],
                                  "No region pages yet: run `renshe build`."),
        "_indicators.md": _link_list([e for e in entries if e.get("kind") == "indicator"],
                                     "No indicator pages yet: run `renshe build`."),
        "_findings.md": findings_partial(paths),
        "_quality.md": quality_partial(paths),
        "_data.md": data_partial(paths, tables),
    }
    for name, text in partials.items():
        (pages / name).write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- built-in renderer


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


def _notebook_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, anchor_link_text="")


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


def _template():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    folder = Path(str(resources.files("renshe.publish") / "templates"))
    environment = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html", "j2"]))
    return environment.get_template("page.html.j2")


def render_builtin(paths: ProjectPaths) -> list[Path]:
    """Render site/ into site/_site without Quarto; returns the pages written (relative)."""
    site = paths.site
    config = load_project(site)
    site_title = str((config.get("website") or {}).get("title", "renshe"))
    navbar = _navbar(config)
    template = _template()
    exporter = _notebook_exporter()
    written: list[Path] = []
    with atomic_directory(site / "_site") as staging:
        staging.chmod(0o755)  # a web server running as another user must be able to read it
        for source in _page_sources(site, config):
            page = render_notebook(site, source, exporter) if source.suffix == ".ipynb" else render_qmd(site, source)
            root = "../" * (len(page.output.parts) - 1)
            items = [dict(item, active=(item["href"] == page.output.as_posix())) for item in navbar]
            body = LOCAL_DOC_LINK.sub(lambda m: f'{m.group(1)}.html{m.group(2) or ""}"', page.body)
            markup = template.render(title=page.title, site_title=site_title, navbar=items, root=root,
                                     body=body, renderer="built-in (nbconvert)")
            target = staging / page.output
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(markup, encoding="utf-8")
            written.append(page.output)
        for folder in ("assets", "downloads", "data-docs"):
            if (site / folder).is_dir():
                shutil.copytree(site / folder, staging / folder)
    return written


# --------------------------------------------------------------------------- quarto and the entry point


def quarto_path() -> str | None:
    return shutil.which("quarto")


def render_quarto(paths: ProjectPaths) -> None:
    result = subprocess.run([quarto_path() or "quarto", "render", str(paths.site)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RensheError(f"quarto render failed:\n{result.stderr[-4000:]}", paths.site / "_quarto.yml")


def render_site(paths: ProjectPaths, renderer: str = "auto") -> str:
    """Prepare the generated inputs and render site/ into site/_site; returns a report for the CLI."""
    if renderer not in ("auto", "quarto", "builtin"):
        raise RensheError(f"unknown renderer {renderer!r}; use auto, quarto or builtin")
    if renderer == "quarto" and quarto_path() is None:
        raise RensheError("renderer 'quarto' requested but quarto is not on PATH")
    prepare_site(paths)
    output = paths.site / "_site"
    if renderer == "quarto" or (renderer == "auto" and quarto_path()):
        render_quarto(paths)
        pages = sorted(output.rglob("*.html"))
        return f"rendered the site with quarto ({quarto_path()}) into {output}: {len(pages)} HTML files"
    written = render_builtin(paths)
    reason = "quarto is not on PATH" if renderer == "auto" else "requested"
    return (f"rendered {len(written)} pages with the built-in renderer (nbconvert + Jinja; {reason}) "
            f"into {output}")
