"""The published site: generated inputs, downloads, the built-in renderer, escaping, offline assets.

A session-scoped build (extract, validate when available, a small notebook grid, the
built-in renderer) runs in a temporary copy of the project; the real data/clean is untouched.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from conftest import copy_project, edit_raw_line
from renshe.publish import batch, site
from renshe.errors import RensheError
from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths

NAVBAR = ["Home", "Regions", "Indicators", "Plans", "Data quality", "What changed", "Documents", "Explore", "Data",
          "Methods"]
GRID_REGIONS = ["衢州市", "绍兴市", "浙江省"]
GRID_INDICATORS = ["urban_new_jobs"]
# Appended to the bulletin's urban-new-jobs line (9) in the XSS build: must never execute.
INJECTED = '<script>document.documentElement.dataset.injected="yes"</script>'
_BUILDS: dict[str, ProjectPaths] = {}


def _validate_if_available(paths: ProjectPaths) -> bool:
    try:
        from renshe.checks.validate import run_validation
    except ImportError:
        return False
    run_validation(paths)
    return True


def build_site(root: Path, regions=GRID_REGIONS, indicators=GRID_INDICATORS) -> tuple[ProjectPaths, str, object]:
    """extract -> validate (if the checks module exists) -> small grid -> built-in site, in `root`."""
    paths = ProjectPaths.at(root)
    os.environ["RENSHE_ROOT"] = str(root)
    try:
        run_extract(paths)
        _validate_if_available(paths)
        runs = batch.plan_runs(paths, regions=regions, indicators=indicators)
        result = batch.run_notebooks(paths, runs, jobs=2, progress=False)
        report = site.render_site(paths, renderer="builtin")
    finally:
        os.environ.pop("RENSHE_ROOT", None)
    return paths, report, result


def built_project(tmp_path_factory, name: str = "site") -> tuple[ProjectPaths, str, object]:
    """One build per session and name, shared by this module and the browser tests."""
    if name not in _BUILDS:
        root = copy_project(tmp_path_factory.mktemp(name) / "project")
        shutil.rmtree(root / "site" / "pages", ignore_errors=True)
        if name == "xss":
            path = root / "data" / "raw" / "zhejiang_2023_bulletin.txt"
            line = path.read_text(encoding="utf-8").split("\n")[8]
            edit_raw_line(root, "zhejiang_2023_bulletin", 9, line, line + INJECTED)
        _BUILDS[name] = build_site(root)
    return _BUILDS[name]


def quarto_project(tmp_path_factory) -> ProjectPaths:
    """The session's built project copied and rendered again with `quarto render` (needs quarto)."""
    if "quarto" not in _BUILDS:
        paths = built_project(tmp_path_factory)[0]
        root = tmp_path_factory.mktemp("quarto") / "project"
        shutil.copytree(paths.root, root, ignore=shutil.ignore_patterns("_site", ".quarto"))
        copied = ProjectPaths.at(root)
        report = site.render_site(copied, renderer="quarto")
        _BUILDS["quarto"] = (copied, report, None)
    return _BUILDS["quarto"][0]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    return built_project(tmp_path_factory)


@pytest.fixture(scope="session")
def output(built) -> Path:
    return built[0].site / "_site"


def _html(output: Path, page: str) -> str:
    return (output / page).read_text(encoding="utf-8")


def test_grid_ran_every_run(built):
    _paths, _report, result = built
    assert result.exit_code == 0, result.format()
    names = [r.run.name for r in result.results]
    assert "region-330800" in names and "region-330600" in names and "indicator-urban_new_jobs" in names


def test_builtin_renderer_says_so_and_renders_the_page_set(built, output):
    _paths, report, _result = built
    assert "built-in renderer" in report
    for page in ("index.html", "regions.html", "indicators.html", "plans.html", "quality.html", "changes.html",
                 "explore.html", "data.html", "methods.html", "pages/region-330800.html", "pages/region-330600.html",
                 "pages/indicator-urban_new_jobs.html", "pages/plan-zhejiang_14fyp.html"):
        assert (output / page).is_file(), page


def test_every_page_has_the_navbar_in_order_with_working_relative_links(output):
    for page in ("index.html", "pages/region-330800.html", "data.html"):
        markup = _html(output, page)
        nav = re.search(r"<nav>(.*?)</nav>", markup, re.S).group(1)
        texts = re.findall(r">([^<]+)</a>", nav)
        assert texts == NAVBAR
        for href in re.findall(r'href="([^"]+)"', nav):
            assert (output / page).parent.joinpath(href).resolve().is_file(), (page, href)


