"""`renshe extract` on a copy of the project: the files it writes and the analyst API."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import renshe
from conftest import edit_raw_line, folder_state
from renshe import cli
from renshe.paths import ProjectPaths
from renshe.schema import OBSERVATION_COLUMNS, UNPARSED_COLUMNS

STRING_COLUMNS = [c for c in OBSERVATION_COLUMNS if c not in ("value", "source_line", "source_page")]
TABLE_FILES = {
    "zhejiang_14fyp__zhuanlan1.csv", "zhejiang_14fyp__zhuanlan2.csv", "zhejiang_14fyp__tasks.csv",
    "quzhou_14fyp__table1.csv", "quzhou_14fyp__table2.csv", "quzhou_14fyp__annex1.csv",
    "quzhou_14fyp__annex2.csv", "shaoxing_2023_action_plan__districts.csv",
}
BOM = b"\xef\xbb\xbf"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "renshe.cli", *args], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """One `renshe extract` over the whole project copy (the slow step, run once)."""
    from conftest import copy_project

    root = copy_project(tmp_path_factory.mktemp("extract") / "project")
    result = run_cli("--root", str(root), "extract")
    assert result.returncode == 0, result.stderr
    return ProjectPaths.at(root), result


def test_extract_prints_cells_per_table(extracted):
    _, result = extracted
    lines = {tuple(line.split()[:2]): line.split()[2:] for line in result.stdout.splitlines() if line}
    assert lines[("zhejiang_14fyp", "zhuanlan1")][:3] == ["47", "47", "4"]
    assert lines[("shaoxing_2023_action_plan", "districts")][:3] == ["119", "119", "1"]
    assert lines[("quzhou_14fyp", "annex1")][:3] == ["0", "0", "56"]
    assert "wrote" in result.stdout


def test_extract_writes_every_output(extracted):
    paths, _ = extracted
    written = {p.name for p in paths.clean.iterdir()}
    assert {"observations.parquet", "observations.csv", "unparsed.csv", "unmapped.csv",
            "extract_summary.csv", "tables", "text", "left_out.csv"} <= written
    for document in ("zhejiang_2023_bulletin", "quzhou_14fyp"):  # the lines as read, source_line's numbering
        lines = (paths.clean / "text" / f"{document}.txt").read_text("utf-8").splitlines()
        assert lines == (paths.raw / f"{document}.txt").read_text("utf-8").splitlines()
    assert {p.name for p in (paths.clean / "tables").iterdir()} == TABLE_FILES
    for name in ("observations.csv", "unparsed.csv", "unmapped.csv", "extract_summary.csv"):
        assert (paths.clean / name).read_bytes().startswith(BOM), name
    assert (paths.clean / "tables" / "shaoxing_2023_action_plan__districts.csv").read_bytes().startswith(BOM)


def test_parquet_has_the_contract_columns_and_dtypes(extracted):
    paths, _ = extracted
    frame = pd.read_parquet(paths.clean / "observations.parquet")
    assert list(frame.columns) == OBSERVATION_COLUMNS
    assert frame["value"].dtype == "float64" and frame["source_line"].dtype == "int64"
    assert frame["source_page"].dtype == "int64" and set(frame["source_page"]) == {0}  # the seeds are .txt
    for column in STRING_COLUMNS:
        assert pd.api.types.is_string_dtype(frame[column]), column
    tables = frame[frame.table_id != "text"]
    assert len(tables) == 270
    assert tables.groupby("table_id").size().to_dict() == {
        "zhuanlan1": 47, "zhuanlan2": 32, "table1": 39, "table2": 33, "districts": 119}


def test_csv_matches_parquet(extracted):
    paths, _ = extracted
    parquet = pd.read_parquet(paths.clean / "observations.parquet")
    csv = pd.read_csv(paths.clean / "observations.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(csv.columns) == OBSERVATION_COLUMNS and len(csv) == len(parquet)
    total = csv[(csv.table_id == "districts") & (csv.region == "绍兴市") & (csv.indicator_zh == "发放创业担保贷款金额")]
    assert total[["value", "unit", "value_raw", "unit_raw", "source_line"]].values.tolist() == [
        ["100000000.0", "元", "10000", "万元", "161"]]


def test_unparsed_csv_lists_every_set_aside_cell(extracted):
    paths, _ = extracted
    unparsed = pd.read_csv(paths.clean / "unparsed.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(unparsed.columns) == UNPARSED_COLUMNS
    table_cells = unparsed[unparsed.table_id != "text"]
    assert len(table_cells) == 4 + 25 + 30 + 3 + 24 + 56 + 9 + 1
    assert (table_cells.reason != "").all()
    merged = table_cells[table_cells.column == "东西部劳务协作"]
    assert merged[["region", "cell_text", "source_line"]].values.tolist() == [
        ["越城区", "不低于上年目标数且按对口当年下达目标执行", "155"]]


def test_wide_csv_mirrors_the_printed_table(extracted):
    paths, _ = extracted
    wide = pd.read_csv(paths.clean / "tables" / "quzhou_14fyp__table1.csv", encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)
    assert list(wide.columns) == ["source_line", "指标名称", "2015年基数", "“十三五”目标", "完成数"]
    assert wide.iloc[1].tolist() == ["79", "1.城镇新增就业（万人次）", "14.73", "10", "25.22"]
    assert wide.iloc[12].tolist() == ["90", "10.高中初级专业技术人才比例（%）", "7: 26: 67", "8: 27: 65", "8: 27: 65"]


def test_load_observations(extracted):
    paths, _ = extracted
    frame = renshe.load_observations(paths.root)
    assert list(frame.columns) == OBSERVATION_COLUMNS
    assert frame["value"].dtype == "float64" and frame["source_line"].dtype == "int64"
    assert frame["source_page"].dtype == "int64" and set(frame["source_page"]) == {0}  # the seeds are .txt
    assert frame["period"].dtype == "string"
    row = frame[(frame.table_id == "zhuanlan1") & (frame.indicator_zh == "城镇登记失业率")
                & (frame.measure == "target")].iloc[0]
    assert (row.value, row.unit, row.qualifier, row.period, row.source_line) == (3.5, "%", "<=", "2020", 57)


def test_load_observations_before_extract(project_copy):
    with pytest.raises(FileNotFoundError, match="renshe extract"):
        renshe.load_observations(project_copy)


def test_extract_selected_documents_into_another_folder(project_copy, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["--root", str(project_copy), "extract", "--docs", "quzhou_14fyp", "--out", str(out)]) == 0
    frame = pd.read_parquet(out / "observations.parquet")
    assert set(frame.doc_id) == {"quzhou_14fyp"}
    assert {p.name for p in (out / "tables").iterdir()} == {
        "quzhou_14fyp__table1.csv", "quzhou_14fyp__table2.csv", "quzhou_14fyp__annex1.csv",
        "quzhou_14fyp__annex2.csv"}
    assert not ProjectPaths.at(project_copy).clean.exists() or not any(ProjectPaths.at(project_copy).clean.iterdir())
    assert "quzhou_14fyp" in capsys.readouterr().out


def test_cli_reports_bad_input_and_writes_nothing(project_copy, capsys):
    """Invalid input as a whole (a document whose bytes changed) stops the extraction, named."""
    paths = ProjectPaths.at(project_copy)
    before = folder_state(paths.clean)
    path = edit_raw_line(project_copy, "quzhou_14fyp", 82, "\t178\t", "\t", update_hash=False)
    assert cli.main(["--root", str(project_copy), "extract"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("renshe: error: ") and str(path) in error and "sha256" in error
    assert folder_state(paths.clean) == before


def test_cli_warns_on_a_table_not_read_and_strict_fails_after_writing(project_copy, capsys):
    """Bad content (a row with a cell missing) never stops the extraction: the table is reported
    as not read, its figures set aside; --strict turns the warning into exit code 1."""
    paths = ProjectPaths.at(project_copy)
    edit_raw_line(project_copy, "quzhou_14fyp", 82, "\t178\t", "\t")
    assert cli.main(["--root", str(project_copy), "extract"]) == 0
    captured = capsys.readouterr()
    assert "quzhou_14fyp: 68 figures taken, 137 set aside, 3 tables read, 1 not read" in captured.out
    assert captured.err.startswith("warning: quzhou_14fyp: 1 table(s) not read") and "3 cells" in captured.err
    assert (paths.clean / "observations.parquet").is_file()
    (paths.clean / "observations.parquet").unlink()
    assert cli.main(["--root", str(project_copy), "extract", "--strict"]) == 1
    assert "--strict: 1 document warning(s)" in capsys.readouterr().err
    assert (paths.clean / "observations.parquet").is_file()  # written before the exit code


@pytest.mark.slow
def test_clean_notebook_runs_with_a_document_selection(project_copy, tmp_path):
    """notebooks/01_clean.ipynb top to bottom with papermill, as the build and analysts run it."""
    import papermill

    executed = tmp_path / "01_clean.out.ipynb"
    papermill.execute_notebook(
        str(project_copy / "notebooks" / "01_clean.ipynb"), str(executed), kernel_name="renshe",
        parameters={"docs": '["quzhou_14fyp"]'}, cwd=str(project_copy / "notebooks"), progress_bar=False)
    target = project_copy / "data" / "interim" / "clean-quzhou_14fyp"
    frame = pd.read_parquet(target / "observations.parquet")
    assert set(frame.doc_id) == {"quzhou_14fyp"}
    assert not (project_copy / "data" / "clean").exists()  # a selection never replaces the full dataset
    text = executed.read_text(encoding="utf-8")
    assert "表 1 “十三五”全市人力资源和社会保障事业发展主要成就" in text and "annex2" in text
