"""Documents as published: .txt, .docx, .html and .pdf read into one model (renshe.ingest.formats).

The fixtures (tests/fixtures/formats/) are written once as sources/NAME.yaml and printed in every
format by make_fixtures.py; the same content must give the same observations in every format, a
PDF's observations name their page, furniture is listed in `left_out` and never read.
guangdong_2022_bulletin (holdout/) is never tuned on: `test_holdout_score` reports its score.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from renshe.errors import RensheError
from renshe.ingest.codebook import load_codebook
from renshe.ingest.documents import DocumentEntry, read_document
from renshe.ingest.extract import collect, extract_document, run_extract
from renshe.ingest.formats import read_file
from renshe.paths import ProjectPaths

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
FORMATS = ("txt", "docx", "html", "pdf")
KEY = ["table_id", "indicator_id", "period", "measure", "value", "unit"]


def _entry(path: Path) -> DocumentEntry:
    source = yaml.safe_load((FIXTURES / "sources" / f"{path.stem.removesuffix('_gbk')}.yaml").read_text("utf-8"))
    e = source["entry"]
    region_codes = {"四川省": "510000", "广东省": "440000", "河南省": "410000", "全国": "100000"}
    return DocumentEntry(doc_id=e["doc_id"], path=path, title_zh=e["title"]["zh"], title_en=e["title"]["en"],
                         issuer=e["issuer"], level=e["level"], region=e["region"],
                         region_code=region_codes[e["region"]], doc_type=e["doc_type"], published=None,
                         reference_period=str(e["reference_period"]), script=e["script"],
                         sha256=hashlib.sha256(path.read_bytes()).hexdigest())


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(ProjectPaths.at(Path(__file__).resolve().parents[2]).codebook)


def _extract(path: Path, codebook):
    document = read_document(_entry(path))
    return document, collect([extract_document(document)], codebook).observations


def _keys(observations) -> list[tuple]:
    return sorted(tuple(row) for row in observations[KEY].itertuples(index=False))


@pytest.fixture(scope="module")
def sichuan(codebook):
    return {kind: _extract(FIXTURES / f"sichuan_2022_bulletin.{kind}", codebook) for kind in FORMATS}


def test_txt_observations_pinned(sichuan):
    _, obs = sichuan["txt"]
    def one(table_id, indicator_id, period="2022", measure="actual"):
        found = obs[(obs.table_id == table_id) & (obs.indicator_id == indicator_id) & (obs.period == period)
                    & (obs.measure == measure)]
        assert len(found) == 1, (table_id, indicator_id, period, measure, found)
        return found.iloc[0]
    assert one("text", "urban_new_jobs").value == 1052000 and one("text", "urban_new_jobs").unit == "人"
    assert one("text", "registered_unemployment_rate").value == 3.4
    assert one("text", "rural_labour_transferred", measure="change").value == 163000
    assert one("text", "basic_pension_participants").value == 65433000
    assert one("table1", "work_injury_insurance_participants", "2021").value == 12807000
    assert one("table2", "reemployment_of_unemployed").value == 305000
    assert len(obs) == 21


@pytest.mark.parametrize("kind", ["docx", "html", "pdf"])
def test_same_observations_in_every_format(sichuan, kind):
    assert _keys(sichuan[kind][1]) == _keys(sichuan["txt"][1])


@pytest.mark.parametrize("kind", FORMATS)
def test_source_line_holds_the_figure(sichuan, kind):
    document, obs = sichuan[kind]
    for row in obs.itertuples(index=False):
        assert row.value_raw in document.raw_line(row.source_line), (kind, row.source_line, row.value_raw)


def test_pdf_observations_carry_their_page(sichuan):
    _, obs = sichuan["pdf"]
    pages = {(r.table_id, r.indicator_id, r.period): r.source_page for r in obs.itertuples(index=False)}
    assert pages[("text", "urban_new_jobs", "2022")] == 1
    assert pages[("table1", "unemployment_insurance_participants", "2021")] == 1
    assert pages[("table2", "urban_new_jobs", "2022")] == 2  # the unruled table, after the page break
    assert pages[("text", "new_highly_skilled_talent", "2022")] == 2
    for kind in ("txt", "docx", "html"):
        assert set(sichuan[kind][1].source_page) == {0}


def test_pdf_tables_ruled_and_aligned_as_tab_rows(sichuan):
    document, _ = sichuan["pdf"]
    assert "参加失业保险人数\t1046.9\t1001.4" in document.raw_lines  # found from its ruling lines
    assert "城镇新增就业\t105.2\t108.8" in document.raw_lines  # found from the alignment of its words
    assert "指标\t2022年\t2021年" in document.raw_lines


def test_pdf_furniture_left_out_not_read(sichuan):
    document, obs = sichuan["pdf"]
    reasons = {item.reason.split(" (")[0].split(":")[0] for item in document.left_out}
    assert {"running page header", "running page footer", "chart text"} <= reasons
    chart = [item.text for item in document.left_out if item.reason.startswith("chart text")]
    assert "101.2%103.7%85.9%108.8%105.2%" in chart and "120" in chart
    assert not any("四川省人力资源和社会保障厅统计公报" in line for line in document.raw_lines)
    assert not {101.2, 103.7, 85.9, 120.0} & set(obs.value)
    assert all(item.origin.page in (1, 2) for item in document.left_out)


def test_pdf_page_numbers_left_out():
    from renshe.ingest.formats.pdf import _PAGE_NUMBER, chart_text

    assert all(_PAGE_NUMBER.match(t) for t in ("— 2 —", "- 12 -", "3", "第 3 页 共 9 页", "3/9", "Page 4"))
    assert not _PAGE_NUMBER.match("2022年")
    assert chart_text("51.2%o.UU.U7t80.0%49.9%") and not chart_text("城镇调查失业率5.5%") \
        and not chart_text("2021-2025")


def test_html_furniture_left_out(sichuan):
    document, obs = sichuan["html"]
    reasons = {item.reason for item in document.left_out}
    assert {"site navigation", "breadcrumb", "page footer", "script", "sidebar", "sharing links"} <= reasons
    assert any("当前位置" in item.text for item in document.left_out if item.reason == "breadcrumb")
    assert not any("当前位置" in line or "首页" in line or "ICP" in line for line in document.raw_lines)
    assert document.raw_lines[0] == "2022年四川省人力资源和社会保障事业发展统计公报（摘编）"
    assert document.origin(1).element.endswith("h1")


def test_docx_body_order_and_page_furniture(sichuan):
    document, _ = sichuan["docx"]
    assert [item.reason for item in document.left_out][:1] == ["Word page header (section 1)"]
    table_row = document.raw_lines.index("参加失业保险人数\t1046.9\t1001.4") + 1
    assert document.origin(table_row).table == 0 and document.origin(table_row).row == 1
    assert document.raw_lines.index("单位：万人") < table_row - 1  # the paragraph before the table stays before it


@pytest.mark.parametrize("kind", FORMATS)
def test_merged_cells_repeated_in_every_format(kind):
    read = read_file(FIXTURES / f"merged_header.{kind}")
    if kind == "txt":  # a text file prints a merged cell once
        assert read.lines[4:6] == ["指标\t城镇新增就业\t", "\t2022年\t2021年"]
    else:
        assert "指标\t城镇新增就业\t城镇新增就业" in read.lines
        assert "指标\t2022年\t2021年" in read.lines
    assert "郑州市\t15.1\t15.4" in read.lines
    if kind != "txt":
        table = read.tables[0]
        merged = [c for c in table.cells if c.text == "城镇新增就业"]
        assert (merged[0].row, merged[0].col, merged[0].colspan) == (0, 1, 2)
        assert [c.rowspan for c in table.cells if c.text == "指标"] == [2]


def test_gbk_page_reads_by_its_declared_charset(sichuan, codebook):
    path = FIXTURES / "sichuan_2022_bulletin_gbk.html"
    assert b"charset=gbk" in path.read_bytes()[:300]
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    document, obs = _extract(path, codebook)
    assert document.raw_lines == sichuan["html"][0].raw_lines
    assert _keys(obs) == _keys(sichuan["txt"][1])


def test_scanned_page_is_a_clear_error():
    path = FIXTURES / "scanned.pdf"
    with pytest.raises(RensheError) as caught:
        read_file(path)
    message = str(caught.value)
    assert str(path) in message and "page 1 has no text layer" in message


def test_nul_bytes_refused():
    with pytest.raises(RensheError, match="no text") as caught:
        read_file(FIXTURES / "nul.txt")
    assert "nul.txt" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"   \n\t\n", b"\x00\x00\x00"])
def test_empty_html_refused(tmp_path, content):
    path = tmp_path / "blank.html"
    path.write_bytes(content)
    with pytest.raises(RensheError, match="no text"):
        read_file(path)


def test_unknown_extension_refused(tmp_path):
    path = tmp_path / "bulletin.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(RensheError, match=r"\.txt, \.pdf, \.docx, \.html"):
        read_file(path)


# --- the hold-out: never tuned on ---------------------------------------------------------------

HOLDOUT_PINNED = [  # every figure of holdout/guangdong_2022_bulletin, as the source states it
    ("text", "urban_new_jobs", "2022", "actual", 1321000.0),
    ("text", "reemployment_of_unemployed", "2022", "actual", 423000.0),
    ("text", "hard_to_employ_placed", "2022", "actual", 106000.0),
    ("text", "registered_unemployment_rate", "2022", "actual", 2.5),
    ("text", "entrepreneurship_loans", "2022", "actual", 8560000000.0),
    ("text", "entrepreneurship_supported", "2022", "actual", 81000.0),
    ("text", "jobs_created_by_entrepreneurship", "2022", "actual", 289000.0),
    ("text", "basic_pension_participants", "2022", "actual", 81759000.0),
    ("text", "unemployment_insurance_participants", "2022", "actual", 37452000.0),
    ("text", "work_injury_insurance_participants", "2022", "actual", 42385000.0),
    ("text", "skilled_talent", "2022", "actual", 19770000.0),
    ("text", "highly_skilled_talent", "2022", "actual", 6590000.0),
    ("table1", "basic_pension_participants", "2022", "actual", 81759000.0),
    ("table1", "basic_pension_participants", "2021", "actual", 80110000.0),
    ("table1", "unemployment_insurance_participants", "2022", "actual", 37452000.0),
    ("table1", "unemployment_insurance_participants", "2021", "actual", 36284000.0),
    ("table1", "work_injury_insurance_participants", "2022", "actual", 42385000.0),
    ("table1", "work_injury_insurance_participants", "2021", "actual", 40936000.0),
    ("table2", "urban_new_jobs", "2022", "actual", 1321000.0),
    ("table2", "urban_new_jobs", "2021", "actual", 1534000.0),
    ("table2", "hard_to_employ_placed", "2022", "actual", 106000.0),
    ("table2", "hard_to_employ_placed", "2021", "actual", 112000.0),
]


def holdout_score(codebook) -> dict[str, tuple[int, int, int]]:
    """Per format: (right, pinned, extra) — right: a pinned figure found with its value, period and
    measure; extra: an observation with a codebook id that no pinned figure accounts for."""
    scores = {}
    for kind in FORMATS:
        _, obs = _extract(FIXTURES / "holdout" / f"guangdong_2022_bulletin.{kind}", codebook)
        found = [tuple(r) for r in obs[["table_id", "indicator_id", "period", "measure", "value"]]
                 .itertuples(index=False)]
        right = sum(1 for pinned in HOLDOUT_PINNED if pinned in found)
        extra = sum(1 for row in found if row not in HOLDOUT_PINNED)
        scores[kind] = (right, len(HOLDOUT_PINNED), extra)
    return scores


def test_holdout_score(codebook):
    scores = holdout_score(codebook)
    print("hold-out guangdong_2022_bulletin (right, pinned, extra):", scores)
    assert len(set(scores.values())) == 1, f"the formats disagree on the hold-out: {scores}"
    right, pinned, extra = scores["txt"]
    assert right >= pinned - 2 and extra == 0, scores


# --- a PDF registered like any document ------------------------------------------------------------

def test_registered_pdf_builds_with_pages(tmp_path):
    from tests.conftest import copy_project
    from tests.unseen_corpus import append_registry_entries

    project = copy_project(tmp_path / "project")
    source = FIXTURES / "sichuan_2022_bulletin.pdf"
    (project / "data" / "raw" / source.name).write_bytes(source.read_bytes())
    entry = yaml.safe_load((FIXTURES / "sources" / "sichuan_2022_bulletin.yaml").read_text("utf-8"))["entry"]
    entry.update(file=f"data/raw/{source.name}", sha256=hashlib.sha256(source.read_bytes()).hexdigest())
    registry = project / "data" / "sources.yaml"
    registry.write_text(append_registry_entries(registry.read_text("utf-8"), [entry]), encoding="utf-8")
    output = run_extract(ProjectPaths.at(project), doc_ids=["sichuan_2022_bulletin"])
    obs = output.observations
    assert set(obs.source_page) == {1, 2}
    text = (project / "data" / "clean" / "text" / "sichuan_2022_bulletin.txt").read_text("utf-8").splitlines()
    for row in obs.itertuples(index=False):
        assert text[row.source_line - 1] == row.source_text
    left_out = (project / "data" / "clean" / "left_out.csv").read_text("utf-8-sig")
    assert "running page header" in left_out and "chart text" in left_out


def test_layout_table_read_as_blocks(tmp_path):
    """An older site lays the page out in a table: its article is read as text, the data table in it
    as rows, the navigation row outside the content left out."""
    path = tmp_path / "page.html"
    article = "2022年全省城镇新增就业125.3万人，失业人员再就业38.6万人，就业困难人员实现就业12.5万人。" * 3
    path.write_text(f"""<html><head><meta charset="utf-8"></head><body><table><tr><td>首页 | 信息公开</td></tr>
        <tr><td><p>{article}</p><table><tr><td>指标</td><td>2022年</td></tr><tr><td>城镇新增就业</td><td>125.3</td></tr>
        </table></td></tr></table></body></html>""", encoding="utf-8")
    read = read_file(path)
    assert read.lines == [article, "指标\t2022年", "城镇新增就业\t125.3"]
    assert [item.text for item in read.left_out] == ["首页 | 信息公开"]


@pytest.mark.parametrize("name, content", [("broken.pdf", b"%PDF-1.4\n1 0 obj <<>> garbage"),
                                           ("broken.docx", b"PK\x03\x04 not a zip")])
def test_damaged_file_is_one_line_naming_it(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RensheError) as caught:
        read_file(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_html_pre_keeps_its_spacing(tmp_path):
    """A <pre> block (a table as pdftotext -layout writes it) keeps its columns' spaces for the
    space-aligned table reader."""
    path = tmp_path / "page.htm"
    path.write_text("<html><body><div id='content'><p>表1 2022年城镇新增就业（万人）</p><pre>\n"
                    "指标          2022年    2021年\n城镇新增就业   125.3     138.1\n</pre></div></body></html>",
                    encoding="utf-8")
    read = read_file(path)
    assert read.format == "html"
    assert read.lines == ["表1 2022年城镇新增就业（万人）", "指标          2022年    2021年",
                          "城镇新增就业   125.3     138.1"]


def test_docx_content_controls_are_read(tmp_path):
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_paragraph("前言")
    document.element.body.insert(1, parse_xml(
        f'<w:sdt {nsdecls("w")}><w:sdtContent><w:p><w:r><w:t>全年城镇新增就业125.3万人。</w:t></w:r></w:p>'
        "</w:sdtContent></w:sdt>"))
    path = tmp_path / "controls.docx"
    document.save(path)
    assert read_file(path).lines == ["前言", "全年城镇新增就业125.3万人。"]


@pytest.fixture(scope="module")
def henan(codebook):
    return {kind: _extract(FIXTURES / f"henan_14fyp.{kind}", codebook) for kind in FORMATS}


def test_plan_in_every_format(henan):
    """A plan's indicator table (2020 base, 2025 target, an attribute column) and its targets in the
    text: the same observations from each format, the table's on page 1 of the PDF."""
    _, txt = henan["txt"]
    table = {(r.indicator_id, r.period, r.measure): (r.value, r.qualifier) for r in txt.itertuples(index=False)
             if r.table_id == "zhuanlan1"}
    assert table[("surveyed_unemployment_rate", "2025", "target")] == (5.5, "<")
    assert table[("unemployment_insurance_participants", "2020", "actual")] == (8810000, "")
    text = {(r.indicator_id, r.period): r.value for r in txt.itertuples(index=False) if r.table_id == "text"}
    assert text[("urban_new_jobs", "2021-2025")] == 5000000
    for kind in ("docx", "html", "pdf"):
        assert _keys(henan[kind][1]) == _keys(txt), kind
    _, pdf = henan["pdf"]
    assert set(pdf[pdf.table_id == "zhuanlan1"].source_page) == {1}
    assert set(pdf[pdf.value == 2000000].source_page) == {2}  # 农村劳动力新增转移就业, after the page break
    assert not {145.2, 146.2, 139.2} & set(pdf.value)  # the chart's labels


