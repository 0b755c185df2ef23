"""The release log: what each validation changed in the published figures and the check results.

A published figure must never change without a statement of what changed and why. Each
`renshe validate` (the build's validate step) compares the published observations (the latest
editions' figures, checks/editions.py) and the check results with those of the previous
validation, kept in data/interim/release/ (git-ignored; data/clean/ is replaced whole by every
extraction), and writes data/clean/changes.csv: one row per figure added, removed or changed
and per check whose result changed (a check added or removed only when it fails or warns),
each with its cause:

* document added / document removed (its doc_id),
* document re-issued: a new edition (`supersedes:`) or the same file with other bytes (sha256),
* codebook changed, rules changed, reading configuration changed (data/text_sections.yaml,
  data/tables.yaml, data/regions.yaml), else reading changed (the extraction itself).

A figure is matched across builds by its document (the first edition of a re-issued one),
table, region, indicator, period, measure, qualifier, basis and unit (and its rank among
figures sharing all of these), not by its line: a re-issue that moves lines changes nothing.
A validation with no input change writes a log with no rows. The first validation of a
project has no previous one: every figure is `added` with cause `first release`.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from renshe.checks.editions import first_edition, superseded_by
from renshe.outputs import atomic_write_bytes, write_csv
from renshe.paths import ProjectPaths

CHANGES_FILE = "changes.csv"
COLUMNS = ["change", "kind", "doc_id", "region", "indicator_id", "period", "measure", "before", "after",
           "cause", "sources_before", "sources_after", "detail"]
FIGURE_KEY = ["edition", "table_id", "region", "indicator", "period", "measure", "qualifier", "basis", "unit"]
FIGURE_COLUMNS = ["doc_id", "table_id", "region", "indicator_id", "indicator_zh", "period", "measure", "qualifier",
                  "basis", "unit", "value", "value_raw", "unit_raw", "source_line"]
# a check is matched by what it compares (its documents by first edition), not its ids or lines
CHECK_KEY = ["rule_id", "indicator_id", "regions", "periods", "computed_kind", "documents"]
CHECK_COLUMNS = ["rule_id", "indicator_id", "regions", "periods", "level_pair", "computed_kind", "sources", "status",
                 "assessment", "message"]
FIRST_RELEASE = "first release"
READING_FILES = ("text_sections.yaml", "tables.yaml", "regions.yaml")


def release_dir(paths: ProjectPaths) -> Path:
    return paths.root / "data" / "interim" / "release"


@dataclass
class ReleaseLog:
    changes: pd.DataFrame

    def count(self, change: str, kind: str = "figure") -> int:
        return int(((self.changes["change"] == change) & (self.changes["kind"] == kind)).sum())

    @property
    def figures_changed(self) -> int:
        return int((self.changes["kind"] == "figure").sum())

    def summary(self) -> str | None:
        """One line when published figures changed (None: they did not)."""
        if not self.figures_changed:
            return None
        if (self.changes["cause"] == FIRST_RELEASE).all():
            return f"first release: {self.figures_changed} published figures (data/clean/{CHANGES_FILE})"
        checks = int((self.changes["kind"] == "check").sum())
        return (f"published figures changed: {self.count('added')} added, {self.count('removed')} removed, "
                f"{self.count('changed')} changed; {checks} check results changed (data/clean/{CHANGES_FILE})")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def manifest(paths: ProjectPaths, registry) -> dict:
    """What the causes are read from: each document's bytes and edition, the configuration."""
    return {
        "documents": {e.doc_id: e.sha256 for e in registry.documents},
        "supersedes": {e.doc_id: e.supersedes for e in registry.documents if getattr(e, "supersedes", None)},
        "published": {e.doc_id: e.published or "" for e in registry.documents},
        "codebook": _digest(paths.codebook),
        "rules": _digest(paths.rules),
        "reading": {name: _digest(paths.root / "data" / name) for name in READING_FILES},
    }


def _figures(observations: pd.DataFrame, roots: dict[str, str]) -> pd.DataFrame:
    frame = observations[FIGURE_COLUMNS].astype({c: "string" for c in FIGURE_COLUMNS if c != "value"})
    frame = frame.assign(edition=frame["doc_id"].map(lambda d: roots.get(d, d)).astype("string"),
                         indicator=frame["indicator_id"].where(frame["indicator_id"] != "", frame["indicator_zh"]),
                         value=pd.to_numeric(frame["value"], errors="coerce"))
    frame = frame.assign(line=pd.to_numeric(frame["source_line"], errors="coerce"))
    frame = frame.sort_values(["edition", "line"], kind="stable").drop(columns="line")
    return frame.assign(rank=frame.groupby(FIGURE_KEY, dropna=False).cumcount())


