"""`renshe codebook suggest` and `renshe codebook accept`: from an unmapped phrase to an alias."""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from renshe.errors import RensheError
from renshe.ingest.aliases import accept_alias
from renshe.ingest.codebook import load_codebook
from renshe.ingest.suggest import run_suggest
from renshe.paths import ProjectPaths

# A bulletin that is not one of the five documents, in the usual provincial phrasing (written
# for this test): its figures must find their indicators without a codebook edit, but one.
NEW_BULLETIN = """2024年度浙江省人力资源和社会保障事业发展统计公报（摘编）

一、就业

全年全省城镇新增就业88.6万人，失业人员实现再就业21.4万人，帮扶困难人员就业6.2万人。年末全省城镇登记失业人员23.8万人，城镇登记失业率为2.41%。

二、社会保险

全年三项社会保险基金收入合计4876.5亿元。年末基本养老保险基金累计结存6103.2亿元。年末全省领取失业保险金的失业人员15.2万人。
"""


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "renshe.cli", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=600)


def _register(root: Path, doc_id: str, text: str) -> None:
    """Add a document as a user would: the file, its registry entry, its text sections."""
    raw = root / "data" / "raw" / f"{doc_id}.txt"
    raw.write_text(text, encoding="utf-8")
    registry = root / "data" / "sources.yaml"
    entry = (f"  - doc_id: {doc_id}\n    file: data/raw/{doc_id}.txt\n    title:\n      zh: {text.splitlines()[0]}\n"
             f"      en: Zhejiang bulletin 2024 (excerpt)\n    issuer: 浙江省人力资源和社会保障厅\n    level: province\n"
             f"    region: 浙江省\n    region_code: \"330000\"\n    doc_type: statistical_bulletin\n    published: null\n"
             f"    reference_period: \"2024\"\n    script: hans\n    sha256: {hashlib.sha256(raw.read_bytes()).hexdigest()}\n")
    lines = registry.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("documents:\n")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"[^\s#]", lines[i])), len(lines))
    while not lines[end - 1].strip() or lines[end - 1].startswith("#"):  # they belong to the next key
        end -= 1
    registry.write_text("".join(lines[:end] + [entry] + lines[end:]), encoding="utf-8")
    sections = root / "data" / "text_sections.yaml"
    content = sections.read_text(encoding="utf-8")
    sections.write_text(content.replace("documents:\n", f"documents:\n  {doc_id}:\n    measure: actual\n"
                                                       f"    default_period: \"{{year}}\"\n    sections: all\n", 1),
                        encoding="utf-8")


def _ids(root: Path, doc_id: str) -> dict[str, str]:
    obs = pd.read_csv(root / "data" / "clean" / "observations.csv", dtype=str, keep_default_na=False)
    obs = obs[obs.doc_id == doc_id]
    return dict(zip(obs.value_raw + obs.unit_raw, obs.indicator_id))


def test_a_new_document_joins_the_codebook_and_one_phrase_is_accepted(project_copy):
    root = project_copy
    _register(root, "zhejiang_2024_excerpt", NEW_BULLETIN)
    extracted = _cli(root, "extract")
    assert extracted.returncode == 0, extracted.stderr
    # every figure but one gets its id by meaning: none of these phrasings is an alias
    assert _ids(root, "zhejiang_2024_excerpt") == {
        "88.6万人": "urban_new_jobs", "21.4万人": "reemployment_of_unemployed", "6.2万人": "hard_to_employ_placed",
        "23.8万人": "registered_unemployed_persons", "2.41%": "registered_unemployment_rate",
        "4876.5亿元": "three_funds_revenue", "6103.2亿元": "pension_fund_balance", "15.2万人": ""}
    unmapped = pd.read_csv(root / "data" / "clean" / "unmapped.csv", dtype=str, keep_default_na=False)
    row = unmapped[unmapped.doc_id == "zhejiang_2024_excerpt"].iloc[0]
    assert (row.indicator_zh, row.unit, row.first_source_line) == ("领取失业保险金的失业人员", "人", "9")
    assert row.why == "best is unemployment_benefit_recipients_year_end at 0.53, below 0.70"
    assert row.suggestions.startswith("unemployment_benefit_recipients_year_end 0.53: similar to alias 领取失业保险金人数")

    suggested = _cli(root, "codebook", "suggest", "--docs", "zhejiang_2024_excerpt")
    assert suggested.returncode == 0, suggested.stderr
    assert suggested.stdout.splitlines()[2] == "领取失业保险金的失业人员  [人; 1 observation(s): zhejiang_2024_excerpt:9]"
    # 0.53 is below the matching threshold: no ready-made accept command, the way to override is named
    assert "accept: renshe codebook accept" not in suggested.stdout
    assert "no accept proposed: 0.53 is below the matching threshold 0.70" in suggested.stdout

    codebook = root / "data" / "codebook.yaml"
    before = codebook.read_text(encoding="utf-8").splitlines()
    refused = _cli(root, "codebook", "accept", "领取失业保险金的失业人员", "unemployment_benefit_recipients_year_end")
    assert refused.returncode == 2 and codebook.read_text(encoding="utf-8").splitlines() == before
    assert "below its threshold 0.70" in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    accepted = _cli(root, "codebook", "accept", "领取失业保险金的失业人员", "unemployment_benefit_recipients_year_end",
                    "--force")
    assert accepted.returncode == 0, accepted.stderr
    assert "--force: the matcher scores" in accepted.stdout
    after = codebook.read_text(encoding="utf-8").splitlines()
    changed = [(i + 1, old, new) for i, (old, new) in enumerate(zip(before, after)) if old != new]
    assert len(after) == len(before) and len(changed) == 1  # one line edited, comments and layout kept
    line, old, new = changed[0]
    assert new == old.replace("]", ", 领取失业保险金的失业人员]")
    assert f"{codebook}:{line}" in accepted.stdout

    # suggest reads the codebook as it is now: the phrase is no longer listed; extract maps it
    assert "领取失业保险金的失业人员" not in _cli(root, "codebook", "suggest").stdout
    assert _cli(root, "extract").returncode == 0
    assert _ids(root, "zhejiang_2024_excerpt")["15.2万人"] == "unemployment_benefit_recipients_year_end"


