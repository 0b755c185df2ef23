"""What a reader sees, in headless Chromium over both renders (the Quarto variant skips without
quarto), on every page: nothing wider than the screen at 360, 390 and 1280 px and no chart
scrolling in its box, no internals in its text (indicator, check and document ids, library names,
paths), no chart panel mixing units or bases; plan pages that judge only their own targets, a home
page whose first screen holds the headline figures and a chart, and a source view that shows a
table cell with its row and column."""
from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from test_browser import (ARTIFACTS, MARKS, PageWatch, browser, renderer, site_output, site_pages,  # noqa: F401
                          site_url)

pytestmark = pytest.mark.browser
FIELD_NAMES = ["doc_id", "indicator_id", "source_line", "source_text", "value_raw", "unit_raw", "region_code",
               "computed_kind", "rule_id", "check_id"]
INTERNALS = ["Expect", "/work/", ".venv", "site-packages", "rules.yaml", "data/clean", "{\""]
LIBRARIES = re.compile(r"(?<![A-Za-z])(Great Expectations|pandas|papermill|Altair|Vega)(?![A-Za-z])", re.IGNORECASE)
CHECK_ID = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*#\d+")
WIDTHS = [360, 390, 1280]

# Everything a reader can reach on a page: folds opened, then what overflows the screen or hides
# behind a scroll bar. An element may be wider than the screen only inside a box that scrolls
# (a wide table), and no box that scrolls holds a chart; no chart text is drawn outside its chart
# (cut at its edge, as a legend or a title too long for a phone would be).
OVERFLOW = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const width = document.documentElement.clientWidth, wide = [], scrollers = [], clipped = [];
  const scrolls = el => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX);
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '');
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      let inside = false;
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        if (scrolls(up)) { inside = true; break; }
      }
      if (!inside) wide.push(name(el) + ' to ' + Math.round(box.right) + ' px');
    }
    if (scrolls(el) && el.scrollWidth > el.clientWidth + 1 && el.querySelector('svg, .vega-embed, .renshe-chart')) {
      scrollers.push(name(el) + ' ' + el.scrollWidth + ' > ' + el.clientWidth + ' px');
    }
  }
  for (const svg of document.querySelectorAll('.renshe-chart svg')) {
    const frame = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll('text')) {
      const box = text.getBoundingClientRect();
      if (box.width && (box.right > frame.right + 1 || box.left < frame.left - 1 || box.bottom > frame.bottom + 1
          || box.top < frame.top - 1)) clipped.push(text.textContent);
    }
  }
  return {page: document.documentElement.scrollWidth, wide: wide.slice(0, 5), scrollers, clipped: clipped.slice(0, 5)};
}"""


def _wait_for_charts(page):
    if page.locator(".renshe-chart").count():
        page.wait_for_selector(MARKS, state="attached", timeout=20_000)
        page.wait_for_function("[...document.querySelectorAll('.renshe-chart')].every(el => el.rensheView)",
                               timeout=20_000)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_is_wider_than_the_screen_and_no_chart_scrolls_in_its_box(browser, site_output, site_url, width):
    watch = PageWatch(browser, site_url)
    watch.page.set_viewport_size({"width": width, "height": 900})
    found = {}
    try:
        for path in site_pages(site_output):
            page = watch.open(path, wait_for_chart=False)
            _wait_for_charts(page)
            measured = page.evaluate(OVERFLOW)
            if measured["page"] > width or measured["wide"] or measured["scrollers"] or measured["clipped"]:
                found[path] = measured
        assert watch.errors == []
    finally:
        watch.close()
    assert found == {}, f"at {width} px"


def _internal_terms(project) -> tuple[list[str], list[str], list[str]]:
    codebook = yaml.safe_load((project / "data" / "codebook.yaml").read_text(encoding="utf-8"))
    entries = codebook["indicators"] if isinstance(codebook, dict) else codebook
    ids = [entry["id"] for entry in entries if "_" in entry["id"]]  # births, deaths: English words too
    checks = pd.read_csv(project / "data" / "clean" / "checks.csv", dtype=str, keep_default_na=False)
    registry = yaml.safe_load((project / "data" / "sources.yaml").read_text(encoding="utf-8"))
    documents = [entry["doc_id"] for entry in registry["documents"]]
    return ids, [c for c in checks["check_id"] if c], documents


# the page's text with every fold open, and the words it shows on hovering (title attributes)
READER_TEXT = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const titles = [...document.querySelectorAll('[title]')].map(el => el.getAttribute('title'));
  return [document.body.innerText, titles.join('\\n')];
}"""