def test_region_page_shows_quzhou_pension_base_and_target(output):
    markup = _html(output, "pages/region-330800.html")
    assert "衢州市 · 地区报告 Region report" in markup
    assert '<meta charset="utf-8">' in markup
    # 基本养老保险参保人数: 2020 actual 202万 (表1 line 82, 表2 line 157), 2025 target 204万 (line 157)
    assert "基本养老保险参保人数" in markup
    assert "202万人" in markup and "204万人" in markup
    assert "《衢州市人社事业发展“十四五”规划》第157行" in markup  # cited by title and line (links keep the id)
    # code is hidden: no notebook source on the page
    assert "report.load_report_data" not in markup and "validate_region" not in markup


def test_shaoxing_page_has_the_district_breakdown(output):
    markup = _html(output, "pages/region-330600.html")
    for district in ("越城区", "柯桥区", "上虞区", "新昌县", "诸暨市", "嵊州市"):
        assert district in markup
    assert "绍兴市 合计 total" in markup
    assert "9.5万人" in markup  # 城镇新增就业 2023 总计 95000 (shaoxing_2023_action_plan:161)


def test_regions_and_indicators_pages_list_the_executed_pages(output):
    regions = _html(output, "regions.html")
    assert 'href="pages/region-330800.html"' in regions and "衢州市" in regions
    indicators = _html(output, "indicators.html")
    assert 'href="pages/indicator-urban_new_jobs.html"' in indicators and "城镇新增就业" in indicators


def test_pages_load_nothing_from_the_network(output):
    for page in output.rglob("*.html"):
        if "data-docs" in page.parts:
            continue  # Great Expectations' own pages are published as built
        markup = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', markup), page
        assert "cdn.jsdelivr" not in markup and "unpkg.com" not in markup, page


def test_charts_reference_the_bundled_vega(output):
    markup = _html(output, "pages/region-330800.html")
    assert '"../assets/vega/vega-bundle.js"' in markup
    assert (output / "assets" / "vega" / "vega-bundle.js").stat().st_size > 500_000
    assert 'class="renshe-chart"' in markup