# --- a header with merged cells: one meaning in every format ------------------------------------

MERGED_KEY = ["table_id", "indicator_id", "indicator_zh", "region", "period", "measure", "value", "unit"]


def _merged_keys(observations) -> list[tuple]:
    return sorted(tuple(row) for row in observations[MERGED_KEY].itertuples(index=False))


@pytest.fixture(scope="module")
def merged(codebook):
    return {kind: _extract(FIXTURES / f"merged_header.{kind}", codebook) for kind in FORMATS}


def test_merged_header_read_as_one_header(merged):
    """指标 merged down both header rows is one header cell; 城镇新增就业 merged across the year
    columns is the group over them: the indicator of every figure under it. The rows name regions
    (全省, a city), so each figure is the region's."""
    _, obs = merged["txt"]
    table = obs[obs.table_id == "table1"]
    assert sorted(zip(table.indicator_id, table.region, table.period, table.measure, table.value, table.unit)) == [
        ("urban_new_jobs", "河南省", "2021", "actual", 1381000.0, "人"),
        ("urban_new_jobs", "河南省", "2022", "actual", 1253000.0, "人"),
        ("urban_new_jobs", "郑州市", "2021", "actual", 154000.0, "人"),
        ("urban_new_jobs", "郑州市", "2022", "actual", 151000.0, "人"),
    ]
    assert set(table.indicator_zh) == {"城镇新增就业"}
    # 指标 and 2021年 merged down, 2022年 merged across 绝对数 | 比上年增长（%）
    growth = obs[obs.table_id == "table2"]
    assert sorted(zip(growth.indicator_id, growth.region, growth.period, growth.measure, growth.value, growth.unit)) == [
        ("urban_new_jobs", "河南省", "2021", "actual", 1381000.0, "人"),
        ("urban_new_jobs", "河南省", "2022", "actual", 1253000.0, "人"),
        ("urban_new_jobs", "河南省", "2022", "change_pct", -9.3, "%"),
    ]


