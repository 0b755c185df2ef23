"""Validation built to scale: the observations' line checks run once per distinct quoted line
and are reported per observation; check rows are assembled column by column; checks.csv is
written in pieces. Each on the real documents (or a few observations altered on purpose)."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import copy_project
from renshe.checks.crosschecks import CheckInputs, prepare
from renshe.checks.crosschecks.columns import per_distinct, quote, text
from renshe.checks.schema_suite import LINES_SUITE, SCHEMA_SUITE, lines_frame, schema_frame
from renshe.checks.validate import MAX_LISTED, ValidationResults, format_results, run_validation
from renshe.ingest.extract import run_extract
from renshe.outputs import csv_bytes, write_csv
from renshe.paths import ProjectPaths

PAIR_EQUAL = "schema.expect_column_pair_values_to_be_equal:source_text_stripped,raw_line"
LINE_COUNT = "schema.expect_column_pair_values_a_to_be_greater_than_b:line_count,source_line"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("columns") / "project")
    paths = ProjectPaths.at(root)
    run_extract(paths)
    return paths


def _observations(paths: ProjectPaths) -> pd.DataFrame:
    return pd.read_parquet(paths.clean / "observations.parquet")


def test_each_quoted_line_is_checked_once(extracted):
    observations = _observations(extracted)
    frame = schema_frame(observations)
    lines = lines_frame(frame, {})
    # quzhou_14fyp:82 quotes three figures of 基本养老保险参保人数 (170.69, 178, 202 万人): one line to check
    quzhou = lines[(lines["doc_id"] == "quzhou_14fyp") & (lines["source_line"] == 82)]
    assert len(quzhou) == 1
    assert len(observations[(observations["doc_id"] == "quzhou_14fyp") & (observations["source_line"] == 82)]) == 3
    assert len(lines) == len(observations[["doc_id", "source_line", "source_text"]].drop_duplicates())
    assert len(lines) < len(observations)


def test_a_misquoted_line_fails_for_every_observation_quoting_it(extracted, tmp_path):
    root = copy_project(tmp_path / "project")
    paths = ProjectPaths.at(root)
    (paths.clean).mkdir(parents=True)
    observations = _observations(extracted)
    on_line = (observations["doc_id"] == "quzhou_14fyp") & (observations["source_line"] == 82)
    observations.loc[on_line, "source_text"] = observations.loc[on_line, "source_text"] + "（改）"
    beyond = observations.index[observations["doc_id"] == "shaoxing_2023_action_plan"][0]
    observations.loc[beyond, "source_line"] = 99999
    observations.to_parquet(paths.clean / "observations.parquet", index=False)

    checks = run_validation(paths).checks.set_index("rule_id")
    misquoted = checks.loc[PAIR_EQUAL]
    assert misquoted["status"] == "fail" and misquoted["computed"] == 4.0  # three on line 82, the moved one
    assert misquoted["message"].startswith(
        "expect_column_pair_values_to_be_equal:source_text_stripped,raw_line: 4 unexpected row(s), "
        "e.g. shaoxing_2023_action_plan:99999")
    assert misquoted["sources"] == "shaoxing_2023_action_plan:99999; quzhou_14fyp:82"
    assert "[quzhou_14fyp:82] " in misquoted["source_text"] and "（改）" in misquoted["source_text"]
    outside = checks.loc[LINE_COUNT]
    assert outside["status"] == "fail" and outside["computed"] == 1.0
    assert outside["sources"] == "shaoxing_2023_action_plan:99999"
    # the other schema checks still pass, and keep their order
    schema = checks[checks["rule_type"] == "schema"]
    assert (schema["status"] == "fail").sum() == 2
    assert list(schema["check_id"][:2]) == ["schema#1", "schema#2"]
    suites = {p.stem for p in (paths.expectations / "gx" / "expectations" / "schema").glob("*.json")}
    assert suites == {SCHEMA_SUITE.split(".")[1], LINES_SUITE.split(".")[1]}


def test_sources_are_quoted_once_in_operand_order(extracted):
    inputs = CheckInputs(prepare(_observations(extracted)), {}, {}, {})
    observations = inputs.observations
    first = observations[(observations["doc_id"] == "quzhou_14fyp") & (observations["source_line"] == 82)]["order"]
    other = observations[(observations["doc_id"] == "zhejiang_14fyp") & (observations["source_line"] == 65)]["order"]
    orders = [[first.iloc[0], first.iloc[0], other.iloc[0]], [first.iloc[1], other.iloc[0], -1]]
    sources, lines = quote(inputs, orders)
    assert list(sources) == ["quzhou_14fyp:82", "quzhou_14fyp:82; zhejiang_14fyp:65", "zhejiang_14fyp:65"]
    assert lines[1].startswith("[quzhou_14fyp:82] ") and " | [zhejiang_14fyp:65] " in lines[1]
    assert lines[2].startswith("[zhejiang_14fyp:65] ") and " | " not in lines[2]


def test_words_are_made_once_per_distinct_value():
    calls = []

    def shout(word: str, times: int) -> str:
        calls.append(word)
        return word.upper() * times

    made = per_distinct(shout, pd.Series(["衢州", "绍兴", "衢州", "绍兴"]), [1, 2, 1, 1])
    assert list(made) == ["衢州", "绍兴绍兴", "衢州", "绍兴"]
    assert sorted(calls) == ["绍兴", "绍兴", "衢州"]
    assert list(text(pd.Series(["a", "b"]), " / ", ["c", "d"])) == ["a / c", "b / d"]


def test_checks_csv_written_in_pieces_is_the_same_bytes(extracted, tmp_path):
    checks = run_validation(extracted).checks
    target = tmp_path / "checks.csv"
    write_csv(checks, target, rows_per_piece=7)
    assert target.read_bytes() == csv_bytes(checks)
    write_csv(checks.iloc[0:0], target, rows_per_piece=7)
    assert target.read_bytes() == csv_bytes(checks.iloc[0:0])


def test_the_command_lists_the_first_flagged_checks_and_counts_the_rest(tmp_path):
    flagged = pd.DataFrame({"check_id": [f"r#{n}" for n in range(MAX_LISTED + 5)], "rule_id": "r",
                            "rule_type": "targets", "status": "warn", "severity": "warning",
                            "message": "behind", "sources": "quzhou_14fyp:155"})
    printed = format_results(ValidationResults(flagged, tmp_path / "rules.yaml", tmp_path))
    assert printed.count("  WARN r: behind [quzhou_14fyp:155]") == MAX_LISTED
    assert "... and 5 more flagged checks" in printed
