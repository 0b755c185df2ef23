"""The table corpus: documents printing tables in the layouts converted documents use, every
figure pinned.

tests/fixtures/tables/NAME.txt is a document as a user would receive it; NAME.yaml beside it holds

* ``layout``: what the table's printed layout exercises (for the reader of a failure);
* ``entry``: the registry entry a user would add to data/sources.yaml (the file and its sha256
  are added here);
* ``regions``: the regions the table's rows name that the project's region tree may lack;
* ``figures``: every figure the table prints, written from the published figures: the line,
  the printed row and column, and the observation it must become (value in the canonical unit,
  unit, period, measure, basis when not '', region when the rows are regions).

tests/fixtures/tables/holdout/ holds documents written before the readers were tuned and never
tuned on: score them only to see whether the rules generalise.

Scoring, per pinned figure: the observations of the document on the same line with the same
value (relative tolerance 1e-9) are candidates. RIGHT: a candidate has the pinned unit, period,
measure, basis (and region). WRONG: candidates, none right. MISSED: no candidate. Every
observation of the document that no figure used is EXTRA (a figure invented or misread).
"""
from __future__ import annotations

import hashlib
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tables"
HOLDOUT = FIXTURES / "holdout"
REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG = ("codebook.yaml", "text_sections.yaml", "regions.yaml")


@dataclass
class TableDocument:
    name: str
    text: Path
    spec: dict

    @property
    def figures(self) -> list[dict]:
        return self.spec["figures"]


def documents(holdout: bool) -> list[TableDocument]:
    folder = HOLDOUT if holdout else FIXTURES
    return [TableDocument(p.stem, p, yaml.safe_load(p.with_suffix(".yaml").read_text(encoding="utf-8")))
            for p in sorted(folder.glob("*.txt"))]


def make_project(root: Path, docs: list[TableDocument]) -> Path:
    """A project with the repository's configuration and only these documents registered."""
    (root / "data" / "raw").mkdir(parents=True)
    for name in CONFIG:
        shutil.copyfile(REPO_ROOT / "data" / name, root / "data" / name)
    entries, regions = [], []
    for doc in docs:
        shutil.copyfile(doc.text, root / "data" / "raw" / doc.text.name)
        entry = dict(doc.spec["entry"])
        entry["file"] = f"data/raw/{doc.text.name}"
        entry["sha256"] = hashlib.sha256(doc.text.read_bytes()).hexdigest()
        entries.append(entry)
        known = {r["name"] for r in regions}
        regions.extend(r for r in doc.spec.get("regions") or () if r["name"] not in known)
    tree = {r["name"] for r in yaml.safe_load((REPO_ROOT / "data" / "regions.yaml").read_text(encoding="utf-8"))["regions"]}
    registry = {"documents": entries, "regions": [r for r in regions if r["name"] not in tree]}
    (root / "data" / "sources.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False),
                                                encoding="utf-8")
    return root


@dataclass
class DocScore:
    name: str
    expected: int = 0
    right: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.name}: {self.right}/{self.expected} right, {len(self.wrong)} wrong, "
                f"{len(self.missed)} missed, {len(self.extra)} extra")


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def _differences(figure: dict, obs: dict) -> list[str]:
    wanted = {"unit": figure["unit"], "period": str(figure["period"]), "measure": figure["measure"],
              "basis": figure.get("basis", "")}
    if figure.get("region"):
        wanted["region"] = figure["region"]
    return [f"{key} {obs[key]!r} (expected {value!r})" for key, value in wanted.items() if str(obs[key]) != value]


def score_document(doc: TableDocument, observations: list[dict]) -> DocScore:
    result = DocScore(doc.name, len(doc.figures))
    unused = list(observations)
    for figure in doc.figures:
        where = f"line {figure['line']} {figure['row']} / {figure['column']} = {figure['value']}"
        candidates = [o for o in unused if int(o["source_line"]) == figure["line"] and _same(o["value"], figure["value"])]
        if not candidates:
            result.missed.append(where)
            continue
        best = min(candidates, key=lambda o: len(_differences(figure, o)))
        unused.remove(best)
        problems = _differences(figure, best)
        if problems:
            result.wrong.append(f"{where}: {', '.join(problems)}")
        else:
            result.right += 1
    result.extra = [f"line {o['source_line']} [{o['table_id']}] {o['indicator_zh']} {o['value']} {o['unit']} "
                    f"{o['period']} {o['measure']}" for o in unused]
    return result


def score(root: Path, docs: list[TableDocument]) -> list[DocScore]:
    from renshe.ingest.extract import run_extract
    from renshe.paths import ProjectPaths

    output = run_extract(ProjectPaths.at(root))
    records = output.observations.to_dict("records")
    return [score_document(doc, [r for r in records if r["doc_id"] == doc.name]) for doc in docs]
