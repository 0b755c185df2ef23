"""The report notebooks and the papermill grid, executed for real with the `renshe` kernel."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

from renshe.publish import batch, report
from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths

REPO = Path(__file__).resolve().parents[2]
PAPERMILL = Path(sys.executable).with_name("papermill")
NOTEBOOKS = {"10_region.ipynb": ("region", "衢州市"), "20_indicator.ipynb": ("indicator_id", "urban_new_jobs"),
             "30_plan.ipynb": ("doc_id", "zhejiang_14fyp")}


@pytest.fixture
def extracted(project_copy) -> ProjectPaths:
    paths = ProjectPaths.at(project_copy)
    run_extract(paths)
    batch.ensure_kernel()
    return paths


def _outputs_text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.extend(str(value) for value in output.get("data", {}).values())
            parts.append(str(output.get("text", "")))
    return "\n".join(parts)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_is_committed_clean_with_a_parameters_cell(name):
    notebook = nbformat.read(REPO / "notebooks" / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "renshe"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    tagged = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    parameter, default = NOTEBOOKS[name]
    assert len(tagged) == 1 and f'{parameter} = "{default}"' in tagged[0].source
    # thin: every computation is a call into renshe.publish.report
    assert all("import pandas" not in cell.source and "groupby" not in cell.source for cell in code)


@pytest.mark.slow
def test_region_notebook_runs_with_papermill(extracted, tmp_path):
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(extracted.notebooks / "10_region.ipynb"), str(out),
                               parameters={"region": "衢州市"}, kernel_name="renshe",
                               cwd=str(extracted.notebooks), progress_bar=False)
    text = _outputs_text(nbformat.read(out, as_version=4))
    assert "202万人" in text and "204万人" in text and "《衢州市人社事业发展“十四五”规划》第157行" in text
    assert "4.64%" in text  # 衢州市 2020 pension participants as a share of 浙江省's 4355万
    assert "application/vnd.vegalite.v5+json" in out.read_text(encoding="utf-8")  # JupyterLab's own Vega


@pytest.mark.slow
def test_unknown_region_fails_with_the_valid_regions_from_the_papermill_cli(extracted, tmp_path):
    """As in the README: papermill notebooks/10_region.ipynb out.ipynb -p region 火星市"""
    result = subprocess.run([str(PAPERMILL), "notebooks/10_region.ipynb", str(tmp_path / "out.ipynb"),
                             "-p", "region", "火星市", "--cwd", "notebooks"],
                            cwd=extracted.root, capture_output=True, text=True)
    assert result.returncode != 0
    assert "ParameterError" in result.stderr
    assert "unknown region '火星市'; valid regions: 全国, 浙江省, 绍兴市" in result.stderr
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    # stopped at the validation cell: nothing after it ran
    ran = [cell for cell in executed.cells if cell.cell_type == "code" and cell.execution_count]
    assert "validate_region" in ran[-1].source


@pytest.mark.slow
def test_plan_notebook_runs_with_papermill(extracted, tmp_path):
    from renshe.checks.validate import run_validation

    run_validation(extracted)  # the plan page's judgement is the target-progress checks'
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(extracted.notebooks / "30_plan.ipynb"), str(out),
                               parameters={"doc_id": "zhejiang_14fyp"}, kernel_name="renshe",
                               cwd=str(extracted.notebooks), progress_bar=False)
    text = _outputs_text(nbformat.read(out, as_version=4))
    assert "已超过目标 106.46万人" in text and "《2023年度浙江省人社事业发展统计公报》第23行" in text
    assert "落后 behind" in text and "已完成 76%，差 40万人" in text
    with pytest.raises(PapermillExecutionError) as caught:
        papermill.execute_notebook(str(extracted.notebooks / "30_plan.ipynb"), str(tmp_path / "bad.ipynb"),
                                   parameters={"doc_id": "zhejiang_2023_bulletin"}, kernel_name="renshe",
                                   cwd=str(extracted.notebooks), progress_bar=False)
    assert "unknown plan document 'zhejiang_2023_bulletin'" in str(caught.value)


@pytest.mark.slow
def test_unknown_indicator_fails_with_the_valid_ids(extracted, tmp_path):
    with pytest.raises(PapermillExecutionError) as caught:
        papermill.execute_notebook(str(extracted.notebooks / "20_indicator.ipynb"), str(tmp_path / "out.ipynb"),
                                   parameters={"indicator_id": "martian_jobs"}, kernel_name="renshe",
                                   cwd=str(extracted.notebooks), progress_bar=False)
    assert "unknown indicator_id 'martian_jobs'" in str(caught.value)
    assert "urban_new_jobs" in str(caught.value)


def test_plan_runs_lists_the_whole_grid(extracted):
    data = report.load_report_data(extracted.root)
    runs = batch.plan_runs(extracted)
    kinds = [run.kind for run in runs]
    assert kinds.count("region") == 10 and kinds.count("indicator") == len(report.headline_indicators(data))
    assert kinds[:2] == ["clean", "validate"]
    assert [run.page for run in runs if run.kind == "plan"] == [
        "plan-zhejiang_14fyp.ipynb", "plan-shaoxing_2023_action_plan.ipynb", "plan-quzhou_14fyp.ipynb"]
    quzhou = next(run for run in runs if run.params.get("region") == "衢州市")
    assert quzhou.page == "region-330800.ipynb" and quzhou.notebook == "10_region.ipynb"
    jobs = next(run for run in runs if run.params.get("indicator_id") == "urban_new_jobs")
    assert jobs.page == "indicator-urban_new_jobs.ipynb" and "城镇新增就业" in jobs.title


@pytest.mark.slow
def test_grid_keeps_going_past_a_failure_and_keeps_the_error_notebook(extracted):
    runs = batch.plan_runs(extracted, regions=["越城区", "火星市"], indicators=["minimum_wage"], pipeline=False,
                           plans=[])
    result = batch.run_notebooks(extracted, runs, jobs=2, progress=False)
    assert result.exit_code == 1
    assert [r.run.name for r in result.failed] == ["region-火星市"]
    failed = result.failed[0]
    assert failed.output == extracted.site / "pages" / "failed" / "region-火星市.ipynb" and failed.output.is_file()
    assert "火星市" in failed.error and "valid regions" in failed.error
    assert "FAILED region-火星市" in result.format() and "runs succeeded" in result.format()
    pages = extracted.site / "pages"
    assert not (pages / "region-火星市.ipynb").exists()
    page = nbformat.read(pages / "region-330602.ipynb", as_version=4)
    assert page.cells[0].cell_type == "raw" and "title: 越城区 · 地区报告 Region report" in page.cells[0].source
    assert page.metadata["renshe"]["parameters"] == {"region": "越城区"}
    # 越城区 has one period only: no trend chart, a note instead
    assert "two or more periods" in _outputs_text(page)
    indicator_page = nbformat.read(pages / "indicator-minimum_wage.ipynb", as_version=4)
    assert "../assets/vega/vega-bundle.js" in _outputs_text(indicator_page)  # site charts use the bundled Vega
