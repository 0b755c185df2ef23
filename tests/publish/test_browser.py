"""Headless Chromium (Debian's `chromium`) against the built site on a local HTTP server.

Every test runs over both renders of the same project: the built-in renderer's and Quarto's
(the Quarto variant skips where `quarto` is not on PATH, as in CI). Asserts that charts rendered
(a Vega view with marks), that the console has no errors, that no request left the local server,
that no page is taller than 8,000 px at 1280 px, and that a <script> in a document line does not
run. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from test_site import INJECTED, NAVBAR, built_project, quarto_project

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
MARKS = ".vega-embed svg .mark-symbol path, .vega-embed svg .mark-line path, .vega-embed svg .mark-rect path"
NAV_LINKS = "header.navbar nav a, #quarto-header .navbar-nav .menu-text"  # built-in, Quarto
MAX_PAGE_HEIGHT = 8_000  # px at 1280 px wide, with everything folded as it loads
RENDERERS = ["builtin", "quarto"]

if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)",
                allow_module_level=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@contextmanager
def serve(folder: Path):
    """A plain file server for `folder` on 127.0.0.1 (an ephemeral port), in a thread."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageWatch:
    """A page whose console errors and non-local requests are recorded; outside requests are blocked."""

    def __init__(self, browser, base: str):
        self.base = base
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, path: str, wait_for_chart: bool):
        self.page.goto(self.base + path, wait_until="load")
        if wait_for_chart:
            self.page.wait_for_selector(MARKS, state="attached", timeout=20_000)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


def rendered_site(tmp_path_factory, renderer: str) -> Path:
    """The session's project as the built-in renderer or Quarto wrote it."""
    if renderer == "quarto":
        if shutil.which("quarto") is None:
            pytest.skip("quarto is not on PATH (see ../shared/quarto/README.md to build it)")
        return quarto_project(tmp_path_factory).site / "_site"
    return built_project(tmp_path_factory)[0].site / "_site"


@pytest.fixture(scope="module", params=RENDERERS)
def renderer(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def site_output(tmp_path_factory, renderer) -> Path:
    return rendered_site(tmp_path_factory, renderer)


@pytest.fixture(scope="module")
def site_url(site_output):
    with serve(site_output) as base:
        yield base


def site_pages(output: Path) -> list[str]:
    """Every page of the site (Great Expectations' Data Docs are published as built)."""
    return sorted(p.relative_to(output).as_posix() for p in output.rglob("*.html")
                  if not {"site_libs", "data-docs"} & set(p.relative_to(output).parts))


@pytest.mark.parametrize("path, shot, chart, heading", [
    ("index.html", "home", False, "人社数据"),
    ("pages/region-330800.html", "region-quzhou", True, "衢州市"),
    ("pages/indicator-urban_new_jobs.html", "indicator-urban_new_jobs", True, "城镇新增就业"),
])
def test_page_renders_offline_without_errors(browser, site_url, renderer, path, shot, chart, heading):
    watch = PageWatch(browser, site_url)
    try:
        page = watch.open(path, wait_for_chart=chart)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{renderer}-{shot}.png"), full_page=True)
        assert heading in page.locator("h1.title").inner_text()
        assert [text.strip() for text in page.locator(NAV_LINKS).all_inner_texts()] == NAVBAR
        if chart:
            assert page.locator(".vega-embed svg").count() >= 1
            assert page.locator(MARKS).count() > 0
            assert page.evaluate("typeof vegaEmbed") == "function"
        assert watch.errors == []
        assert watch.outside == []
    finally:
        watch.close()


def test_region_chart_tooltip_gives_the_value_as_printed_period_and_source_line(browser, site_url):
    watch = PageWatch(browser, site_url)
    try:
        page = watch.open("pages/region-330800.html", wait_for_chart=True)
        page.locator(".vega-embed svg .mark-symbol path").first.hover(force=True)
        tooltip = page.locator("#vg-tooltip-element")
        tooltip.wait_for(state="visible", timeout=10_000)
        text = tooltip.inner_text()
        for label in ("数值 value", "原文 as printed", "时期 period", "来源 source", "原文行 source line"):
            assert label in text
        assert "《衢州市人社事业发展“十四五”规划》第" in text and "quzhou_14fyp:" not in text
    finally:
        watch.close()


def test_every_page_loads_offline_without_errors_and_folds_under_8000_px(browser, site_output, site_url, renderer):
    pages = site_pages(site_output)
    assert len(pages) >= 10
    heights = {}
    watch = PageWatch(browser, site_url)
    try:
        for path in pages:
            page = watch.open(path, wait_for_chart=False)
            if page.locator(".renshe-chart").count():
                page.wait_for_selector(MARKS, state="attached", timeout=20_000)
            heights[path] = page.evaluate("document.documentElement.scrollHeight")
            assert watch.errors == [], (path, watch.errors)
            assert watch.outside == [], (path, watch.outside)
    finally:
        watch.close()
    too_tall = {path: height for path, height in heights.items() if height > MAX_PAGE_HEIGHT}
    assert too_tall == {}, f"{renderer}: pages taller than {MAX_PAGE_HEIGHT} px: {too_tall}"


def test_script_from_a_document_line_does_not_execute(browser, tmp_path_factory):
    paths, _report, result = built_project(tmp_path_factory, "xss")
    assert result.exit_code == 0, result.format()
    with serve(paths.site / "_site") as base:
        watch = PageWatch(browser, base)
        try:
            page = watch.open("pages/indicator-urban_new_jobs.html", wait_for_chart=True)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "xss-indicator.png"), full_page=True)
            assert page.evaluate("document.documentElement.dataset.injected") is None
            # the long line shows as an excerpt; the full line, script included, is hover text, not code
            titles = page.locator("main td[title]").evaluate_all("cells => cells.map(cell => cell.title)")
            assert any(INJECTED in title for title in titles)
            assert page.locator("main script").count() == page.locator("main .renshe-chart").count()
            # the explorer quotes the same line as text
            page = watch.open("explore.html#source=zhejiang_2023_bulletin:9", wait_for_chart=False)
            page.wait_for_selector(".renshe-explorer-table tbody tr")
            assert INJECTED in page.locator(".renshe-explorer-table tbody").inner_text()
            assert page.evaluate("document.documentElement.dataset.injected") is None
            assert watch.errors == []
        finally:
            watch.close()


