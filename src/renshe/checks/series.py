"""The longest series the corpus holds of one region and indicator, across documents and years,
for the indicator and region pages (the report draws it; this module only gathers it).

`series(paths, region, indicator_id)` returns one row per value, `kind` saying what it is:

* `printed`: the figure a document prints for that period; of several documents printing one
  period, the latest document's (checks/editions.py: by `published`, else period) is the
  published value;
* `revised`: an earlier document's other figure for a period a later document printed again
  (a revision, `revised_by` names the later document);
* `implied`: a previous level a document implies (its level minus its stated change, or over its
  growth rate: checks/implied.py), with `low`/`high` the interval its printed precision allows;
  never a printed figure.

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

COLUMNS = ["period", "value", "low", "high", "unit", "kind", "doc_id", "sources", "revised_by"]


def series_from(observations: pd.DataFrame, entries, region: str, indicator_id: str,
                measure: str = "actual") -> pd.DataFrame:
    """`series` over given observations (the contract's columns) and registry entries."""
    entries = list(entries)
    obs = published_observations(observations, entries)
    obs = obs[(obs["region"].astype(str) == region) & (obs["indicator_id"].astype(str) == indicator_id)]
    if obs.empty:
        return pd.DataFrame(columns=COLUMNS)
    prepared = prepare(obs.reset_index(drop=True))
    order = document_order(entries)
    later_last = cmp_to_key(lambda a, b: 1 if is_later(order, a, b) else -1 if is_later(order, b, a) else 0)
    rows = []
    printed = prepared[(prepared["measure"] == measure) & (prepared["basis"] == "")]
    for (period, unit), group in printed.groupby(["period", "unit"], observed=True, sort=False):
        by_doc = {}
        for row in group.sort_values(["half_unit", "order"]).to_dict("records"):
            by_doc.setdefault(str(row["doc_id"]), row)  # each document's most precise report
        docs = sorted(by_doc, key=later_last)
        latest = by_doc[docs[-1]]
        rows.append(_row(latest, "printed", ""))
        for doc in docs[:-1]:
            earlier = by_doc[doc]
            if abs(float(earlier["value"]) - float(latest["value"])) > max(earlier["half_unit"], latest["half_unit"]):
                rows.append(_row(earlier, "revised", docs[-1]))
    if measure == "actual":
        for item in implied_previous(prepared).itertuples(index=False):
            rows.append({"period": item.period, "value": item.value, "low": item.low, "high": item.high,
                         "unit": item.unit, "kind": "implied", "doc_id": item.doc_id, "sources": item.sources,
                         "revised_by": ""})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    keys = frame["period"].map(periods.sort_key)
    return frame.iloc[sorted(range(len(frame)), key=lambda i: (keys.iloc[i], frame["kind"].iloc[i]))].reset_index(
        drop=True)


def _row(row: dict, kind: str, revised_by: str) -> dict:
    return {"period": str(row["period"]), "value": float(row["value"]),
            "low": float(row["value"] - row["half_unit"]), "high": float(row["value"] + row["half_unit"]),
            "unit": str(row["unit"]), "kind": kind, "doc_id": str(row["doc_id"]), "sources": str(row["source"]),
            "revised_by": revised_by}


def series(paths: ProjectPaths | None, region: str, indicator_id: str, measure: str = "actual") -> pd.DataFrame:
    """The series of `region` and `indicator_id` in data/clean (see the module's description)."""
    paths = paths or ProjectPaths.at()
    observations = coerce_observations(pd.read_parquet(paths.clean / "observations.parquet"))
    return series_from(observations, load_registry(paths).documents, region, indicator_id, measure)
