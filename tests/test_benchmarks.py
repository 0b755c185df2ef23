"""The benchmark corpora (benchmarks/corpus.py) are real projects: a grown corpus registers its
regions as the region tree requires and extracts to the real figures under its own regions; the
million-row replica keeps every figure and moves each replica to years of its own."""
from __future__ import annotations

import sys

import pandas as pd
import pytest

from conftest import REPO_ROOT
from renshe.checks.validate import run_validation
from renshe.ingest.documents import load_registry
from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from corpus import make_corpus_project, make_validation_project  # noqa: E402


@pytest.fixture(scope="module")
def grown(tmp_path_factory) -> ProjectPaths:
    target = tmp_path_factory.mktemp("grown") / "project"
    target.mkdir()
    make_corpus_project(REPO_ROOT, target, copies=3)
    paths = ProjectPaths.at(target)
    run_extract(paths)
    return paths


def test_a_grown_corpus_nests_its_own_regions_in_the_tree(grown):
    registry = load_registry(grown)  # raises on a code or parent the tree does not accept
    regions = {region.name: region for region in registry.regions}
    city = regions["绍兴甲甲乙市"]
    province = regions[city.parent]
    assert (province.name, province.level, regions["越城甲甲乙区"].parent) == ("浙江甲甲乙省", "province", city.name)
    assert regions["越城甲甲乙区"].code.startswith(city.code[:4]) and city.code.startswith(province.code[:2])
    documents = {entry.doc_id: entry for entry in registry.documents}
    assert documents["shaoxing_2023_action_plan_001"].region == "绍兴甲甲乙市"
    assert documents["national_2023q1_briefing_002"].region == "全国"  # a corpus has one nation


def test_a_grown_corpus_extracts_every_variant_under_its_own_regions(grown):
    observations = pd.read_parquet(grown.clean / "observations.parquet")
    real = observations[~observations["doc_id"].str.contains(r"_\d{3}$")]
    assert len(real) == 559  # the five documents, as the real project extracts them
    for number, tag in ((1, "甲甲乙"), (2, "甲甲丙")):
        variant = observations[observations["doc_id"].str.endswith(f"_{number:03d}")]
        assert len(variant) == len(real)
        regions = set(variant["region"])
        assert f"衢州{tag}市" in regions and f"柯桥{tag}区" in regions and f"浙江{tag}省" in regions
        assert not regions & (set(real["region"]) - {"全国"})  # no figure lands on a real region


def test_the_million_replica_moves_each_replica_to_years_of_its_own(grown, tmp_path):
    run_validation(grown)
    target = tmp_path / "million"
    target.mkdir()
    rows = make_validation_project(grown.root, target, target_rows=4000)
    observations = pd.read_parquet(target / "data" / "clean" / "observations.parquet")
    assert rows == len(observations) == 4000
    source = pd.read_parquet(grown.clean / "observations.parquet")
    replica = observations[observations["doc_id"] == "zhejiang_2023_bulletin~1"]
    original = source[source["doc_id"] == "zhejiang_2023_bulletin"]
    assert list(replica["value"]) == list(original["value"])
    years = source["period"].str.findall(r"\d{4}").explode().astype(int)
    span = years.max() - years.min() + 1
    shifted = original["period"].str.replace(r"\d{4}", lambda m: str(int(m.group(0)) - span), regex=True)
    assert list(replica["period"]) == list(shifted)
    assert not set(replica["period"]) & set(original["period"])
    load_registry(ProjectPaths.at(target))  # the replicas' documents are registered