def test_accept_refuses_an_alias_another_entry_claims(project_copy):
    codebook = project_copy / "data" / "codebook.yaml"
    before = codebook.read_bytes()
    # 參加失業保險人數 is, once in Simplified script, an alias of unemployment_insurance_participants
    refused = _cli(project_copy, "codebook", "accept", "參加失業保險人數", "work_injury_insurance_participants")
    assert refused.returncode == 2 and codebook.read_bytes() == before
    line = next(i for i, text in enumerate(before.decode().splitlines(), 1) if "[参加失业保险人数]" in text)
    assert refused.stderr.strip() == (f"renshe: error: {codebook}:{line}: alias '参加失业保险人数' is already "
                                      f"claimed by entry unemployment_insurance_participants")
    same = _cli(project_copy, "codebook", "accept", "參加失業保險人數", "unemployment_insurance_participants")
    assert same.returncode == 0 and "already an alias of unemployment_insurance_participants" in same.stdout
    unknown = _cli(project_copy, "codebook", "accept", "某个说法", "urban_new_job")
    assert unknown.returncode == 2 and "unknown indicator id 'urban_new_job'; did you mean urban_new_jobs" in unknown.stderr
    assert codebook.read_bytes() == before


def test_suggest_needs_extracted_observations(project_paths):
    with pytest.raises(RensheError, match="run `renshe extract` first"):
        run_suggest(project_paths)


# --- the text edit ----------------------------------------------------------------------------------

SMALL = """# a codebook with every shape of alias list
indicators:
  - id: flow_list
    name_zh: 甲人数
    name_en: Alpha   # a comment that stays
    aliases: [甲参保人数, 甲人员]
    unit: 人
    kind: stock
    additive: true

  - id: block_list
    name_zh: 乙人数
    name_en: Beta
    aliases:
      - 乙参保人数   # where it was found
      - 乙人员
    unit: 人
    kind: stock
    additive: true

  - id: no_list
    name_zh: 丙人数
    name_en: Gamma
    unit: 人
    kind: stock
    additive: true
"""


@pytest.mark.parametrize("indicator, phrase, before, after, line", [
    ("flow_list", "甲的人数", "[甲参保人数, 甲人员]", "[甲参保人数, 甲人员, 甲的人数]", 6),
    ("block_list", "乙的人数", "      - 乙人员\n", "      - 乙人员\n      - 乙的人数\n", 17),
    ("no_list", "丙的人数", "    name_en: Gamma\n", "    name_en: Gamma\n    aliases: [丙的人数]\n", 24),
    ("flow_list", "甲: 有冒号", "[甲参保人数, 甲人员]", '[甲参保人数, 甲人员, "甲: 有冒号"]', 6),  # quoted: YAML syntax
])
def test_accept_edits_the_right_list_in_place(tmp_path, indicator, phrase, before, after, line):
    path = tmp_path / "codebook.yaml"
    path.write_text(SMALL, encoding="utf-8")
    result = accept_alias(path, phrase, indicator, force=True)
    assert result.added and result.line == line
    assert path.read_text(encoding="utf-8") == SMALL.replace(before, after)  # comments and layout kept
    assert load_codebook(path).match(phrase, "人") == indicator


@pytest.mark.parametrize("empty", ["    aliases: []\n", "    aliases:\n"])
def test_accept_fills_an_empty_aliases_field(tmp_path, empty):
    path = tmp_path / "codebook.yaml"
    path.write_text(SMALL.replace("    name_en: Gamma\n", "    name_en: Gamma\n" + empty), encoding="utf-8")
    assert accept_alias(path, "丙的人数", "no_list", force=True).line == 24
    assert path.read_text(encoding="utf-8") == SMALL.replace("    name_en: Gamma\n",
                                                             "    name_en: Gamma\n    aliases: [丙的人数]\n")


def test_a_long_flow_list_goes_on_under_its_first_item(tmp_path):
    path = tmp_path / "codebook.yaml"
    long_aliases = ", ".join(f"甲的第{n}种很长的说法" for n in range(9))
    path.write_text(SMALL.replace("[甲参保人数, 甲人员]", f"[{long_aliases}]"), encoding="utf-8")
    accept_alias(path, "甲的又一种说法", "flow_list", force=True)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[5].startswith("    aliases: [甲的第0种") and lines[5].endswith(",")
    assert lines[6] == " " * len("    aliases: [") + "甲的又一种说法]"
    assert "甲的又一种说法" in load_codebook(path).entry("flow_list")["aliases"]
