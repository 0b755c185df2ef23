"""The registry (data/sources.yaml), the hash check, and normalisation for matching."""
from __future__ import annotations

import hashlib
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO_ROOT, edit_raw_line, replace_raw
from renshe.ingest.documents import (fold_width, join_paragraphs, load_documents, load_registry, normalize_line,
                              normalize_lines, read_document, to_simplified)
from renshe.errors import RensheError
from renshe.paths import ProjectPaths
from renshe.ingest.tables import extract_tables

DOC_IDS = ["zhejiang_2023_bulletin", "zhejiang_14fyp", "national_2023q1_briefing",
           "shaoxing_2023_action_plan", "quzhou_14fyp"]


# --- the registry ---------------------------------------------------------------------------

def test_registry_lists_the_five_documents():
    registry = load_registry(ProjectPaths.at(REPO_ROOT))
    assert [e.doc_id for e in registry.documents] == DOC_IDS
    national = registry.document("national_2023q1_briefing")
    assert (national.level, national.region, national.region_code, national.script) == (
        "national", "全国", "100000", "hant")
    shaoxing = registry.document("shaoxing_2023_action_plan")
    assert (shaoxing.region_code, shaoxing.doc_type, shaoxing.year) == ("330600", "action_plan", 2023)
    assert registry.region("诸暨市").code == "330681" and registry.region("诸暨市").parent == "绍兴市"


def test_raw_files_match_their_pinned_hashes():
    for entry in load_registry(ProjectPaths.at(REPO_ROOT)).documents:
        assert hashlib.sha256(entry.path.read_bytes()).hexdigest() == entry.sha256