@pytest.mark.parametrize("kind", ["docx", "html", "pdf"])
def test_merged_header_same_observations_in_every_format(merged, kind):
    """The .txt prints each merged cell once (the other positions empty); Word, HTML and PDF repeat
    it in every row and column it spans: the same observations."""
    assert _merged_keys(merged[kind][1]) == _merged_keys(merged["txt"][1])
    assert len(merged[kind][1]) == 9  # seven table figures, two in the text


MERGED_HOLDOUT_PINNED = [  # every table figure of holdout/provinces_merged_yearbook, as the sources state it
    ("urban_new_jobs", "广东省", "2021", "actual", 1534000.0),
    ("urban_new_jobs", "广东省", "2022", "actual", 1321000.0),
    ("unemployment_insurance_participants", "广东省", "2021", "actual", 36284000.0),
    ("unemployment_insurance_participants", "广东省", "2022", "actual", 37452000.0),
    ("work_injury_insurance_participants", "广东省", "2021", "actual", 40936000.0),
    ("work_injury_insurance_participants", "广东省", "2022", "actual", 42385000.0),
    ("urban_new_jobs", "四川省", "2021", "actual", 1088000.0),
    ("urban_new_jobs", "四川省", "2022", "actual", 1052000.0),
    ("unemployment_insurance_participants", "四川省", "2021", "actual", 10014000.0),
    ("unemployment_insurance_participants", "四川省", "2022", "actual", 10469000.0),
    ("work_injury_insurance_participants", "四川省", "2021", "actual", 12807000.0),
    ("work_injury_insurance_participants", "四川省", "2022", "actual", 13346000.0),
]


def merged_holdout_score(codebook) -> dict[str, tuple[int, int, int]]:
    """Per format: (right, pinned, extra) on the merged-header hold-out (never tuned on)."""
    scores = {}
    for kind in FORMATS:
        _, obs = _extract(FIXTURES / "holdout" / f"provinces_merged_yearbook.{kind}", codebook)
        found = [tuple(r) for r in obs[["indicator_id", "region", "period", "measure", "value"]]
                 .itertuples(index=False)]
        right = sum(1 for pinned in MERGED_HOLDOUT_PINNED if pinned in found)
        scores[kind] = (right, len(MERGED_HOLDOUT_PINNED), len(found) - right)
    return scores


def test_merged_holdout_score(codebook):
    scores = merged_holdout_score(codebook)
    print("hold-out provinces_merged_yearbook (right, pinned, extra):", scores)
    assert len(set(scores.values())) == 1, f"the formats disagree on the hold-out: {scores}"
    right, pinned, extra = scores["txt"]
    assert right == pinned and extra == 0, scores