def internals_in(text: str, hover: str, ids: list[str], check_ids: list[str], documents: list[str]) -> set[str]:
    """The ids, library names and paths a reader would see in a page's text (and, for citations by
    document id, in what it shows on hovering)."""
    ascii_word = r"(?<![A-Za-z0-9_-])({})(?![A-Za-z0-9_-])"
    id_pattern = re.compile(ascii_word.format("|".join(map(re.escape, ids + FIELD_NAMES))))
    cited = re.compile(ascii_word.format("|".join(map(re.escape, documents))) + r":\d+")
    hits = set(id_pattern.findall(text)) | {c for c in check_ids if c in text} | set(CHECK_ID.findall(text))
    hits |= {term for term in INTERNALS if term in text} | {m.group(0) for m in LIBRARIES.finditer(text)}
    hits |= {m.group(0) for m in cited.finditer(text + "\n" + hover)}
    return hits


def test_the_scan_finds_what_it_looks_for():
    found = internals_in("见 quzhou_14fyp:157 与 urban_new_jobs, rule#2; 用 Great Expectations 和 pandas 算出，存于 "
                         "/work/x 与 data/clean/observations.csv", "[zhejiang_14fyp:63] 行",
                         ["urban_new_jobs"], ["rule#2"], ["quzhou_14fyp", "zhejiang_14fyp"])
    assert found >= {"quzhou_14fyp:157", "urban_new_jobs", "rule#2", "Great Expectations", "pandas", "/work/",
                     "data/clean", "zhejiang_14fyp:63"}
    # a downloads list naming its files, a region's name, a document's title: nothing internal
    assert internals_in("下载 observations.csv、quzhou_14fyp.txt；《衢州市人社事业发展“十四五”规划》第157行", "",
                        ["urban_new_jobs"], ["rule#2"], ["quzhou_14fyp"]) == set()


def test_no_page_shows_ids_library_names_or_paths(browser, site_output, site_url):
    project = site_output.parents[1]
    ids, check_ids, documents = _internal_terms(project)
    found = {}
    watch = PageWatch(browser, site_url)
    try:
        for path in [*site_pages(site_output), "explore.html#source=quzhou_14fyp:157"]:
            page = watch.open(path, wait_for_chart=False)
            if path.startswith("explore.html#"):
                page.wait_for_selector(".renshe-source-view table.renshe-cells tbody tr")
            text, hover = page.evaluate(READER_TEXT)
            if hits := internals_in(text, hover, ids, check_ids, documents):
                found[path] = sorted(hits)
    finally:
        watch.close()
    assert found == {}, "\n".join(f"{path}: {hits[:12]} ({len(hits)})" for path, hits in found.items())


# what each chart draws, read from its Vega view: the units and the bases (a five-year total, a
# year, a quarter, a point in time) of the figures in each panel
DRAWN = """() => [...document.querySelectorAll('.renshe-chart')].map(el => {
  const units = new Set(), groups = new Set();
  const walk = item => {
    const datum = item.datum;
    if (datum && typeof datum === 'object') {
      if (datum.unit) units.add(datum.unit);
      if (datum.group) groups.add(datum.group);
    }
    (item.items || []).forEach(walk);
  };
  walk(el.rensheView.scenegraph().root);
  return {units: [...units], groups: [...groups]};
})"""


def test_no_chart_mixes_units_or_bases_on_one_axis(browser, site_output, site_url):
    watch = PageWatch(browser, site_url)
    mixed, drawn = {}, 0
    try:
        for path in site_pages(site_output):
            page = watch.open(path, wait_for_chart=False)
            _wait_for_charts(page)
            for number, chart in enumerate(page.evaluate(DRAWN)):
                drawn += bool(chart["units"])
                if len(chart["units"]) > 1 or len(chart["groups"]) > 1:
                    mixed[f"{path} chart {number + 1}"] = chart
    finally:
        watch.close()
    assert drawn >= 20 and mixed == {}  # panels of figures, each one unit and one basis


