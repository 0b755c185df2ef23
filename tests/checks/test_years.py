"""Checks across years, levels and editions on a corpus the rules were not written against
(tests/fixtures/years/, described in its corpus.yaml): national bulletins 2011-2013 with a
corrected re-issue of 2012, one deliberate inconsistency and one revision by a later document;
四川省 and 成都市 2022 (a city holding well over a third of its province's insured workers).

Each project is built in a temporary folder and run as a user runs it (extract, validate)."""
from __future__ import annotations

import pandas as pd
import pytest

import years_corpus
from renshe.build import validation_counts
from renshe.checks.changes import changes_partial, load_changes
from renshe.checks.validate import run_validation
from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths


def _run(paths: ProjectPaths):
    run_extract(paths)
    return run_validation(paths)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = years_corpus.make_project(tmp_path_factory.mktemp("years") / "project")
    paths = ProjectPaths.at(root)
    results = _run(paths)
    return paths, results


@pytest.fixture(scope="module")
def checks(project) -> pd.DataFrame:
    return project[1].checks.astype({"sources": str, "message": str})


def _one(frame: pd.DataFrame, **match) -> pd.Series:
    for column, value in match.items():
        frame = frame[frame[column] == value]
    assert len(frame) == 1, (match, frame[["rule_id", "regions", "periods", "sources"]])
    return frame.iloc[0]


def test_every_stated_change_is_checked_against_the_previous_year(checks):
    implied = checks[checks["rule_id"] == "implied_previous_level"]
    # five stated changes in each of 2012 and 2013; each against the bulletin of the year before
    pairs = {(row.indicator_id, row.periods) for row in implied.itertuples()}
    indicators = {"employed_persons", "urban_employed_persons", "employee_pension_participants",
                  "unemployment_insurance_participants", "work_injury_insurance_participants"}
    assert pairs == {(i, p) for i in indicators for p in ("2012 → 2011", "2013 → 2012")}
    employed = _one(implied, indicator_id="employed_persons", periods="2012 → 2011")
    # 76704万 − 284万 = 76420万, the 2011 bulletin's figure; tolerance: three half-units of 万
    assert (employed["value_a"], employed["value_b"], employed["status"]) == (764200000.0, 764200000.0, "pass")
    assert employed["tolerance"] == pytest.approx(15000)
    assert employed["sources"] == "national_2012_bulletin_corrected:5; national_2011_bulletin:5"


def test_the_deliberate_inconsistency_fails_citing_both_sources(checks):
    failed = checks[checks["status"] == "fail"]
    assert len(failed) == 1  # nothing else: no band, no other period, no other year
    row = failed.iloc[0]
    assert (row["rule_id"], row["indicator_id"], row["periods"]) == (
        "implied_previous_level", "unemployment_insurance_participants", "2013 → 2012")
    assert row["value_a"] == pytest.approx(151250000) and row["value_b"] == pytest.approx(152250000)
    assert row["sources"] == "national_2013_bulletin:17; national_2012_bulletin_corrected:13"
    assert "16417" in row["source_text"] and "1292" in row["source_text"] and "15225" in row["source_text"]


def test_implied_previous_levels_are_derived_rows_citing_both_lines(project):
    paths, _ = project
    implied = pd.read_csv(paths.clean / "implied.csv", dtype={"sources": str, "period": str})
    employed = implied[(implied["indicator_id"] == "employed_persons") & (implied["period"] == "2011")]
    assert len(employed) == 1
    row = employed.iloc[0]
    assert row["value"] == pytest.approx(764200000) and bool(row["derived"]) and row["how"] == "change"
    assert (row["low"], row["high"]) == (pytest.approx(764190000), pytest.approx(764210000))
    assert row["sources"] == "national_2012_bulletin_corrected:5"  # level and change on one line
    pension = implied[(implied["indicator_id"] == "employee_pension_participants") & (implied["period"] == "2012")]
    assert list(pension["how"]) == ["change"]  # a stated change wins over the rate beside it
    observations = pd.read_csv(paths.clean / "observations.csv", dtype={"period": str})
    assert not ((observations["indicator_id"] == "employed_persons") & (observations["period"] == "2011")
                & (observations["doc_id"] != "national_2011_bulletin")).any()  # never a printed figure