def _checks(checks: pd.DataFrame, roots: dict[str, str]) -> pd.DataFrame:
    frame = checks[CHECK_COLUMNS].astype("string").fillna("")
    # the documents a check read, without their lines ("doc:12; doc2:3" -> "doc;doc2")
    documents = frame["sources"].str.replace(r":\d+", "", regex=True).str.replace("; ", ";", regex=False)
    renamed = {doc: root for doc, root in roots.items() if doc != root}
    if renamed:  # a re-issued document's checks are matched under its first edition
        def first_editions(docs: str) -> str:
            return ";".join(dict.fromkeys(renamed.get(d, d) for d in docs.split(";")))
        documents = documents.map(first_editions)
    frame = frame.assign(documents=documents)
    return frame.assign(rank=frame.groupby(CHECK_KEY, dropna=False).cumcount())


def _document_causes(before: dict, now: dict) -> dict[str, str]:
    """{doc_id (old or new): the cause of its figures' changes} for documents whose input changed."""
    causes = {}
    old_docs, new_docs = before.get("documents", {}), now.get("documents", {})
    new_editions = {new: old for new, old in now.get("supersedes", {}).items()
                    if new not in old_docs and old in old_docs}
    for doc_id, sha in new_docs.items():
        if doc_id in new_editions:
            causes[doc_id] = causes[new_editions[doc_id]] = (
                f"document re-issued: {doc_id} supersedes {new_editions[doc_id]} "
                f"(edition of {now.get('published', {}).get(doc_id) or 'no date printed'})")
        elif doc_id not in old_docs:
            causes[doc_id] = f"document added: {doc_id}"
        elif old_docs[doc_id] != sha:
            causes[doc_id] = f"document re-issued: {doc_id} (sha256 changed)"
    for doc_id in old_docs:
        if doc_id not in new_docs:
            causes[doc_id] = f"document removed: {doc_id}"
    return causes


def _general_cause(before: dict, now: dict, kind: str) -> str:
    if kind == "check" and before.get("rules") != now.get("rules"):
        return "rules changed"
    if before.get("codebook") != now.get("codebook"):
        return "codebook changed"
    if before.get("reading") != now.get("reading"):
        return "reading configuration changed"
    return "rules changed" if before.get("rules") != now.get("rules") else "reading changed"