# --- the explorer ------------------------------------------------------------------------


def _observations(output: Path) -> "pd.DataFrame":
    import pandas as pd

    return pd.read_csv(output / "downloads" / "observations.csv", encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)


def _count(page) -> int:
    return int(page.locator(".renshe-count").inner_text().split("/")[0].replace("显示", "").strip())


def test_explorer_filters_sorts_and_downloads_the_filtered_rows_as_csv(browser, site_output, site_url, renderer):
    import io

    import pandas as pd

    observations = _observations(site_output)
    watch = PageWatch(browser, site_url)
    try:
        page = watch.open("explore.html", wait_for_chart=False)
        page.wait_for_selector(".renshe-explorer-table tbody tr")
        assert _count(page) == len(observations)
        page.select_option("select[data-filter=region]", "衢州市")
        page.select_option("select[data-filter=indicator]", "basic_pension_participants")
        expected = observations[(observations["region"] == "衢州市")
                                & (observations["indicator_id"] == "basic_pension_participants")]
        assert _count(page) == len(expected) > 3
        page.select_option("select[data-filter=measure]", "target")
        page.select_option("select[data-filter=period]", "2025")
        assert _count(page) == 1
        assert "204万人" in page.locator(".renshe-explorer-table tbody").inner_text()
        assert "《衢州市人社事业发展“十四五”规划》第157行" in page.locator(".renshe-explorer-table tbody").inner_text()
        page.select_option("select[data-filter=measure]", "")
        page.select_option("select[data-filter=period]", "")
        page.locator("th[data-key=display] button").click()  # ascending by value
        values = page.locator("tbody td[data-value]").evaluate_all("cells => cells.map(c => +c.dataset.value)")
        assert values == sorted(values) and len(values) == len(expected)
        page.locator("th[data-key=display] button").click()
        assert page.locator("th[data-key=display]").get_attribute("aria-sort") == "descending"
        assert "region=%E8%A1%A2%E5%B7%9E%E5%B8%82" in page.url  # the filters live in the address
        with page.expect_download() as download_info:
            page.locator("button.renshe-download").click()
        download = download_info.value
        data = Path(download.path()).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") and download.suggested_filename.endswith(".csv")
        downloaded = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert list(downloaded.columns) == list(observations.columns)
        key = ["doc_id", "source_line", "measure", "period", "value"]
        assert sorted(map(tuple, downloaded[key].values)) == sorted(map(tuple, expected[key].values))
        row = downloaded[(downloaded["period"] == "2025") & (downloaded["measure"] == "target")].iloc[0]
        assert row["source_text"] == expected[(expected["period"] == "2025")
                                              & (expected["measure"] == "target")].iloc[0]["source_text"]
        assert watch.errors == [] and watch.outside == []
    finally:
        watch.close()


