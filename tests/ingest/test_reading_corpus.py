"""The reading corpus (tests/fixtures/reading): news reports of bulletins published the year after,
county communiqués with registered and resident population, half-year and 1-9月 figures, 下降
lists and the units of official statistics, each figure pinned (value, unit, period, measure, sign,
indicator). Its hold-out (tests/fixtures/reading/holdout) was written before the rules were tuned
and is scored separately (`python tests/unseen_corpus.py --corpus reading --holdout`)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import unseen_corpus  # noqa: E402

FOLDER = unseen_corpus.CORPORA["reading"]


@pytest.fixture(scope="module", params=[False, True], ids=["tuning", "holdout"])
def scored(request, tmp_path_factory):
    docs = unseen_corpus.documents(holdout=request.param, folder=FOLDER)
    project = unseen_corpus.make_project(tmp_path_factory.mktemp("reading"), docs)
    result = unseen_corpus.run_extract(project)
    assert result.returncode == 0, result.stderr
    return unseen_corpus.score(project, docs)


def test_the_corpus_covers_the_kinds_of_document():
    docs = unseen_corpus.documents(folder=FOLDER)
    assert len([d for d in docs if d.holdout]) >= 3 and len([d for d in docs if not d.holdout]) >= 5
    kinds = {d.entry["doc_type"] for d in docs}
    assert {"news_report", "statistical_communique", "press_briefing"} <= kinds
    periods = {f["period"] for d in docs for f in d.figures}
    assert {"2023-H1", "2023-06", "2022-01/09"} <= periods
    units = {f["unit"] for d in docs for f in d.figures}
    assert {"辆", "平方米", "户", "‰", "千分点", "吨", "天", "起", "张"} <= units


def test_figures_come_out_right_with_a_unit(scored):
    assert scored.right >= 0.95 * scored.figures, scored.report()
    assert scored.empty_units == 0, scored.report()




def test_no_figure_gets_a_wrong_indicator_id_and_most_get_theirs(scored):
    """Precision before recall: wrong ids / ids given is 0; at least 90% of the figures whose
    indicator the codebook has carry its id."""
    assert scored.wrong_ids == 0, scored.report()
    assert scored.mapped >= 0.9 * scored.mappable, scored.report()
