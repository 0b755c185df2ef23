"""The indicator codebook (data/codebook.yaml): one id per indicator at every level."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml


@dataclass
class Codebook:
    entries: list[dict]

    def assign(self, observations: pd.DataFrame) -> pd.DataFrame:
        alias_to_id = {}
        for entry in self.entries:
            for alias in [entry["name_zh"], *entry.get("aliases", [])]:
                alias_to_id[alias] = entry["id"]
        observations = observations.copy()
        observations["indicator_id"] = observations["indicator_zh"].map(alias_to_id).fillna("").astype("string")
        return observations

    def unmapped(self, observations: pd.DataFrame) -> pd.DataFrame:
        missing = observations[observations.indicator_id == ""]
        grouped = missing.groupby(["doc_id", "table_id", "indicator_zh", "unit"], sort=False)
        return grouped.agg(count=("value", "size"), first_source_line=("source_line", "min"),
                           source_text=("source_text", "first")).reset_index()


def load_codebook(path: Path) -> Codebook:
    if not Path(path).is_file():
        return Codebook([])
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return Codebook(list(data.get("indicators") or []))
