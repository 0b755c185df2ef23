"""The grid's warm workers: one kernel per worker runs page after page, and no page sees another's
variables or depends on the order; the report data is read once per process."""
from __future__ import annotations

import nbformat
import pytest

from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths
from renshe.publish import batch, report


def _notebook(path, *sources: str) -> None:
    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "renshe", "display_name": "Python (renshe)", "language": "python"}
    parameters = nbformat.v4.new_code_cell("label = 'none'")
    parameters.metadata["tags"] = ["parameters"]
    book.cells = [parameters, *(nbformat.v4.new_code_cell(source) for source in sources)]
    nbformat.write(book, path)


def _printed(page) -> str:
    return "".join(output.get("text", "") for cell in nbformat.read(page, as_version=4).cells
                   for output in cell.get("outputs", []))


@pytest.mark.slow
def test_pages_on_one_warm_worker_do_not_see_each_other(project_copy):
    paths = ProjectPaths.at(project_copy)
    _notebook(paths.notebooks / "leak.ipynb", "secret = 42\nimport json as leaked_module\nprint('set', label)")
    _notebook(paths.notebooks / "probe.ipynb",
              "print('secret' in globals(), 'leaked_module' in globals(), label)")
    runs = [batch.Run("leak.ipynb", f"leak-{n}.ipynb", "test", "leak", (("label", f"leak {n}"),)) for n in range(2)]
    runs.append(batch.Run("probe.ipynb", "probe.ipynb", "test", "probe", (("label", "probe"),)))
    result = batch.run_notebooks(paths, runs, jobs=1, progress=False)  # one worker: one kernel for all three
    assert result.exit_code == 0
    pages = paths.site / "pages"
    assert _printed(pages / "probe.ipynb") == "False False probe\n"
    assert _printed(pages / "leak-1.ipynb") == "set leak 1\n"
    for page in ("leak-0.ipynb", "leak-1.ipynb", "probe.ipynb"):  # each page counts its cells from 1
        cells = [c for c in nbformat.read(pages / page, as_version=4).cells if c.cell_type == "code"]
        assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    assert not list(pages.glob(".running-*"))


def test_report_data_is_read_once_per_process_and_again_when_a_file_changes(project_copy):
    paths = ProjectPaths.at(project_copy)
    run_extract(paths)
    first, second = report.load_report_data(paths.root), report.load_report_data(paths.root)
    assert first is not second and first.shared is second.shared  # one load, a view for each page
    assert len(first.observations) == 559 and first.checks is None
    first.observations["value"] = 0.0  # a page changing its view ...
    first.codebook[0]["id"] = "changed"
    assert second.observations["value"].max() > 1e8  # ... does not change the next page's
    assert second.codebook[0]["id"] != "changed"
    assert report.load_report_data(paths.root).observations["value"].max() > 1e8
    checks = paths.clean / "checks.csv"
    checks.write_text("check_id,rule_id,rule_type,severity,status,regions,indicator_id,message\n"
                      "r#1,r,consistency,error,pass,衢州市,urban_new_jobs,衢州市 urban_new_jobs\n", encoding="utf-8")
    reread = report.load_report_data(paths.root)
    assert reread.shared is not first.shared and len(reread.checks) == 1
    assert list(report.checks_involving(reread, region="衢州市", indicator_id="urban_new_jobs")["check_id"]) == ["r#1"]
    assert report.checks_involving(reread, region="绍兴市").empty


def test_checks_are_indexed_by_the_regions_and_ids_they_name_as_a_search_finds_them(project_copy):
    """The lookups the pages and the build's fingerprints use give the rows a search of every
    check's text gives, on the real checks: every region, every indicator id."""
    import re

    import pandas as pd

    from renshe.checks.validate import run_validation
    from renshe.publish.mentions import names_index, token_pattern, tokens_index

    paths = ProjectPaths.at(project_copy)
    run_extract(paths)
    run_validation(paths)
    data = report.load_report_data(paths.root)
    text = pd.Series(data.checks.astype(str).agg(" | ".join, axis=1).tolist(), dtype=object)
    regions = report.valid_regions(data)
    by_name, by_token = names_index(text, regions), tokens_index(text)
    for region in regions:
        searched = list(text.index[text.str.contains(re.escape(region), regex=True)])
        assert by_name.get(region, []) == searched, region
    assert len(by_name["衢州市"]) >= 20 and set(by_name["越城区"]) <= set(by_name["绍兴市"]) | set(by_name["越城区"])
    for indicator in report.valid_indicators(data):
        searched = list(text.index[text.str.contains(token_pattern(indicator), regex=True)])
        assert by_token.get(indicator, []) == searched, indicator
    # a name inside a longer name is found too, as a search finds it
    assert names_index(["全国人大 衢州市区", "x"], ["全国", "衢州市", "衢州市区"]) == {
        "全国": [0], "衢州市": [0], "衢州市区": [0]}
    assert tokens_index(["urban_new_jobs_total urban_new_jobs"])["urban_new_jobs"] == [0]
    assert "urban_new_jobs" not in tokens_index(["urban_new_jobs_total"])