def _edit_registry(paths: ProjectPaths, old: str, new: str) -> None:
    text = paths.registry.read_text(encoding="utf-8")
    assert old in text
    paths.registry.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(paths: ProjectPaths, needle: str) -> int:
    for number, line in enumerate(paths.registry.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


@pytest.mark.parametrize("old, new, message", [
    ("    level: city\n    region: 衢州市", "    level: town\n    region: 衢州市", "level 'town' is not one of"),
    ("    doc_type: action_plan", "    doc_type: memo", "doc_type 'memo' is not one of"),
    ("    script: hant", "    script: latin", "script 'latin' is not one of"),
    ("    issuer: 绍兴市", "    issuer_name: 绍兴市", "lacks issuer"),
    ("    file: data/raw/quzhou_14fyp.txt", "    file: ../quzhou_14fyp.txt", "outside data/raw/"),
])
def test_invalid_entry_is_named_with_its_line(project_paths, old, new, message):
    _edit_registry(project_paths, old, new)
    with pytest.raises(RensheError) as caught:
        load_registry(project_paths)
    assert message in str(caught.value)
    assert caught.value.path == str(project_paths.registry) and caught.value.line is not None


def test_duplicated_doc_id(project_paths):
    _edit_registry(project_paths, "doc_id: quzhou_14fyp", "doc_id: zhejiang_14fyp")
    with pytest.raises(RensheError, match="duplicated doc_id 'zhejiang_14fyp'"):
        load_registry(project_paths)


def test_yaml_syntax_error_names_the_line(project_paths):
    _edit_registry(project_paths, "    level: province\n", "    level: [province\n")
    with pytest.raises(RensheError) as caught:
        load_registry(project_paths)
    assert f"{project_paths.registry}:" in str(caught.value) and "not valid YAML" in str(caught.value)


def test_unknown_doc_id(project_paths):
    with pytest.raises(RensheError, match="unknown document 'hangzhou_2024'"):
        load_documents(project_paths, ["hangzhou_2024"])


def test_a_sixth_document_needs_only_a_file_and_an_entry(project_paths):
    text = "2024年杭州市人力资源和社会保障工作要点\n年末全市城镇新增就业 30 万人。\n"
    (project_paths.raw / "hangzhou_2024.txt").write_text(text, encoding="utf-8")
    entry = f"""  - doc_id: hangzhou_2024
    file: data/raw/hangzhou_2024.txt
    title: {{zh: 2024年杭州市人力资源和社会保障工作要点, en: Hangzhou work points 2024}}
    issuer: 杭州市人力资源和社会保障局
    level: city
    region: 杭州市
    region_code: "330100"
    doc_type: action_plan
    reference_period: "2024"
    script: hans
    sha256: {hashlib.sha256(text.encode()).hexdigest()}

regions:"""
    _edit_registry(project_paths, "\nregions:", "\n" + entry)
    documents = {d.doc_id: d for d in load_documents(project_paths)}
    assert len(documents) == 6
    assert documents["hangzhou_2024"].raw_line(2) == "年末全市城镇新增就业 30 万人。"
    assert extract_tables(documents["hangzhou_2024"]) == []


# --- reading a raw document -----------------------------------------------------------------

def test_changed_raw_file_fails_the_hash_check(project_paths):
    path = edit_raw_line(project_paths.root, "zhejiang_14fyp", 53, "〔606〕", "〔607〕", update_hash=False)
    entry = load_registry(project_paths).document("zhejiang_14fyp")
    with pytest.raises(RensheError) as caught:
        read_document(entry)
    assert caught.value.path == str(path)
    assert f"sha256 is {hashlib.sha256(path.read_bytes()).hexdigest()}" in str(caught.value)
    assert entry.sha256 in str(caught.value)
    assert read_document(entry, verify=False).raw_line(53) == "\t〔607〕"


def test_non_utf8_file_names_the_line(project_paths):
    path = project_paths.raw / "shaoxing_2023_action_plan.txt"
    lines = path.read_bytes().split(b"\n")
    lines[160] = lines[160].decode("utf-8").encode("gbk")  # line 161, the 总计 row
    replace_raw(project_paths.root, "shaoxing_2023_action_plan", b"\n".join(lines))
    with pytest.raises(RensheError) as caught:
        load_documents(project_paths, ["shaoxing_2023_action_plan"])
    assert caught.value.line == 161 and f"{path}:161" in str(caught.value)
    assert "not UTF-8" in str(caught.value) and "iconv" in str(caught.value)


def test_missing_and_empty_raw_files(project_paths):
    entry = load_registry(project_paths).document("quzhou_14fyp")
    replace_raw(project_paths.root, "quzhou_14fyp", b"\n \n")
    with pytest.raises(RensheError, match="is empty"):
        read_document(load_registry(project_paths).document("quzhou_14fyp"))
    entry.path.unlink()
    with pytest.raises(RensheError, match="raw file is missing"):
        read_document(entry)


# --- normalisation (matching only; raw lines are never rewritten) ------------------------------

def test_traditional_is_folded_to_simplified(real_documents):
    national = real_documents["national_2023q1_briefing"]
    assert national.raw_line(1).startswith("4月24日,人力資源社會保障部舉行2023年一季度新聞發布會")
    assert national.normalized_lines[0].startswith("4月24日,人力资源社会保障部举行2023年一季度新闻发布会")
    assert to_simplified("城鎮新增就業") == "城镇新增就业"
    # a Simplified document is not run through OpenCC
    assert normalize_line("參保", "hans") == "參保"


def test_bookmarks_tags_emphasis_and_headings_are_removed(real_documents):
    zhejiang = real_documents["zhejiang_14fyp"]
    assert zhejiang.raw_line(6).startswith("[bookmark: _Toc178872189]")
    assert zhejiang.normalized_lines[5] == "一、规划背景"
    quzhou = real_documents["quzhou_14fyp"]
    assert quzhou.raw_line(78) == "<b>一、公共就业</b>\t\t\t"
    assert quzhou.normalized_lines[77] == "一、公共就业\t\t\t"
    assert quzhou.normalized_lines[74] == "表 1 “十三五”全市人力资源和社会保障事业发展主要成就"
    assert quzhou.normalized_lines[520] == "附件 1"


def test_full_width_digits_and_punctuation_are_folded(real_documents):
    zhejiang = real_documents["zhejiang_14fyp"]
    assert zhejiang.raw_line(20) == "\t1．人才资源总量（万人）"
    assert zhejiang.normalized_lines[19] == "\t1.人才资源总量(万人)"
    assert normalize_line("１２３．４５％") == "123.45%"
    assert normalize_line("－5") == "-5" and normalize_line("——") == "——"


def test_normalised_lines_keep_the_line_count(real_documents):
    for document in real_documents.values():
        assert len(document.normalized_lines) == len(document.raw_lines)


def test_paragraph_joined_across_a_page_break(real_documents):
    bulletin = real_documents["zhejiang_2023_bulletin"]
    assert bulletin.raw_line(25).endswith("比上") and bulletin.raw_line(26) == ""
    assert bulletin.raw_line(27).startswith("年末增加 100.83 万人")
    paragraph = next(p for p in bulletin.paragraphs() if "比上年末增加 100.83" in p.text)
    assert paragraph.lines == [25, 27]
    offset = paragraph.text.index("比上年末增加 100.83")
    assert paragraph.line_at(offset) == 25  # 比上 stands on line 25
    assert paragraph.line_at(offset + 2) == 27  # 年末增加 on line 27
    assert paragraph.line_at(paragraph.text.index("100.83")) == 27
    assert paragraph.line_at(paragraph.text.index("3573.62")) == 25


def test_headings_and_finished_sentences_are_not_joined():
    paragraphs = join_paragraphs(["（一）养老保险", "", "年末参保人数 100 万人。", "", "下一段。"])
    assert [(p.text, p.lines) for p in paragraphs] == [
        ("（一）养老保险", [1]), ("年末参保人数 100 万人。", [3]), ("下一段。", [5])]


def _per_line_reference(line: str, script: str) -> str:
    """The normalisation written the slow, obvious way: one line, plain NFKC."""
    import re

    text = re.sub(r"\[bookmark:[^\]]*\]", "", line)
    text = re.sub(r"</?[a-zA-Z][^>]*>", "", text)
    text = re.sub(r"\*\*|__", "", text)
    text = re.sub(r"^\s*#{1,6}\s*", "", text)
    text = unicodedata.normalize("NFKC", text).translate(str.maketrans({"―": "—", "－": "-", "～": "~", "　": " "}))
    return to_simplified(text) if script == "hant" else text


def test_whole_document_normalisation_equals_line_by_line(real_documents):
    for document in real_documents.values():
        expected = [_per_line_reference(line, document.entry.script) for line in document.raw_lines]
        assert document.normalized_lines == expected, document.doc_id


# Characters that NFKC changes or composes: full-width forms, compatibility ideographs,
# combining marks, Hangul jamo (compatibility and conjoining), ligatures, Tibetan, non-BMP.
_TRICKY = st.sampled_from(list("，。：（）１２３．％ＡＢ　―－～—…〔〕万人亿元城鎮就業e\u0301\u0308\u00a8"
                               "\u3131\u314f\u1100\u1161\u11a8가\ufb01\u2460\u0f73\u0f71\u0f72\uf900"
                               "\U0001d400\U0002f800\n\t #*<>b[]"))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_TRICKY, st.characters(exclude_categories=("Cs",))), max_size=40).map("".join))
def test_fold_width_is_nfkc(text):
    assert fold_width(text) == unicodedata.normalize("NFKC", text).translate(
        str.maketrans({"―": "—", "－": "-", "～": "~", "　": " "}))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_TRICKY, max_size=12).map("".join).filter(lambda s: "\n" not in s), max_size=6))
def test_normalize_lines_equals_normalize_line(lines):
    for script in ("hans", "hant"):
        assert normalize_lines(lines, script) == [_per_line_reference(line, script) for line in lines]
