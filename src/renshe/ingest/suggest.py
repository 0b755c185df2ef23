"""`renshe codebook suggest`: the phrases without an indicator id, each with the closest
indicators, a score and the reason, and the command that accepts one.

It reads the extracted observations (data/clean) and matches them again with the codebook as
it is now, so a phrase accepted a moment ago (`renshe codebook accept`) is no longer listed,
before `renshe extract` has run again.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass

import pandas as pd

from renshe.errors import RensheError
from renshe.ingest.codebook import Codebook, load_codebook
from renshe.ingest.matching import Match
from renshe.paths import ProjectPaths

GROUP = ["indicator_zh", "unit"]


@dataclass(frozen=True)
class Unmapped:
    phrase: str
    unit: str
    count: int
    where: tuple[str, ...]  # doc_id:line, first few
    match: Match


def load_observations(paths: ProjectPaths) -> pd.DataFrame:
    parquet, csv = paths.clean / "observations.parquet", paths.clean / "observations.csv"
    if parquet.is_file():
        return pd.read_parquet(parquet)
    if csv.is_file():
        return pd.read_csv(csv, dtype=str, keep_default_na=False).astype({"source_line": int})
    raise RensheError("no extracted observations: run `renshe extract` first", paths.clean)


def unmapped_phrases(observations: pd.DataFrame, codebook: Codebook, docs: list[str] | None = None) -> list[Unmapped]:
    """One item per phrase and unit still without an id, best-scored suggestion first."""
    if docs:
        unknown = sorted(set(docs) - set(observations["doc_id"]))
        if unknown:
            raise RensheError(f"no observations of {', '.join(unknown)} in data/clean "
                              f"(documents: {', '.join(sorted(set(observations['doc_id'])))})")
        observations = observations[observations["doc_id"].isin(docs)]
    assigned = codebook.assign(observations.astype({c: "string" for c in ("indicator_zh", "unit", "measure", "region")}))
    missing = assigned[assigned["indicator_id"] == ""].sort_values(["doc_id", "source_line"])
    items = []
    for (phrase, unit), rows in missing.groupby(GROUP, sort=False):
        first = rows.iloc[0]
        match = codebook.match_detail(phrase, unit, first["measure"], first["region"])
        where = tuple(dict.fromkeys(f"{d}:{line}" for d, line in zip(rows["doc_id"], rows["source_line"])))
        items.append(Unmapped(str(phrase), str(unit), len(rows), where, match))
    best = lambda item: item.match.candidates[0].score if item.match.candidates else 0.0  # noqa: E731
    return sorted(items, key=lambda item: (-best(item), -item.count, item.phrase))


def format_suggestions(items: list[Unmapped], top: int = 3, min_score: float = 0.0, threshold: float = 0.7) -> str:
    """`threshold`: the matcher's (codebook `phrasing: threshold`); a ready `accept` command is
    printed only for a candidate at or above it (below it, the match is a guess to check)."""
    shown = [item for item in items if item.match.candidates and item.match.candidates[0].score >= min_score]
    hidden = len(items) - len(shown)
    if not items:
        return "every phrase has an indicator id"
    lines = [f"{len(items)} phrase(s) without an indicator id; {len(shown)} with a suggestion"
             + (f" scoring {min_score:.2f} or more" if min_score else "") + ", best first.", ""]
    for item in shown:
        places = ", ".join(item.where[:3]) + (f" and {len(item.where) - 3} more" if len(item.where) > 3 else "")
        lines.append(f"{item.phrase}  [{item.unit or 'no unit'}; {item.count} observation(s): {places}]")
        lines.append(f"  why: {item.match.reason}")
        for candidate in item.match.candidates[:top]:
            lines.append(f"  {candidate.score:.2f}  {candidate.indicator_id}: {candidate.reason}")
        best = item.match.candidates[0]
        if best.unit_ok and best.score >= threshold:
            lines.append(f"  accept: renshe codebook accept {shlex.quote(item.phrase)} {best.indicator_id}")
        elif best.unit_ok:
            lines.append(f"  no accept proposed: {best.score:.2f} is below the matching threshold {threshold:.2f} "
                         f"(if it truly is {best.indicator_id}, `renshe codebook accept ... --force`)")
        elif item.unit:
            lines.append(f"  if {best.indicator_id} is counted in {item.unit} too, add {item.unit} to its "
                         f"other_units (with a note) in data/codebook.yaml")
        lines.append("")
    if hidden:
        lines.append(f"{hidden} more phrase(s) with no indicator close enough (no entry measures them yet: "
                     f"add one to data/codebook.yaml, or see data/clean/unmapped.csv)")
    return "\n".join(lines).rstrip()


def run_suggest(paths: ProjectPaths, docs: list[str] | None = None, top: int = 3, min_score: float = 0.3) -> str:
    codebook = load_codebook(paths.codebook)
    return format_suggestions(unmapped_phrases(load_observations(paths), codebook, docs), top, min_score,
                              codebook.matcher.phrasing.threshold)