def _text(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna("")


def _figure_changes(old: pd.DataFrame, new: pd.DataFrame, causes: dict, general: str) -> pd.DataFrame:
    """The figures added, removed or changed, column by column (a first release lists them all)."""
    keys = [*FIGURE_KEY, "rank"]
    merged = old.merge(new, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
    same = np.isclose(merged["value_old"].astype(float), merged["value_new"].astype(float), rtol=1e-9, atol=0.0)
    differs = (merged["_merge"] != "both") | ~same | (merged["value_raw_old"] != merged["value_raw_new"]).fillna(True)
    merged = merged[differs.to_numpy(dtype=bool)].reset_index(drop=True)
    kind = merged["_merge"].astype(str)
    change = pd.Series(np.select([kind == "left_only", kind == "right_only"], ["removed", "added"], "changed"))
    doc_old, doc_new = _text(merged["doc_id_old"]), _text(merged["doc_id_new"])
    doc = doc_new.where(doc_new != "", doc_old)
    cause = pd.Series([causes.get(d) or causes.get(o) or general for d, o in zip(doc.tolist(), doc_old.tolist())],
                      dtype="string")
    before = (_text(merged["value_raw_old"]) + _text(merged["unit_raw_old"])).where(change != "added", "")
    after = (_text(merged["value_raw_new"]) + _text(merged["unit_raw_new"])).where(change != "removed", "")
    what = pd.Series(np.select([change == "added", change == "removed"],
                               [after + " added", before + " removed"], before + " → " + after))
    subject = _text(merged["indicator"]) + " " + _text(merged["region"]) + " " + _text(merged["period"])
    frame = pd.DataFrame({
        "change": change, "kind": "figure", "doc_id": doc, "region": merged["region"],
        "indicator_id": merged["indicator"], "period": merged["period"], "measure": merged["measure"],
        "before": before, "after": after, "cause": cause,
        "sources_before": (doc_old + ":" + _text(merged["source_line_old"])).where(change != "added", ""),
        "sources_after": (doc_new + ":" + _text(merged["source_line_new"])).where(change != "removed", ""),
        "detail": subject + " (" + _text(merged["measure"]) + "): " + what,
    })
    return frame[COLUMNS]


def _check_changes(old: pd.DataFrame, new: pd.DataFrame, causes: dict, roots: dict, general: str) -> pd.DataFrame:
    keys = [*CHECK_KEY, "rank"]
    merged = old.merge(new, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
    # a check added or removed matters when it flags something; one kept, when its result changed
    flags = (merged["_merge"] == "left_only") & (merged["status_old"] != "pass") \
        | (merged["_merge"] == "right_only") & (merged["status_new"] != "pass")
    differs = (flags | (merged["_merge"] == "both") & (
        (merged["status_old"] != merged["status_new"]) | (merged["assessment_old"] != merged["assessment_new"]))
               ).fillna(False)
    merged = merged[differs.to_numpy(dtype=bool)].reset_index(drop=True)
    by_root = {}
    for doc, cause in causes.items():
        by_root.setdefault(roots.get(doc, doc), cause)
    kind = merged["_merge"].astype(str)
    change = pd.Series(np.select([kind == "left_only", kind == "right_only"], ["removed", "added"], "changed"))
    documents = _text(merged["documents"])
    cause = pd.Series([next((by_root[d] for d in docs.split(";") if d in by_root), None) or general
                       for docs in documents.tolist()], dtype="string")
    before = (_text(merged["status_old"]) + " (" + _text(merged["assessment_old"]) + ")").where(change != "added", "")
    after = (_text(merged["status_new"]) + " (" + _text(merged["assessment_new"]) + ")").where(change != "removed", "")
    frame = pd.DataFrame({
        "change": change, "kind": "check", "doc_id": documents, "region": merged["regions"],
        "indicator_id": merged["indicator_id"], "period": merged["periods"], "measure": merged["rule_id"],
        "before": before, "after": after, "cause": cause,
        "sources_before": _text(merged["sources_old"]).where(change != "added", ""),
        "sources_after": _text(merged["sources_new"]).where(change != "removed", ""),
        "detail": _text(merged["message_new"]).where(change != "removed", _text(merged["message_old"])),
    })
    return frame[COLUMNS]


def record_release(paths: ProjectPaths, registry, observations: pd.DataFrame, checks: pd.DataFrame) -> ReleaseLog:
    """Compare with the previous validation's copy, write data/clean/changes.csv, keep this one's copy."""
    roots = first_edition(registry.documents)
    published = observations[~observations["doc_id"].astype(str).isin(list(superseded_by(registry.documents)))]
    figures, results = _figures(published, roots), _checks(checks, roots)
    now = manifest(paths, registry)
    store = release_dir(paths)
    previous = store / "manifest.json"
    if previous.is_file():
        before = json.loads(previous.read_text(encoding="utf-8"))
        old_figures = pd.read_parquet(store / "figures.parquet")
        old_checks = pd.read_parquet(store / "checks.parquet")
        causes = _document_causes(before, now)
        changes = pd.concat([_figure_changes(old_figures, figures, causes, _general_cause(before, now, "figure")),
                             _check_changes(old_checks, results, causes, roots, _general_cause(before, now, "check"))],
                            ignore_index=True)
    else:
        changes = _figure_changes(figures.iloc[0:0], figures, {}, FIRST_RELEASE)
    write_csv(changes[COLUMNS] if len(changes) else pd.DataFrame(columns=COLUMNS), paths.clean / CHANGES_FILE)
    staging = store.with_name(store.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    figures.to_parquet(staging / "figures.parquet", index=False)
    results.to_parquet(staging / "checks.parquet", index=False)
    atomic_write_bytes(staging / "manifest.json", json.dumps(now, ensure_ascii=False, indent=1).encode("utf-8"))
    shutil.rmtree(store, ignore_errors=True)
    staging.rename(store)
    return ReleaseLog(changes)


def load_changes(paths: ProjectPaths | None = None) -> pd.DataFrame:
    """data/clean/changes.csv as the last validation wrote it (empty when there is none yet):
    what the site's "What changed" page shows."""
    paths = paths or ProjectPaths.at()
    target = paths.clean / CHANGES_FILE
    if not target.is_file():
        return pd.DataFrame(columns=COLUMNS)
    return pd.read_csv(target, encoding="utf-8-sig", keep_default_na=False, dtype=str)


MAX_ROWS = 100  # rows of each table the "What changed" page lists; changes.csv holds them all


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def changes_partial(paths: ProjectPaths | None = None) -> str:
    """The "What changed" page's body (site/changes.qmd includes it as pages/_changes.md):
    what the last validation changed in the published figures and the check results, and why."""
    changes = load_changes(paths)
    if changes.empty:
        return ("The last build changed no published figure and no check result.\n\n"
                "*上次构建没有改变任何已发布数字或核查结果。*\n")
    figures = changes[changes["kind"] == "figure"]
    checks = changes[changes["kind"] == "check"]
    if (changes["cause"] == FIRST_RELEASE).all():
        return (f"The first release of this corpus: {len(figures)} published figures, nothing to compare with yet.\n\n"
                f"*首次发布：{len(figures)} 个已发布数字，尚无可比较的上一次构建。*\n")
    lines = [f"{len(figures)} published figures and {len(checks)} check results changed in the last build "
             f"(`data/clean/{CHANGES_FILE}`).", ""]
    for title, frame, columns in (
            ("Figures 数字", figures, ["change", "doc_id", "region", "indicator_id", "period", "measure", "before",
                                     "after", "cause", "sources_after"]),
            ("Checks 核查", checks, ["change", "measure", "region", "indicator_id", "period", "before", "after",
                                    "cause", "detail"])):
        if frame.empty:
            continue
        header = ["rule" if c == "measure" and title.startswith("Checks") else c for c in columns]
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(_cell(row[c]) for c in columns) + " |"
                  for _, row in frame.head(MAX_ROWS).iterrows()]
        if len(frame) > MAX_ROWS:
            lines.append(f"\n… and {len(frame) - MAX_ROWS} more in `{CHANGES_FILE}`.")
        lines.append("")
    return "\n".join(lines) + "\n"