def test_downloads_in_every_format_with_a_datapackage(built, output):
    paths = built[0]
    downloads = output / "downloads"
    observations = pd.read_parquet(paths.clean / "observations.parquet")
    raw = (downloads / "observations.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert len(pd.read_csv(downloads / "observations.csv", encoding="utf-8-sig")) == len(observations)
    # the workbook, written row by row, reads back as the CSV does, cell for cell, with a bold header
    from_csv = pd.read_csv(downloads / "observations.csv", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(pd.read_excel(downloads / "observations.xlsx"), from_csv)
    pd.testing.assert_frame_equal(pd.read_excel(downloads / "checks.xlsx"),
                                  pd.read_csv(downloads / "checks.csv", encoding="utf-8-sig"))
    from openpyxl import load_workbook

    header = next(load_workbook(downloads / "observations.xlsx", read_only=True).active.iter_rows(max_row=1))
    assert [cell.value for cell in header] == [*observations.columns, "superseded_by"] and all(cell.font.b for cell in header)
    assert len(pd.read_parquet(downloads / "observations.parquet")) == len(observations)
    codebook = pd.read_csv(downloads / "codebook.csv", encoding="utf-8-sig")
    assert "urban_new_jobs" in set(codebook["id"])
    package = json.loads((downloads / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    fields = {f["name"]: f["type"] for f in resources["observations"]["schema"]["fields"]}
    # the observations' columns, and which edition replaced a figure of an earlier edition ('' for none)
    assert list(fields) == [*observations.columns, "superseded_by"]
    assert fields["value"] == "number" and fields["source_line"] == "integer" and fields["doc_id"] == "string"
    assert resources["observations"]["path"] == "observations.csv"
    assert (paths.clean / "checks.csv").is_file() == ("checks" in resources)
    data_page = _html(output, "data.html")
    assert 'href="downloads/observations.xlsx"' in data_page and 'href="downloads/datapackage.json"' in data_page


def _sha256(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_downloads_are_byte_identical_across_writes(built, tmp_path):
    """openpyxl stamps the time of writing into docProps/core.xml and every zip entry;
    the downloads carry the registry's newest publication date instead."""
    paths = built[0]
    site.write_downloads(paths, tmp_path / "first")
    time.sleep(2)  # zip entry times have a 2-second resolution: a later write would differ
    site.write_downloads(paths, tmp_path / "second")
    first, second = _sha256(tmp_path / "first"), _sha256(tmp_path / "second")
    assert {"observations.xlsx", "checks.xlsx", "codebook.xlsx", "observations.csv"} <= set(first)
    assert first == second
    # national_2023q1_briefing, published 2023-04-24, is the newest dated document
    assert site.workbook_stamp(paths) == datetime(2023, 4, 24)
    with zipfile.ZipFile(tmp_path / "first" / "observations.xlsx") as workbook:
        names = workbook.namelist()
        assert names[0] == "[Content_Types].xml" and names[1:] == sorted(names[1:])
        assert {info.date_time for info in workbook.infolist()} == {(2023, 4, 24, 0, 0, 0)}
        core = workbook.read("docProps/core.xml").decode("utf-8")
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core) == ["2023-04-24T00:00:00Z"] * 2


def test_home_key_figures_put_each_headline_indicator_on_one_row(built, output):
    from renshe.publish import report

    data = report.load_report_data(built[0].root)
    figures = site.key_figures(data)
    visible = [c for c in figures.columns if not c.startswith("_")]
    assert visible[:3] == ["指标 indicator", "全国", "浙江省"] and "越城区" not in visible
    pension = figures[figures["指标 indicator"] == "基本养老保险参保人数"].iloc[0]
    assert (pension["全国"], pension["浙江省"], pension["衢州市"]) == (
        "10.52亿人（2023-03）", "4606.46万人（2023）", "202万人（2020）")
    assert pension["_title:全国"].startswith("《人社部2023年一季度新闻发布会》第7行 ")
    names = {data.indicator_name(i) for i in report.headline_indicators(data)}
    assert {label.split("（按")[0] for label in figures["指标 indicator"]} <= names
    # card counts (张) have a row of their own, never in the card holders' (人) row
    holders = figures[figures["指标 indicator"] == "社会保障卡持卡人数"].iloc[0]
    cards = figures[figures["指标 indicator"] == "社会保障卡持卡人数（按张计 counted in 张）"].iloc[0]
    assert "张" not in " ".join(holders[["全国", "浙江省", "衢州市"]]) and cards["衢州市"] == "273万张（2020）"
    home = _html(output, "index.html")
    assert '<td class="renshe-nowrap" title="《人社部2023年一季度新闻发布会》第7行 ' in home and "10.52亿人（2023-03）" in home


def test_quality_page_shows_checks_or_says_there_are_none_yet(built, output):
    paths = built[0]
    markup = _html(output, "quality.html")
    if (paths.clean / "checks.csv").is_file():
        checks = pd.read_csv(paths.clean / "checks.csv", encoding="utf-8-sig")
        assert f"{len(checks)} 项核查 checks" in markup  # the counts in words
        assert "no checks yet" not in markup
    else:
        assert "no checks yet" in markup


def test_render_is_atomic_and_quarto_cannot_be_forced_without_quarto(built, monkeypatch):
    paths = built[0]
    monkeypatch.setattr(site.render, "quarto_path", lambda: None)
    with pytest.raises(RensheError, match="quarto is not on PATH"):
        site.render_site(paths, renderer="quarto")
    assert (paths.site / "_site" / "index.html").is_file()


def test_bad_quarto_project_names_the_file(tmp_path):
    root = copy_project(tmp_path / "project")
    (root / "site" / "_quarto.yml").write_text("project: [unclosed\n", encoding="utf-8")
    with pytest.raises(RensheError, match="_quarto.yml"):
        site.load_project(root / "site")


def test_packaged_vega_bundle_is_what_vl_convert_builds():
    """The committed bundle must match the installed vl-convert (regenerate with write_vega_bundle)."""
    assert site.package_asset("vega-bundle.js").read_text(encoding="utf-8") == site.vega_bundle_text()


def test_script_in_a_document_line_is_escaped(tmp_path_factory):
    paths, _report, result = built_project(tmp_path_factory, "xss")
    assert result.exit_code == 0, result.format()
    markup = (paths.site / "_site" / "pages" / "indicator-urban_new_jobs.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;document.documentElement.dataset.injected" in markup
    assert INJECTED not in markup
    for page in (paths.site / "_site").rglob("*.html"):
        assert INJECTED not in page.read_text(encoding="utf-8"), page


def test_home_page_leads_with_findings_in_sentences_linked_to_their_sources(output):
    home = _html(output, "index.html")
    findings = home.index('<ol class="renshe-findings">')
    assert findings < home.index("数据概况 The collection in numbers")
    assert "浙江省2023年基本养老保险参保人数 4606.46万人，已超过2025年目标 4500万人（超出 106.46万人）。" in home
    assert '《2023年度浙江省人社事业发展统计公报》<a href="explore.html#source=zhejiang_2023_bulletin:23">第23行</a>' in home
    assert 'href="pages/plan-zhejiang_14fyp.html"' in home and 'href="pages/region-330800.html"' in home


def test_region_page_opens_with_its_findings_and_folds_long_tables(output):
    markup = _html(output, "pages/region-330800.html")
    assert markup.index('<ol class="renshe-findings">') < markup.index("主要指标 Headline indicators by period")
    assert "衢州市占浙江省的比重（2020）：基本养老保险参保人数 4.64%" in markup
    assert 'href="../explore.html#source=quzhou_14fyp:82"' in markup
    assert markup.count('<details class="renshe-fold">') >= 3


def test_plans_page_lists_every_plan_with_its_status_counts(output):
    plans = _html(output, "plans.html")
    for doc_id in ("zhejiang_14fyp", "shaoxing_2023_action_plan", "quzhou_14fyp"):
        assert f'href="pages/plan-{doc_id}.html"' in plans
    page = _html(output, "pages/plan-zhejiang_14fyp.html")
    assert "浙江省人力资源和社会保障事业发展“十四五”规划 · 规划进展 Plan progress" in page
    assert page.count('class="renshe-chart"') == 1 and "已超过目标 106.46万人" in page


def test_explorer_ships_every_observation_as_a_script_and_loads_nothing_else(built, output):
    paths = built[0]
    script = (output / "assets" / "observations.js").read_text(encoding="utf-8")
    assert script.startswith("window.RENSHE_OBSERVATIONS = {") and "<" not in script
    payload = json.loads(script[script.index("{"):].rstrip().rstrip(";"))
    observations = pd.read_parquet(paths.clean / "observations.parquet")
    assert len(payload["rows"]) == len(observations) and len(payload["display"]) == len(observations)
    assert payload["fields"] == list(site.OBSERVATION_FIELDS)
    assert len(payload["texts"]) == observations["source_text"].nunique() < len(observations)
    fields = payload["fields"]
    pension = next(row for row in payload["rows"] if row[fields.index("doc_id")] == "zhejiang_2023_bulletin"
                   and row[fields.index("source_line")] == 23 and row[fields.index("measure")] == "actual"
                   and row[fields.index("indicator_id")] == "basic_pension_participants")
    assert pension[fields.index("value")] == 46064600.0
    assert "4606.46 万人" in payload["texts"][pension[fields.index("source_text")]]
    page = _html(output, "explore.html")
    assert '<script src="assets/observations.js"></script>' in page and '<script src="assets/explorer.js"></script>' in page


def test_builtin_renderer_gives_images_alt_text_as_nbconvert_does(tmp_path):
    import base64

    import nbformat

    pixel = base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                                           "0000000d4944415478da63f8cfc0f01f0005000200a2b7fc160000000049454e44ae426082"))
    table = nbformat.v4.new_output("execute_result", {"text/html": "<table><tr><td>116.32万人</td></tr></table>"},
                                   execution_count=1)
    image = nbformat.v4.new_output("display_data", {"image/png": pixel.decode()})
    for name, outputs in (("table.ipynb", [table]), ("image.ipynb", [table, image])):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=outputs)])
        nbformat.write(notebook, tmp_path / name)
    plain = site.render_notebook(tmp_path, Path("table.ipynb")).body
    assert "<td>116.32万人</td>" in plain and "<img" not in plain
    pictured = site.render_notebook(tmp_path, Path("image.ipynb")).body
    assert "<td>116.32万人</td>" in pictured
    assert re.search(r'<img[^>]*alt="No description has been provided for this image"', pictured)


