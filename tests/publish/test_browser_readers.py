"""What a reader sees, in headless Chromium over both renders (the Quarto variant skips without
quarto): no page wider than the screen at 390 and 1280 px, no internals in any page's text, plan
pages that judge only their own targets, a home page whose first screen holds the headline figures
and a chart, and a source view that shows a table cell with its row and column."""
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
INTERNALS = ["Expect", "/work/", ".venv", "site-packages", "Great Expectations", "rules.yaml", "{\""]


def _wait_for_charts(page):
    if page.locator(".renshe-chart").count():
        page.wait_for_selector(MARKS, state="attached", timeout=20_000)


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_is_wider_than_the_screen(browser, site_output, site_url, width):
    watch = PageWatch(browser, site_url)
    watch.page.set_viewport_size({"width": width, "height": 900})
    wide = {}
    try:
        for path in site_pages(site_output):
            page = watch.open(path, wait_for_chart=False)
            _wait_for_charts(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                wide[path] = scroll
        assert watch.errors == []
    finally:
        watch.close()
    assert wide == {}, f"pages wider than {width} px: {wide}"


def _internal_terms(project) -> tuple[list[str], list[str]]:
    codebook = yaml.safe_load((project / "data" / "codebook.yaml").read_text(encoding="utf-8"))
    entries = codebook["indicators"] if isinstance(codebook, dict) else codebook
    ids = [entry["id"] for entry in entries if "_" in entry["id"]]
    checks = pd.read_csv(project / "data" / "clean" / "checks.csv", dtype=str, keep_default_na=False)
    return ids, [c for c in checks["check_id"] if c]


def test_no_page_shows_ids_library_names_or_paths(browser, site_output, site_url):
    project = site_output.parents[1]
    ids, check_ids = _internal_terms(project)
    id_pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ids + FIELD_NAMES)) + r")(?![\w-])")
    found = {}
    watch = PageWatch(browser, site_url)
    try:
        for path in site_pages(site_output):
            page = watch.open(path, wait_for_chart=False)
            text = page.locator("body").inner_text()
            hits = set(id_pattern.findall(text)) | {c for c in check_ids if c in text}
            hits |= {term for term in INTERNALS if term in text} | set(re.findall(r"\b\w+#\d+\b", text))
            if hits:
                found[path] = sorted(hits)
    finally:
        watch.close()
    assert found == {}


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