def test_a_source_reference_opens_the_explorer_on_its_line(browser, site_output, site_url):
    observations = _observations(site_output)
    on_line = observations[(observations["doc_id"] == "zhejiang_2023_bulletin") & (observations["source_line"] == "23")]
    watch = PageWatch(browser, site_url)
    try:
        page = watch.open("index.html", wait_for_chart=False)
        # Quarto's script makes every href absolute: match the end
        page.locator('a[href$="explore.html#source=zhejiang_2023_bulletin:23"]').first.click()
        page.wait_for_selector(".renshe-explorer-table tbody tr")
        assert _count(page) == len(on_line) >= 1
        body = page.locator(".renshe-explorer-table tbody").inner_text()
        assert "4606.46万人" in body and "年末全省参加基本养老保险人数为 4606.46 万人" in body  # the line, whole
        assert "《2023年度浙江省人社事业发展统计公报》第23行" in page.locator(".renshe-chip").inner_text()
        page.locator(".renshe-chip").click()  # clear the line: every observation again
        assert _count(page) == len(observations)
        assert watch.errors == [] and watch.outside == []
    finally:
        watch.close()


def test_explorer_stays_usable_with_ten_thousand_observations(browser, site_output, site_url):
    """The real payload repeated to 10 000 rows (served in place of assets/observations.js).
    Times are printed for the record, not asserted."""
    import json
    import time

    script = (site_output / "assets" / "observations.js").read_text(encoding="utf-8")
    payload = json.loads(script[script.index("{"):].rstrip().rstrip(";"))
    line = payload["fields"].index("source_line")
    rows, display = [], []
    while len(rows) < 10_000:
        for row, shown in zip(payload["rows"], payload["display"]):
            copy = list(row)
            copy[line] = row[line] + 1000 * (len(rows) // len(payload["rows"]))
            rows.append(copy)
            display.append(shown)
    payload.update(rows=rows[:10_000], display=display[:10_000])
    body = "window.RENSHE_OBSERVATIONS = " + json.dumps(payload, ensure_ascii=False) + ";"
    watch = PageWatch(browser, site_url)
    watch.context.route("**/assets/observations.js", lambda route: route.fulfill(
        status=200, content_type="application/javascript", body=body))
    try:
        started = time.perf_counter()
        page = watch.open("explore.html", wait_for_chart=False)
        page.wait_for_selector(".renshe-explorer-table tbody tr")
        loaded = time.perf_counter() - started
        assert _count(page) == 10_000
        assert page.locator(".renshe-explorer-table tbody tr").count() == 25  # one page of rows, not 10 000
        started = time.perf_counter()
        page.select_option("select[data-filter=region]", "浙江省")
        page.fill("input[name=q]", "养老")
        filtered = time.perf_counter() - started
        count = _count(page)
        assert 0 < count < 10_000
        started = time.perf_counter()
        page.locator("th[data-key=display] button").click()
        sorted_in = time.perf_counter() - started
        print(f"\nexplorer with 10 000 rows: loaded in {loaded:.2f} s, filtered in {filtered:.3f} s "
              f"({count} rows), sorted in {sorted_in:.3f} s")
        assert watch.errors == [] and watch.outside == []
    finally:
        watch.close()


def test_a_reader_answers_the_four_questions_within_two_clicks_of_home(browser, site_url):
    """Is each plan on track? How does a region compare with its parent? Do the documents agree?
    Where did a figure come from? Each answer is at most two clicks from the home page."""
    watch = PageWatch(browser, site_url)
    try:
        page = watch.open("index.html", wait_for_chart=False)
        page.locator(NAV_LINKS).filter(has_text="Plans").first.click()  # 1
        page.locator('main a[href$="pages/plan-zhejiang_14fyp.html"]').first.click()  # 2
        page.wait_for_selector(MARKS, state="attached", timeout=20_000)
        assert "落后 behind" in page.locator("main").inner_text() and "已达到 reached" in page.locator("main").inner_text()

        page = watch.open("index.html", wait_for_chart=False)
        page.locator('main a.renshe-more[href$="pages/region-330800.html"]').first.click()  # 1
        assert "衢州市占浙江省的比重（2020）" in page.locator("main").inner_text()

        page = watch.open("index.html", wait_for_chart=False)
        assert "38 个前后一致" in page.locator("main").inner_text()  # 0: the home page says it
        page.locator('main a.renshe-more[href$="quality.html"]').first.click()  # 1
        assert "Failures and warnings" in page.locator("main").inner_text()

        page = watch.open("index.html", wait_for_chart=False)
        page.locator('main a[href*="explore.html#source=zhejiang_14fyp:171"]').first.click()  # 1
        page.wait_for_selector(".renshe-explorer-table tbody tr")
        assert "4500" in page.locator(".renshe-explorer-table tbody").inner_text()
        assert watch.errors == [] and watch.outside == []
    finally:
        watch.close()