def test_plan_pages_judge_only_their_own_targets(browser, site_url):
    watch = PageWatch(browser, site_url)
    try:
        page = watch.open("pages/plan-zhejiang_14fyp.html", wait_for_chart=True)
        summary = page.locator("main table").first.inner_text()
        assert "53（可判断 judged: 23）" in summary  # the 14th plan's own targets
        assert "16（另列于下文" in summary  # the 13th plan's, apart
        judged = page.locator("main table").nth(1).inner_text()
        assert "（2020）" not in judged.split("最新实际")[0] or "（2025）" in judged
        targets = page.locator("main table").nth(1).locator("tbody tr td:nth-child(7)").all_inner_texts()
        assert targets and all("2020" not in cell and "2016-2020" not in cell for cell in targets)
        review = page.locator("h2", has_text="How the last plan ended")
        assert review.count() == 1
        last = page.locator("main table").last.text_content()  # folded: its text, open or not
        assert "专业技术人才总量" in last and "落后 behind" in last  # the 13th plan's one missed target
        quzhou = watch.open("pages/plan-quzhou_14fyp.html", wait_for_chart=False)
        assert "49（可判断 judged: 0）" in quzhou.locator("main table").first.inner_text()
    finally:
        watch.close()


TARGET_PERIOD = re.compile(r"（(\d{4})(?:-(\d{4}))?[^）]*）")
LABELS = "() => [...document.querySelectorAll('.renshe-chart')].flatMap(el => { const found = []; " \
         "const walk = item => { if (item.datum && item.datum.target_label) found.push(item.datum.target_label); " \
         "(item.items || []).forEach(walk); }; walk(el.rensheView.scenegraph().root); return found; })"


def test_every_plan_page_judges_only_its_own_targets(browser, site_output, site_url):
    """On every plan page, each target the chart draws and the table of judged targets lists is
    one the plan sets for its own period (the previous plan's, from its review, are apart)."""
    registry = yaml.safe_load((site_output.parents[1] / "data" / "sources.yaml").read_text(encoding="utf-8"))
    first_years = {entry["doc_id"]: int(str(entry["reference_period"])[:4]) for entry in registry["documents"]}
    watch = PageWatch(browser, site_url)
    judged, earlier = 0, {}
    try:
        for path in [p for p in site_pages(site_output) if p.startswith("pages/plan-")]:
            first = first_years[path.removeprefix("pages/plan-").removesuffix(".html")]
            page = watch.open(path, wait_for_chart=False)
            _wait_for_charts(page)
            table = page.locator("main table", has=page.locator("th", has_text="进展 progress"))
            targets = table.locator("tbody tr td:nth-child(7)").all_text_contents() if table.count() else []
            for text in [*page.evaluate(LABELS), *targets]:
                judged += 1
                period = TARGET_PERIOD.search(text)
                if period is None or int(period.group(2) or period.group(1)) < first:
                    earlier.setdefault(path, []).append(text)
    finally:
        watch.close()
    assert judged >= 2 * 23 and earlier == {}  # the 14th plan's 23, in its chart and in its table


def test_home_first_screen_holds_headline_figures_and_a_chart(browser, site_url, renderer):
    watch = PageWatch(browser, site_url)
    try:
        page = watch.open("index.html", wait_for_chart=True)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{renderer}-home-first-screen.png"))
        figures = page.locator("#headline-figures").bounding_box()
        chart = page.locator(".renshe-home-chart svg").first.bounding_box()
        assert figures and figures["y"] < 800 and chart and chart["y"] < 800
        cards = page.locator("#headline-figures").inner_text()
        assert "116.32万人" in cards and "4606.46万人" in cards and "比上年增加 86.39万人" in cards
        assert "10.52亿人" in cards
        assert "张" not in cards  # card counts are not people
        body = page.locator("main").inner_text()
        assert "matched no observations" not in body and "rules.yaml" not in body
        assert watch.errors == []
    finally:
        watch.close()


def test_a_source_link_shows_the_table_cell_with_its_row_and_column(browser, site_url):
    watch = PageWatch(browser, site_url)
    try:
        page = watch.open("explore.html#source=quzhou_14fyp:157", wait_for_chart=False)
        page.wait_for_selector(".renshe-source-view table.renshe-cells tbody tr")
        cells = page.locator(".renshe-source-view table.renshe-cells").inner_text()
        assert "4.基本养老保险参保人数（万人）" in cells and "2025年目标" in cells and "2020年基数" in cells
        assert "“十四五”全市人力资源和社会保障事业发展主要指标" in cells and "万人" in cells
        page.wait_for_selector("ol.renshe-lines li.renshe-cited")
        cited = page.locator("ol.renshe-lines li.renshe-cited").inner_text()
        assert "基本养老保险参保人数" in cited and "204" in cited
        assert page.locator("ol.renshe-lines li").count() == 7  # three neighbours each side
        assert page.locator('.renshe-source-view a[href*="downloads/documents/quzhou_14fyp"]').count() == 1
        assert watch.errors == []
    finally:
        watch.close()