def test_a_stated_growth_rate_against_the_previous_bulletins_level(checks):
    growth = _one(checks, rule_id="growth_rate_vs_previous_document")
    assert growth["indicator_id"] == "employee_pension_participants" and growth["status"] == "pass"
    assert growth["computed"] == pytest.approx(100 * (32218 - 30427) / 30427)
    assert growth["sources"] == "national_2013_bulletin:15; national_2012_bulletin_corrected:11"


def test_a_later_documents_other_figure_is_a_revision(checks):
    revision = _one(checks, rule_id="revisions_across_documents", assessment="revision")
    assert (revision["indicator_id"], revision["periods"], revision["status"]) == ("urban_new_jobs", "2012", "warn")
    assert (revision["value_a"], revision["value_b"]) == (12660000.0, 12680000.0)
    assert revision["sources"] == "national_2012_bulletin_corrected:7; national_2013_bulletin:11"
    assert "revised by national_2013_bulletin (2014-05-28)" in revision["message"]


def test_the_corrected_edition_is_published_and_its_revision_marked(checks):
    editions = checks[checks["rule_id"] == "edition_revisions"]
    revised = _one(editions, assessment="revision")
    assert revised["indicator_id"] == "work_injury_insurance_participants"
    assert "revised in the edition of 2013-06-20: 19100万人 → 19010万人" in revised["message"]
    assert (editions["assessment"] == "agrees").sum() == len(editions) - 1
    # no other check reads the superseded edition: its 19100万 would have contradicted 2011's level
    others = checks[(checks["rule_id"] != "edition_revisions") & (checks["rule_type"] != "schema")]
    assert not others["sources"].str.contains("national_2012_bulletin:", regex=False).any()


def test_a_dominant_city_is_judged_against_its_population_share(checks):
    shares = checks[checks["rule_id"] == "city_share_of_province"]
    pension = _one(shares, indicator_id="employee_pension_participants")
    assert (pension["status"], pension["assessment"]) == ("pass", "within expected range")
    assert pension["computed"] == pytest.approx(100 * 1138 / 2989)  # 38%: above a third
    assert "25.40% of 四川省's population" in pension["message"]
    nesting = checks[checks["rule_id"] == "city_within_province"]
    assert set(nesting["status"]) == {"pass"} and len(nesting) == 3  # same year only: 2022 / 2022


def test_no_pair_across_periods_or_years(checks):
    """成都's September 2023 stock is never compared with 四川's 2022 year-end, nor 四川's 2022
    year-end with the nation's March 2023 (the issue's two false findings)."""
    paired = checks[checks["rule_type"].isin(["level_nesting", "share_of_parent"]) & (checks["regions"] != "")]
    assert set(paired["periods"]) == {"2022"}
    assert set(paired["regions"]) == {"成都市 / 四川省"}
    assert not checks["sources"].str.contains("chengdu_2022_bulletin:13", regex=False).any()
    assert not checks["sources"].str.contains("national_2023q1_briefing", regex=False).any()


def test_an_edition_must_name_a_registered_document(tmp_path):
    from renshe.errors import RensheError
    from renshe.ingest.documents import load_registry

    root = years_corpus.make_project(tmp_path / "project", ["national_2011_bulletin"])
    registry = root / "data" / "sources.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace(
        "published: '2012-06-04'", "published: '2012-06-04'\n  supersedes: national_2010_bulletin"), encoding="utf-8")
    with pytest.raises(RensheError) as caught:
        load_registry(ProjectPaths.at(root))
    assert "document national_2011_bulletin: supersedes 'national_2010_bulletin', which is not another registered " \
           "doc_id" in str(caught.value)
    assert "sources.yaml:" in str(caught.value)


