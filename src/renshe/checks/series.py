"""The longest series the corpus holds of one region and indicator, across documents and years,
for the indicator and region pages (the report draws it; this module only gathers it).

`series(paths, region, indicator_id)` returns one row per value, `kind` saying what it is:

* `printed`: the figure a document prints for that period; of several documents printing one
  period, the latest document's (checks/editions.py: by `published`, else period) is the
  published value;
* `revised`: an earlier document's other figure for a period a later document printed again
  (a revision, `revised_by` names the later document);
* `implied`: a previous level a document implies (its level minus its stated change, or over its
  growth rate: checks/implied.py; `how`: change or growth_rate), with `low`/`high` the interval
  its printed precision allows; never a printed figure.

Only the latest editions of re-issued documents are read (`supersedes:` in the registry).
"""
from __future__ import annotations

from functools import cmp_to_key

import pandas as pd

from renshe import periods
from renshe.checks.crosschecks.frames import prepare
from renshe.checks.editions import document_order, is_later, published_observations
from renshe.checks.implied import implied_previous
from renshe.ingest.documents import load_registry
from renshe.paths import ProjectPaths
from renshe.schema import coerce_observations

COLUMNS = ["region", "indicator_id", "period", "value", "low", "high", "unit", "kind", "how", "doc_id", "sources",
           "revised_by"]


def series_from(observations: pd.DataFrame, entries, region: str | None, indicator_id: str | None,
                measure: str = "actual") -> pd.DataFrame:
    """`series` over given observations (the contract's columns) and registry entries; `region` or
    `indicator_id` None: every region's or indicator's series at once (a page drawing many)."""
    entries = list(entries)
    obs = published_observations(observations, entries)
    if region is not None:
        obs = obs[obs["region"].astype(str) == region]
    if indicator_id is not None:
        obs = obs[obs["indicator_id"].astype(str) == indicator_id]
    obs = obs[obs["indicator_id"].astype(str) != ""]
    if obs.empty:
        return pd.DataFrame(columns=COLUMNS)
    prepared = prepare(obs.reset_index(drop=True))
    order = document_order(entries)
    later_last = cmp_to_key(lambda a, b: 1 if is_later(order, a, b) else -1 if is_later(order, b, a) else 0)
    rows = []
    printed = prepared[(prepared["measure"] == measure) & (prepared["basis"] == "")]
    keys = ["region", "indicator_id", "period", "unit"]
    # each document's most precise report of a figure; a figure one document prints is its value
    # (most are: they take no sorting of documents)
    best = printed.sort_values(["half_unit", "order"]).drop_duplicates([*keys, "doc_id"])
    documents = best.groupby(keys, observed=True, sort=False)["doc_id"].transform("size")
    rows += [_row(row, "printed", "") for row in best[documents == 1].to_dict("records")]
    for _, group in best[documents > 1].groupby(keys, observed=True, sort=False):
        by_doc = {str(row["doc_id"]): row for row in group.to_dict("records")}
        docs = sorted(by_doc, key=later_last)
        latest = by_doc[docs[-1]]
        rows.append(_row(latest, "printed", ""))
        for doc in docs[:-1]:
            earlier = by_doc[doc]
            if abs(float(earlier["value"]) - float(latest["value"])) > max(earlier["half_unit"], latest["half_unit"]):
                rows.append(_row(earlier, "revised", docs[-1]))
    if measure == "actual":
        for item in implied_previous(prepared).itertuples(index=False):
            rows.append({"region": item.region, "indicator_id": item.indicator_id, "period": item.period,
                         "value": item.value, "low": item.low, "high": item.high, "unit": item.unit,
                         "kind": "implied", "how": item.how, "doc_id": item.doc_id, "sources": item.sources,
                         "revised_by": ""})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    in_time = {period: rank for rank, period in enumerate(sorted(frame["period"].unique(), key=periods.sort_key))}
    frame = frame.assign(_time=frame["period"].map(in_time))
    return frame.sort_values(["region", "indicator_id", "_time", "kind"], kind="stable").drop(
        columns="_time").reset_index(drop=True)


def _row(row: dict, kind: str, revised_by: str) -> dict:
    return {"region": str(row["region"]), "indicator_id": str(row["indicator_id"]), "period": str(row["period"]),
            "value": float(row["value"]), "low": float(row["value"] - row["half_unit"]),
            "high": float(row["value"] + row["half_unit"]), "unit": str(row["unit"]), "kind": kind, "how": "",
            "doc_id": str(row["doc_id"]), "sources": str(row["source"]), "revised_by": revised_by}


def series(paths: ProjectPaths | None, region: str, indicator_id: str, measure: str = "actual") -> pd.DataFrame:
    """The series of `region` and `indicator_id` in data/clean (see the module's description)."""
    paths = paths or ProjectPaths.at()
    observations = coerce_observations(pd.read_parquet(paths.clean / "observations.parquet"))
    return series_from(observations, load_registry(paths).documents, region, indicator_id, measure)
