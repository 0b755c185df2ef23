"""Acceptance: the six hold-out documents of tests/fixtures/acceptance (PDF, Word, web page, text;
Hunan, Nanning, national news report, Qingdao, Wangkui, Jiangxi), each added with `renshe add FILE`
alone into a copy of the project and built with `renshe build`, scored against their answers
(tests/acceptance_scoring.py).

Reached on 2026-12-04 (branch accept, before any fix): 75/122 figures right (61.5%; tables 23/59),
0 wrong ids, 0 empty units, 0 invented, the build never stopped. What fails: the news report of the
national bulletin is credited to 资源县 (a county name found inside 人力资源) with 去年 as 2022;
rows naming cities/districts in a yearbook table and a 1-9月 district table are credited to the
document's region (and the district table gets the year, not 2023-01/09), so 22 same_figure_twice
checks fail on figures that do not disagree. The issues' targets are >= 95% right, none wrong: not
reached; the threshold below is what the project reaches today, so a regression fails.
After the fix "人社部 names the nation" (renshe add no longer credits the news report to 资源县):
84/122 right (68.9%; tables 29/59), 0 wrong ids, 0 empty units, 0 invented; 去年 still read as 2022
in the news report (its printed date 2024年06月13日 is not taken as `published`).
"""
from __future__ import annotations

import pytest

import acceptance_scoring as scoring

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    root = scoring.copy_project(tmp_path_factory.mktemp("acceptance") / "project")
    refused: list[str] = []
    ids = scoring.add_all(root, scoring.FIXTURES, refused)
    build = scoring.run(root, "build")
    return build, scoring.score_project(root, ids, scoring.FIXTURES), refused


def test_no_document_stops_the_build(scored):
    build, scores, _ = scored
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    assert len(scores) == 6


def test_no_empty_unit_and_no_wrong_indicator_id(scored):
    _, scores, _ = scored
    assert [s.empty_units for s in scores if s.empty_units] == []
    assert [s.wrong_ids for s in scores if s.wrong_ids] == []


def test_right_figure_rate(scored):
    _, scores, _ = scored
    right, total = sum(s.right for s in scores), sum(s.figures for s in scores)
    assert total == 122
    assert right / total >= 0.68, [s.line() for s in scores]
    # the documents that read fully right stay so
    assert {s.document for s in scores if s.right == s.figures} >= {
        "hunan_2022_bulletin.pdf", "nanning_2022_communique.docx", "wangkui_2023_action_plan.docx"}