def test_quality_page_shows_the_validation_runs_with_warnings_as_warnings(output):
    """The validation library's report needs scripts from the internet: its content is on the
    quality page (a warning-severity rule not met reads as a warning, not 'failed') and its pages
    are a download, not pages of the site (they showed '$ is not defined' and empty tables)."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(_html(output, "quality.html"))
    runs = next(t for t in tree.iter("table") if "严重程度 severity" in t.text_content())
    rows = [[cell.text_content().strip() for cell in row.iter("td")] for row in runs.iter("tr")][1:]
    by_rule = {row[0]: row for row in rows if row}
    assert by_rule["观测值的结构：列、类型、允许的取值 · The observations' structure: columns, types, allowed values"][-1] \
        == "通过 passed"
    warned = [row for row in rows if row[1] == "警告 warning" and row[3] != row[2]]
    assert warned and all(row[-1] == "警告 warning" for row in warned)
    assert not any(row[-1] == "未通过 failed" for row in rows)
    assert not (output / "data-docs").exists()
    with zipfile.ZipFile(output / "downloads" / "validation-report.zip") as archive:
        assert "data-docs/index.html" in archive.namelist() and "gx_validation_results.json" in archive.namelist()
    assert 'href="downloads/validation-report.zip"' in _html(output, "quality.html")