def test_release_log_no_change_then_exactly_the_reissued_figure(tmp_path):
    root = years_corpus.make_project(tmp_path / "project")
    paths = ProjectPaths.at(root)
    first = _run(paths)
    assert first.release.summary() == "first release: 47 published figures (data/clean/changes.csv)"
    assert changes_partial(paths).startswith("The first release of this corpus: 47 published figures")
    second = _run(paths)  # nothing changed
    assert second.release.summary() is None and load_changes(paths).empty
    assert changes_partial(paths).startswith("The last build changed no published figure")
    # a corrected edition of the 2013 bulletin: the one wrong change (1292万) printed right (1192万)
    text = (years_corpus.FIXTURES / "national_2013_bulletin.txt").read_text(encoding="utf-8")
    fixed = text.replace("比上年末增加1292万人", "比上年末增加1192万人")
    corpus = years_corpus.corpus()
    corpus["documents"].append({**next(e for e in corpus["documents"] if e["doc_id"] == "national_2013_bulletin"),
                                "doc_id": "national_2013_bulletin_v2", "published": "2014-06-20",
                                "supersedes": "national_2013_bulletin"})
    years_corpus.write_registry(root, [e["doc_id"] for e in corpus["documents"]],
                                texts={"national_2013_bulletin_v2": fixed}, entries=corpus["documents"])
    third = _run(paths)
    changes = load_changes(paths)
    figures = changes[changes["kind"] == "figure"]
    assert len(figures) == 1
    row = figures.iloc[0]
    assert (row["change"], row["indicator_id"], row["period"], row["measure"]) == (
        "changed", "unemployment_insurance_participants", "2013", "change")
    assert (row["before"], row["after"]) == ("1292万人", "1192万人")
    assert row["cause"] == ("document re-issued: national_2013_bulletin_v2 supersedes national_2013_bulletin "
                            "(edition of 2014-06-20)")
    assert third.release.summary().startswith("published figures changed: 0 added, 0 removed, 1 changed; 2 check results changed")
    page = changes_partial(paths)  # the "What changed" page's body
    assert "| changed | national_2013_bulletin_v2 | 全国 | unemployment_insurance_participants | 2013 | change | " \
           "1292万人 | 1192万人 |" in page
    # the check it corrected is reported too, with the same cause
    fixed_check = _one(changes[changes["kind"] == "check"], measure="implied_previous_level", change="changed")
    assert (fixed_check["before"], fixed_check["after"]) == ("fail (disagrees)", "pass (agrees)")
    # re-issued in place (same doc_id, other bytes): the cause says so
    years_corpus.write_registry(root, [e["doc_id"] for e in corpus["documents"]],
                                texts={"national_2013_bulletin_v2": fixed.replace("1310万人", "1311万人")},
                                entries=corpus["documents"])
    run_extract(paths)
    summary = validation_counts(str(root))  # what `renshe build` prints after "validate:"
    assert summary.splitlines()[1] == ("published figures changed: 0 added, 0 removed, 1 changed; "
                                       "1 check results changed (data/clean/changes.csv)")
    figures = load_changes(paths).query("kind == 'figure'")
    assert list(figures["detail"]) == ["urban_new_jobs 全国 2013 (actual): 1310万人 → 1311万人"]
    assert list(figures["cause"]) == ["document re-issued: national_2013_bulletin_v2 (sha256 changed)"]
    # the one check it changed: the edition now revises 1310万 (the first edition) to 1311万
    check = load_changes(paths).query("kind == 'check'").iloc[0]
    assert (check["measure"], check["before"], check["after"]) == ("edition_revisions", "pass (agrees)", "warn (revision)")


def test_the_series_across_documents_keeps_printed_implied_and_revised_apart(project):
    from renshe.checks.series import series

    paths, _ = project
    jobs = series(paths, "全国", "urban_new_jobs")
    assert list(zip(jobs["period"], jobs["kind"], jobs["value"])) == [
        ("2011", "printed", 12210000.0), ("2012", "printed", 12680000.0), ("2012", "revised", 12660000.0),
        ("2013", "printed", 13100000.0)]
    assert jobs.loc[2, "revised_by"] == "national_2013_bulletin"
    employed = series(paths, "全国", "employed_persons")
    implied = employed[employed["kind"] == "implied"]
    # 2010 from the 2011 bulletin (76420 − 315), 2011 and 2012 from the next bulletins
    assert list(implied["period"]) == ["2010", "2011", "2012"]
    assert implied["value"].tolist() == [761050000.0, 764200000.0, 767040000.0]
    assert list(employed[employed["kind"] == "printed"]["period"]) == ["2011", "2012", "2013"]
