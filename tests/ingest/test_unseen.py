"""Documents the project has never seen, added the way the README says (the file in data/raw/ and
a registry entry, nothing else): every figure pinned in tests/fixtures/unseen/*.yaml must come out
with its value, unit, period, measure and basis, none wrong, nothing invented, every table read.

The hold-out documents (tests/fixtures/unseen/holdout/) were never used to tune the rules: they
measure how the rules carry to the next document."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import unseen_corpus  # noqa: E402


def _extracted(tmp_path_factory, holdout: bool):
    docs = unseen_corpus.documents(holdout=holdout)
    project = unseen_corpus.make_project(tmp_path_factory.mktemp("holdout" if holdout else "unseen"), docs)
    result = unseen_corpus.run_extract(project)
    assert result.returncode == 0, result.stderr
    return project, docs, result.stdout


@pytest.fixture(scope="module")
def tuning(tmp_path_factory):
    return _extracted(tmp_path_factory, holdout=False)


@pytest.fixture(scope="module")
def holdout(tmp_path_factory):
    return _extracted(tmp_path_factory, holdout=True)


def _observations(project: Path, doc_id: str) -> list[dict]:
    with open(project / "data" / "clean" / "observations.csv", encoding="utf-8-sig") as handle:
        return [row for row in csv.DictReader(handle) if row["doc_id"] == doc_id]


def _unparsed(project: Path, doc_id: str) -> list[dict]:
    with open(project / "data" / "clean" / "unparsed.csv", encoding="utf-8-sig") as handle:
        return [row for row in csv.DictReader(handle) if row["doc_id"] == doc_id]


def test_the_corpus_is_big_enough_to_mean_something():
    docs = unseen_corpus.documents()
    assert len([d for d in docs if not d.holdout]) >= 6 and len([d for d in docs if d.holdout]) >= 2
    assert sum(len(d.figures) for d in docs) >= 250


def test_unseen_documents_come_out_right(tuning):
    project, docs, _ = tuning
    score = unseen_corpus.score(project, docs)
    assert score.wrong == 0 and score.extra == 0, score.report()
    assert score.right >= 0.95 * score.figures, score.report()


def test_unseen_figures_get_the_codebook_id_without_a_codebook_edit(tuning):
    """Of the right figures whose indicator the codebook has, at least 90% carry its id."""
    project, docs, _ = tuning
    score = unseen_corpus.score(project, docs)
    assert score.mappable >= 100 and score.mapped >= 0.9 * score.mappable, score.report()


def test_the_hold_out_comes_out_right(holdout):
    project, docs, _ = holdout
    score = unseen_corpus.score(project, docs)
    assert score.wrong == 0 and score.extra == 0, score.report()
    assert score.right >= 0.95 * score.figures, score.report()


def test_every_table_of_an_unseen_document_is_read(tuning):
    """Both layouts, found without a layout file: tab rows and one-cell-per-line Word dumps."""
    project, _, _ = tuning
    with open(project / "data" / "clean" / "extract_summary.csv", encoding="utf-8-sig") as handle:
        tables = {(r["doc_id"], r["table_id"]): r for r in csv.DictReader(handle) if r["table_id"] != "text"}
    unseen = {key: row for key, row in tables.items() if key[0] in {d.doc_id for d in unseen_corpus.documents(False)}}
    assert {key[0] for key in unseen} >= {"national_14fyp_hrss", "sichuan_14fyp", "guangyuan_2020_bulletin",
                                         "changxing_2022_communique", "chongqing_2022_communique"}
    assert all(int(row["observations"]) > 0 for row in unseen.values()), unseen


def test_a_plan_outline_table_without_any_layout(tuning):
    """表1 of a national plan: 2020年 is the base (actual), 2025年 the target, 〔 〕 five-year sums."""
    project, _, _ = tuning
    rows = {(r["source_line"], r["period"]): r for r in _observations(project, "national_14fyp_hrss")
            if r["table_id"] == "table1"}
    jobs_2020, jobs_2025 = rows[("19", "2016-2020")], rows[("19", "2021-2025")]
    assert (jobs_2020["value"], jobs_2020["measure"], jobs_2020["basis"]) == ("65640000.0", "actual", "cumulative")
    assert (jobs_2025["value"], jobs_2025["measure"], jobs_2025["qualifier"]) == ("50000000.0", "target", ">")
    pension = rows[("25", "2025")]
    assert (pension["value"], pension["unit"], pension["measure"]) == ("95.0", "%", "target")


def test_a_word_dump_table_with_a_unit_line(tuning):
    """Guangyuan's 表1: header cells broken over two lines, 单位：万人、%; the 占比 column is in %."""
    project, _, _ = tuning
    rows = {(r["source_line"], r["unit"]): r for r in _observations(project, "guangyuan_2020_bulletin")
            if r["table_id"] == "table1"}
    assert rows[("25", "人")]["value"] == "515500.0" and rows[("26", "%")]["value"] == "39.3"
    assert {r["period"] for r in rows.values()} == {"2020"}


def test_previous_plan_figures_in_a_plan_are_actuals(tuning):
    project, _, _ = tuning
    line5 = {r["value_raw"]: r for r in _observations(project, "national_14fyp_hrss")
             if r["table_id"] == "text" and r["source_line"] == "5"}
    assert (line5["6564"]["period"], line5["6564"]["measure"], line5["6564"]["basis"]) == ("2016-2020", "actual", "cumulative")
    assert (line5["133"]["measure"], line5["133"]["period"]) == ("change", "2016-2020")
    assert (line5["5.2"]["period"], line5["5.2"]["measure"]) == ("2020", "actual")
    assert (line5["6.2"]["period"], line5["1.3"]["period"], line5["2"]["period"]) == ("2020-02", "2015", "2020")


def test_changes_bind_to_the_figure_they_qualify(tuning):
    """比上年增加X亿元，增长Y% : the change and the growth rate of the fund named before them."""
    project, _, _ = tuning
    rows = _observations(project, "national_2021_bulletin")
    line17 = [(r["measure"], r["value"], r["unit"], r["indicator_zh"]) for r in rows
              if r["source_line"] == "17" and r["table_id"] == "text"]
    revenue = line17[0][3]
    assert line17[:3] == [("actual", "6820500000000.0", "元", revenue), ("change", "1753800000000.0", "元", revenue),
                          ("change_pct", "34.6", "%", revenue)]
    points = [(r["measure"], r["value"], r["unit"]) for r in rows if r["source_line"] == "13" and r["unit"] == "百分点"]
    assert points == [("change", "-0.28", "百分点"), ("change", "-0.1", "百分点")]
    benefit = next(r for r in rows if r["value_raw"] == "1585")
    assert (benefit["unit"], benefit["period"], benefit["source_line"]) == ("元/月", "2021", "33")


def test_a_bulletin_bound_is_a_target(tuning):
    project, _, _ = tuning
    bound = next(r for r in _observations(project, "guangyuan_2020_bulletin") if r["value_raw"] == "4.0")
    assert (bound["measure"], bound["qualifier"], bound["indicator_zh"], bound["source_line"]) == (
        "target", "<=", "城镇登记失业率", "39")


def test_doubt_is_set_aside_with_the_reason(tuning):
    project, _, stdout = tuning
    aside = {(r["source_line"], r["cell_text"]): r["reason"] for r in _unparsed(project, "national_14fyp_hrss")
             if r["table_id"] == "text"}
    assert aside[("5", "3.6%")].startswith("a range (3.6%—4.24%)")
    sichuan = [r["reason"] for r in _unparsed(project, "sichuan_14fyp") if r["cell_text"] in ("27项", "14项")]
    assert sichuan == ["counts the document's own indicators (指标…项), not a statistic"] * 2
    assert "national_14fyp_hrss: 32 figures taken, 11 set aside" in stdout
    assert "       1  a range: two bounds, not one figure" in stdout


def test_no_schema_failure_comes_from_the_extractor(tuning):
    """Two figures on one line that the schema could not tell apart are never both published."""
    project, _, _ = tuning
    with open(project / "data" / "clean" / "observations.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    keys = [(r["doc_id"], r["table_id"], r["region"], r["indicator_id"] or r["indicator_zh"], r["period"],
             r["measure"], r["basis"], r["source_line"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_the_schema_suite_passes_on_what_the_extractor_wrote(tuning):
    project, _, _ = tuning
    env = {**__import__("os").environ, "RENSHE_ROOT": str(project), "GX_ANALYTICS_ENABLED": "False"}
    result = __import__("subprocess").run([sys.executable, "-m", "renshe.cli", "validate"], cwd=project, env=env,
                                          capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    with open(project / "data" / "clean" / "checks.csv", encoding="utf-8-sig") as handle:
        schema = [row for row in csv.DictReader(handle) if row["rule_type"] == "schema"]
    assert schema and all(row["status"] == "pass" for row in schema), [r for r in schema if r["status"] != "pass"]
