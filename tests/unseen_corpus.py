"""The unseen corpus: documents the extractor was not written against, every figure pinned.

tests/fixtures/unseen/NAME.txt is a document as a user would receive it (UTF-8, unchanged
bytes); NAME.yaml next to it holds

* ``entry``: the registry entry a user would add to data/sources.yaml (sha256 included);
* ``figures``: every statistic the document prints, with the line it is printed on, the text
  as printed and the observation it should become (value in the canonical unit, unit, period,
  measure, basis, qualifier, codebook id or a proposed ``new:`` id, subject, table or text);
* ``set_aside``: numbers that are not statistics (dates, ordinals, document numbers, page
  numbers, counts about the document itself, ranges) and why.

tests/fixtures/unseen/holdout/ holds documents of the same format that are never used for
tuning: score them only to check that a change generalises.

Use from tests::

    docs = documents(holdout=False)
    project = make_project(tmp_path / "project", docs)
    completed = run_extract(project)          # `renshe extract` in a subprocess
    result = score(project, docs)
    print(result.report())

or from the shell: ``.venv/bin/python tests/unseen_corpus.py [--holdout | --all] [--keep]``.

Scoring, per pinned figure: the observations of the same doc_id and source_line whose value
equals the pinned value (relative tolerance 1e-9) are candidates. RIGHT: a candidate has the
pinned unit, period, measure and basis. WRONG: a candidate exists but differs in one of
those. MISSED: no candidate. Each observation is used for at most one figure (a line may
print the same number twice, e.g. "均为100%" for two rates). EXTRA: an observation of these
documents that no figure used (an invented or misread figure). ``mapped`` counts the right
figures that carry their pinned codebook id, among those whose pinned id is not ``new:``.
The qualifier is reported separately (it does not decide right or wrong).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from renshe.periods import canonical  # noqa: E402  the one period vocabulary

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
FIXTURES = TESTS_DIR / "fixtures" / "unseen"
HOLDOUT_DIR = FIXTURES / "holdout"
# the reading corpus (tests/fixtures/reading): news reports of bulletins published the year after,
# county communiqués, half-year and 1-9月 figures, 下降 lists, unusual units; same format and scoring
CORPORA = {"unseen": FIXTURES, "reading": TESTS_DIR / "fixtures" / "reading"}

MEASURES = ("actual", "target", "change", "change_pct")
BASES = ("", "cumulative", "per_year")
QUALIFIERS = ("", ">=", "<=", ">", "<", "~")
SOURCES = ("table", "text")
FIGURE_KEYS = ("line", "printed", "value", "unit", "period", "measure", "basis", "qualifier",
               "indicator_id", "subject", "source")
SET_ASIDE_KEYS = ("line", "printed", "reason")
ENTRY_FIELDS = ("doc_id", "file", "title", "issuer", "level", "region", "region_code", "doc_type",
                "published", "reference_period", "script", "sha256")
REL_TOL = 1e-9

# What make_project copies from the repository: the configuration, not derived data.
CONFIG_FILES = ("data/sources.yaml", "data/codebook.yaml", "data/text_sections.yaml",
                "expectations/rules.yaml")


# --- the fixtures ------------------------------------------------------------------------

@dataclass
class UnseenDocument:
    name: str
    text_path: Path
    yaml_path: Path
    entry: dict
    figures: list[dict]
    set_aside: list[dict]
    holdout: bool

    @property
    def doc_id(self) -> str:
        return str(self.entry["doc_id"])

    def lines(self) -> list[str]:
        """The raw lines, split the way renshe splits them (source_line is 1-based into these)."""
        return self.text_path.read_bytes().decode("utf-8").splitlines()


def _fail(path: Path, message: str, line: int | None = None) -> AssertionError:
    where = f"{path}:{line}" if line else str(path)
    return AssertionError(f"{where}: {message}")


def _check_entry(doc: UnseenDocument, data: bytes) -> None:
    entry, path = doc.entry, doc.yaml_path
    if not isinstance(entry, dict):
        raise _fail(path, "`entry` must be a mapping")
    missing = [name for name in ENTRY_FIELDS if name not in entry]
    if missing:
        raise _fail(path, f"entry lacks {', '.join(missing)}")
    if entry["doc_id"] != doc.name:
        raise _fail(path, f"entry doc_id {entry['doc_id']!r} is not the file name {doc.name!r}")
    if entry["file"] != f"data/raw/{doc.name}.txt":
        raise _fail(path, f"entry file {entry['file']!r} should be 'data/raw/{doc.name}.txt'")
    digest = hashlib.sha256(data).hexdigest()
    if str(entry["sha256"]).lower() != digest:
        raise _fail(path, f"entry sha256 {entry['sha256']} does not match {doc.text_path.name} ({digest})")


def _check_printed(doc: UnseenDocument, lines: list[str], kind: str, index: int, item: dict) -> None:
    path = doc.yaml_path
    line = item.get("line")
    printed = item.get("printed")
    label = f"{kind} {index} ({printed!r})"
    if not isinstance(line, int) or isinstance(line, bool) or not 1 <= line <= len(lines):
        raise _fail(path, f"{label}: line {line!r} is not a line of {doc.text_path.name} (1..{len(lines)})")
    if not isinstance(printed, str) or not printed:
        raise _fail(path, f"{label}: `printed` must be the text as printed")
    if printed not in lines[line - 1]:
        raise _fail(doc.text_path, f"{label} from {path.name} is not printed on this line: {lines[line - 1]!r}",
                    line)


def _check_figure(doc: UnseenDocument, lines: list[str], index: int, figure: dict) -> None:
    path = doc.yaml_path
    if not isinstance(figure, dict):
        raise _fail(path, f"figure {index} must be a mapping")
    missing = [key for key in FIGURE_KEYS if key not in figure]
    if missing:
        raise _fail(path, f"figure {index} ({figure.get('printed')!r}, line {figure.get('line')}) lacks "
                          f"{', '.join(missing)}")
    _check_printed(doc, lines, "figure", index, figure)
    label = f"figure {index} ({figure['printed']!r}, line {figure['line']})"
    value = figure["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(path, f"{label}: value {value!r} is not a number")
    for key, allowed in (("measure", MEASURES), ("basis", BASES), ("qualifier", QUALIFIERS), ("source", SOURCES)):
        if figure[key] not in allowed:
            raise _fail(path, f"{label}: {key} {figure[key]!r} is not one of {allowed}")
    if canonical(str(figure["period"])) != str(figure["period"]):
        raise _fail(path, f"{label}: period {figure['period']!r} is not a canonical period (renshe.periods)")
    if not figure["unit"] or not figure["indicator_id"]:
        raise _fail(path, f"{label}: unit and indicator_id must not be empty")


def _load(text_path: Path, holdout: bool) -> UnseenDocument:
    name = text_path.stem
    yaml_path = text_path.with_suffix(".yaml")
    if not yaml_path.is_file():
        raise _fail(text_path, f"no {yaml_path.name} next to it")
    spec = yaml.safe_load(yaml_path.read_text(encoding="utf-8")) or {}
    if not isinstance(spec, dict) or "entry" not in spec or "figures" not in spec:
        raise _fail(yaml_path, "expected a mapping with `entry`, `figures` and `set_aside`")
    doc = UnseenDocument(name=name, text_path=text_path, yaml_path=yaml_path, entry=spec["entry"],
                         figures=list(spec.get("figures") or []), set_aside=list(spec.get("set_aside") or []),
                         holdout=holdout)
    data = text_path.read_bytes()
    _check_entry(doc, data)
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise _fail(text_path, f"not UTF-8: {exc}") from exc
    for index, figure in enumerate(doc.figures, start=1):
        _check_figure(doc, lines, index, figure)
        figure["period"] = str(figure["period"])
    for index, item in enumerate(doc.set_aside, start=1):
        if not isinstance(item, dict) or any(key not in item for key in SET_ASIDE_KEYS):
            raise _fail(yaml_path, f"set_aside {index} needs {', '.join(SET_ASIDE_KEYS)}")
        _check_printed(doc, lines, "set_aside", index, item)
    return doc


def documents(holdout: bool | None = None, folder: Path | None = None) -> list[UnseenDocument]:
    """The fixtures of a corpus folder (default tests/fixtures/unseen): holdout=False the tuning
    documents, True the holdout ones (its holdout/ folder), None all of them.

    Raises AssertionError naming the file and line when a fixture is inconsistent (sha256,
    a `printed` text that is not on its line, an unknown measure/basis/qualifier ...)."""
    base = Path(folder) if folder is not None else FIXTURES
    folders: list[tuple[Path, bool]] = []
    if holdout in (None, False):
        folders.append((base, False))
    if holdout in (None, True):
        folders.append((base / "holdout", True))
    docs = [_load(path, flag) for folder, flag in folders for path in sorted(folder.glob("*.txt"))]
    seen: dict[str, Path] = {}
    for doc in docs:
        if doc.name in seen:
            raise _fail(doc.text_path, f"doc_id {doc.name!r} also used by {seen[doc.name]}")
        seen[doc.name] = doc.text_path
    return docs


# --- a project holding them ---------------------------------------------------------------

def _entries_block(entries: list[dict]) -> str:
    dumped = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    body = "".join(f"  {line}\n" if line else "\n" for line in dumped.splitlines())
    return "  # added for the unseen corpus (tests/fixtures/unseen)\n" + body


def append_registry_entries(registry_text: str, entries: list[dict]) -> str:
    """The registry text with `entries` added at the end of its `documents:` list, as a user
    would type them: everything else (comments, regions, spacing) stays as it was."""
    lines = registry_text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^documents:\s*(#.*)?$", line)), None)
    if start is None:
        raise ValueError("the registry has no block `documents:` list to append to")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^[^\s#]", lines[i])), len(lines))
    # blank lines and column-0 comments just above the next key belong to that key
    while end - 1 > start and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    if end > 0 and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    lines.insert(end, _entries_block(entries))
    return "".join(lines)


def make_project(tmp_path: str | Path, docs: list[UnseenDocument]) -> Path:
    """A project folder at `tmp_path`: the repository's configuration (registry, codebook, text
    sections, any other data/*.yaml, the raw documents, expectations/rules.yaml) plus each
    fixture copied unchanged into data/raw/ and its entry appended to data/sources.yaml.
    Nothing else is added (no text_sections entry, no regions). Returns the project root."""
    root = Path(tmp_path)
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (root / "expectations").mkdir(parents=True, exist_ok=True)
    names = set(CONFIG_FILES)
    names.update(str(p.relative_to(REPO_ROOT)) for pattern in ("*.yaml", "*.yml")
                 for p in (REPO_ROOT / "data").glob(pattern))
    for name in sorted(names):
        source = REPO_ROOT / name
        if source.is_file():
            shutil.copyfile(source, root / name)
    shutil.copytree(REPO_ROOT / "data" / "raw", root / "data" / "raw", dirs_exist_ok=True)
    for doc in docs:
        target = root / "data" / "raw" / f"{doc.name}.txt"
        if target.exists() and target.read_bytes() != doc.text_path.read_bytes():
            raise FileExistsError(f"{target} already exists (a registered document has the same name)")
        shutil.copyfile(doc.text_path, target)
    registry = root / "data" / "sources.yaml"
    before = yaml.safe_load(registry.read_text(encoding="utf-8")) or {}
    text = append_registry_entries(registry.read_text(encoding="utf-8"), [dict(doc.entry) for doc in docs])
    after = yaml.safe_load(text) or {}
    if (len(after.get("documents") or []) != len(before.get("documents") or []) + len(docs)
            or after.get("regions") != before.get("regions")):
        raise RuntimeError("appending the entries changed data/sources.yaml in an unexpected way")
    registry.write_text(text, encoding="utf-8")
    return root


def run_extract(project: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """`renshe extract` on `project` in a fresh interpreter (RENSHE_ROOT points at it)."""
    env = os.environ.copy()
    env["RENSHE_ROOT"] = str(project)
    env.setdefault("GX_ANALYTICS_ENABLED", "False")
    src = str(REPO_ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.run([sys.executable, "-m", "renshe.cli", "extract"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=timeout)


# --- scoring ------------------------------------------------------------------------------

@dataclass
class Observation:
    doc_id: str
    table_id: str
    line: int
    value: float
    unit: str
    period: str
    measure: str
    basis: str
    qualifier: str
    indicator_id: str
    indicator_zh: str
    value_raw: str
    unit_raw: str

    def describe(self) -> str:
        text = f"{_number(self.value)} {self.unit or '-'} | {self.period or '-'} {self.measure or '-'}"
        if self.basis:
            text += f" {self.basis}"
        if self.qualifier:
            text += f" {self.qualifier}"
        where = self.table_id or "?"
        return f"{text} | {self.indicator_id or '(no id)'} {self.indicator_zh!r} [{where}; raw {self.value_raw}{self.unit_raw}]"


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _describe_figure(figure: dict) -> str:
    text = f"{_number(figure['value'])} {figure['unit']} | {figure['period']} {figure['measure']}"
    if figure["basis"]:
        text += f" {figure['basis']}"
    if figure["qualifier"]:
        text += f" {figure['qualifier']}"
    return f"{text} | {figure['indicator_id']} ({figure['subject']}, {figure['source']})"


def read_observations(project: Path) -> list[Observation]:
    path = Path(project) / "data" / "clean" / "observations.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `renshe extract` on the project first")
    rows: list[Observation] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                value = float(row.get("value") or "nan")
                line = int(float(row.get("source_line") or 0))
            except ValueError:
                value, line = math.nan, 0
            rows.append(Observation(
                doc_id=row.get("doc_id", ""), table_id=row.get("table_id", ""), line=line, value=value,
                unit=row.get("unit", ""), period=row.get("period", ""), measure=row.get("measure", ""),
                basis=row.get("basis", ""), qualifier=row.get("qualifier", ""),
                indicator_id=row.get("indicator_id", ""), indicator_zh=row.get("indicator_zh", ""),
                value_raw=row.get("value_raw", ""), unit_raw=row.get("unit_raw", ""),
            ))
    return rows


def _same_value(expected: float, found: float) -> bool:
    if math.isnan(found):
        return False
    return math.isclose(expected, found, rel_tol=REL_TOL, abs_tol=0.0 if expected else 1e-12)


def _attributes_match(figure: dict, obs: Observation) -> list[str]:
    """The attributes that differ (empty: the observation is right)."""
    return [key for key, found in (("unit", obs.unit), ("period", obs.period), ("measure", obs.measure),
                                   ("basis", obs.basis))
            if str(figure[key]) != (found or "")]


@dataclass
class DocScore:
    name: str
    holdout: bool
    text_path: Path
    figures: int = 0
    right: int = 0
    wrong: int = 0
    missed: int = 0
    extra: int = 0
    mapped: int = 0
    mappable: int = 0  # right figures whose pinned indicator_id is a codebook id (not new:)
    ids_given: int = 0  # matched figures whose observation carries an indicator id
    wrong_ids: int = 0  # ... an id other than the pinned one (a pinned new: id has none in the codebook)
    empty_units: int = 0  # observations of the document published with no unit
    missed_items: list[dict] = field(default_factory=list)
    wrong_items: list[tuple[dict, Observation, list[str]]] = field(default_factory=list)
    extra_items: list[tuple[Observation, str]] = field(default_factory=list)
    qualifier_items: list[tuple[dict, Observation]] = field(default_factory=list)
    unmapped_items: list[tuple[dict, Observation]] = field(default_factory=list)
    wrong_id_items: list[tuple[dict, Observation]] = field(default_factory=list)

    @property
    def qualifier_mismatch(self) -> int:
        return len(self.qualifier_items)


def _hint(obs: Observation, missed: list[dict]) -> str:
    """Why an extra observation may be a misread pinned figure on the same line."""
    for figure in missed:
        if figure["line"] != obs.line or math.isnan(obs.value) or not obs.value:
            continue
        expected = float(figure["value"])
        if _same_value(-expected, obs.value):
            return f"the sign of pinned {figure['printed']!r} ({_number(figure['value'])})"
        ratio = abs(expected / obs.value) if obs.value else 0
        for power in (1e4, 1e8, 1e12, 1e-4, 1e-8):
            if math.isclose(ratio, power, rel_tol=1e-9):
                return f"pinned {figure['printed']!r} ({_number(figure['value'])}) off by a factor {power:g}"
    return ""


def _score_document(doc: UnseenDocument, observations: list[Observation]) -> DocScore:
    result = DocScore(doc.name, doc.holdout, doc.text_path, figures=len(doc.figures))
    by_line: dict[int, list[int]] = {}
    for index, obs in enumerate(observations):
        by_line.setdefault(obs.line, []).append(index)
    used: set[int] = set()
    matched: dict[int, tuple[int, list[str]]] = {}  # figure index -> (observation index, differing attrs)
    candidates = {
        i: [j for j in by_line.get(figure["line"], []) if _same_value(float(figure["value"]), observations[j].value)]
        for i, figure in enumerate(doc.figures)
    }
    # right matches first, so that a wrong reading of one figure cannot take the observation
    # that is right for another figure printed with the same number on the same line
    for i, figure in enumerate(doc.figures):
        for j in candidates[i]:
            if j not in used and not _attributes_match(figure, observations[j]):
                used.add(j)
                matched[i] = (j, [])
                break
    for i, figure in enumerate(doc.figures):
        if i in matched:
            continue
        for j in candidates[i]:
            if j not in used:
                used.add(j)
                matched[i] = (j, _attributes_match(figure, observations[j]))
                break
    for i, figure in enumerate(doc.figures):
        if i not in matched:
            result.missed += 1
            result.missed_items.append(figure)
            continue
        j, differs = matched[i]
        obs = observations[j]
        if obs.indicator_id:
            result.ids_given += 1
            if obs.indicator_id != figure["indicator_id"]:
                result.wrong_ids += 1
                result.wrong_id_items.append((figure, obs))
        if differs:
            result.wrong += 1
            result.wrong_items.append((figure, obs, differs))
        else:
            result.right += 1
            if not str(figure["indicator_id"]).startswith("new:"):
                result.mappable += 1
                if obs.indicator_id == figure["indicator_id"]:
                    result.mapped += 1
                else:
                    result.unmapped_items.append((figure, obs))
        if (obs.qualifier or "") != figure["qualifier"]:
            result.qualifier_items.append((figure, obs))
    result.empty_units = sum(1 for obs in observations if not obs.unit)
    asides = {}
    for item in doc.set_aside:
        asides.setdefault(item["line"], []).append(item)
    for j, obs in enumerate(observations):
        if j in used:
            continue
        note = ""
        for item in asides.get(obs.line, []):
            if obs.value_raw and obs.value_raw.replace(",", "") in _fold(item["printed"]):
                note = f"set aside as {item['printed']!r}: {item['reason']}"
                break
        hint = _hint(obs, result.missed_items)
        if hint:
            note = (note + "; " if note else "") + f"looks like {hint}"
        result.extra += 1
        result.extra_items.append((obs, note))
    return result


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(",", "")


@dataclass
class Score:
    documents: list[DocScore]

    def _total(self, name: str) -> int:
        return sum(getattr(doc, name) for doc in self.documents)

    @property
    def figures(self) -> int:
        return self._total("figures")

    @property
    def right(self) -> int:
        return self._total("right")

    @property
    def wrong(self) -> int:
        return self._total("wrong")

    @property
    def missed(self) -> int:
        return self._total("missed")

    @property
    def extra(self) -> int:
        return self._total("extra")

    @property
    def mapped(self) -> int:
        return self._total("mapped")

    @property
    def mappable(self) -> int:
        return self._total("mappable")

    @property
    def qualifier_mismatch(self) -> int:
        return self._total("qualifier_mismatch")

    @property
    def ids_given(self) -> int:
        return self._total("ids_given")

    @property
    def wrong_ids(self) -> int:
        return self._total("wrong_ids")

    @property
    def empty_units(self) -> int:
        return self._total("empty_units")

    def document(self, name: str) -> DocScore:
        for doc in self.documents:
            if doc.name == name:
                return doc
        raise KeyError(name)

    def as_dict(self) -> dict:
        keys = ("figures", "right", "wrong", "missed", "extra", "mapped", "mappable", "qualifier_mismatch",
                "ids_given", "wrong_ids", "empty_units")
        return {
            "total": {key: getattr(self, key) for key in keys},
            "documents": {doc.name: {key: getattr(doc, key) for key in keys} for doc in self.documents},
        }

    def summary(self) -> str:
        header = f"{'document':34s} {'figures':>7s} {'right':>6s} {'wrong':>6s} {'missed':>6s} {'extra':>6s} {'mapped':>8s} {'qual≠':>6s}"
        rows = [header, "-" * len(header)]
        for doc in self.documents:
            label = doc.name + (" (holdout)" if doc.holdout else "")
            rows.append(f"{label:34s} {doc.figures:7d} {doc.right:6d} {doc.wrong:6d} {doc.missed:6d} {doc.extra:6d} "
                        f"{doc.mapped:>3d}/{doc.mappable:<4d} {doc.qualifier_mismatch:6d}")
        rows.append("-" * len(header))
        rows.append(f"{'total':34s} {self.figures:7d} {self.right:6d} {self.wrong:6d} {self.missed:6d} {self.extra:6d} "
                    f"{self.mapped:>3d}/{self.mappable:<4d} {self.qualifier_mismatch:6d}")
        share = f"{100 * self.right / self.figures:.1f}%" if self.figures else "-"
        rows.append(f"right {self.right} of {self.figures} pinned figures ({share}); {self.extra} extra observations")
        rows.append(f"indicator ids: {self.wrong_ids} wrong of {self.ids_given} given (precision); "
                    f"{self.mapped} of {self.mappable} right figures with a codebook id got it (recall); "
                    f"{self.empty_units} observations with an empty unit")
        return "\n".join(rows)

    def report(self, details: bool = True) -> str:
        parts = [self.summary()]
        if not details:
            return "\n".join(parts)
        parts.append("")
        parts.append("right = value, unit, period, measure and basis as pinned; wrong = the pinned value is on the "
                     "line but another unit/period/measure/basis; missed = no observation with the pinned value on "
                     "that line; extra = an observation no pinned figure accounts for; mapped = right figures "
                     "carrying their pinned codebook id / right figures whose pinned id is in the codebook; "
                     "qual≠ = matched figures whose qualifier differs.")
        for doc in self.documents:
            if not (doc.missed_items or doc.wrong_items or doc.extra_items or doc.qualifier_items
                    or doc.unmapped_items or doc.wrong_id_items):
                continue
            try:
                where = doc.text_path.relative_to(REPO_ROOT)
            except ValueError:
                where = doc.text_path
            parts.append("")
            parts.append(f"== {doc.name} ({where})")
            events: list[tuple[int, int, str]] = []
            for figure in doc.missed_items:
                events.append((figure["line"], 0, f"MISSED     L{figure['line']:<4d} {figure['printed']!r}: "
                                                  f"expected {_describe_figure(figure)}"))
            for figure, obs, differs in doc.wrong_items:
                events.append((figure["line"], 1, f"WRONG      L{figure['line']:<4d} {figure['printed']!r}: "
                                                  f"{', '.join(differs)} differ\n"
                                                  f"{'':17s}expected {_describe_figure(figure)}\n"
                                                  f"{'':17s}got      {obs.describe()}"))
            for obs, note in doc.extra_items:
                events.append((obs.line, 2, f"EXTRA      L{obs.line:<4d} {obs.describe()}"
                                            + (f"\n{'':17s}({note})" if note else "")))
            for figure, obs in doc.qualifier_items:
                events.append((figure["line"], 3, f"QUALIFIER  L{figure['line']:<4d} {figure['printed']!r}: "
                                                  f"expected {figure['qualifier']!r}, got {obs.qualifier!r}"))
            for figure, obs in doc.wrong_id_items:
                events.append((figure["line"], 5, f"WRONG ID   L{figure['line']:<4d} {figure['printed']!r}: "
                                                  f"expected {figure['indicator_id']}, got {obs.indicator_id} "
                                                  f"for {obs.indicator_zh!r}"))
            for figure, obs in doc.unmapped_items:
                events.append((figure["line"], 4, f"INDICATOR  L{figure['line']:<4d} {figure['printed']!r}: "
                                                  f"expected {figure['indicator_id']}, got "
                                                  f"{obs.indicator_id or '(no id)'} for {obs.indicator_zh!r}"))
            parts.extend(text for _, _, text in sorted(events, key=lambda e: (e[0], e[1])))
        return "\n".join(parts)


def score(project: Path, docs: list[UnseenDocument]) -> Score:
    """Compare project/data/clean/observations.csv with the pinned figures of `docs`."""
    observations = read_observations(Path(project))
    by_doc: dict[str, list[Observation]] = {}
    for obs in observations:
        by_doc.setdefault(obs.doc_id, []).append(obs)
    return Score([_score_document(doc, by_doc.get(doc.doc_id, [])) for doc in docs])


# --- command line --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Extract the unseen corpus in a temporary project and score it.")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--holdout", action="store_true", help="score the holdout documents (never tune on them)")
    which.add_argument("--all", action="store_true", help="score the tuning and the holdout documents")
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="unseen",
                        help="which corpus: tests/fixtures/unseen (default) or tests/fixtures/reading")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project and print its path")
    parser.add_argument("--summary", action="store_true", help="print the table only, not every miss")
    args = parser.parse_args(argv)

    docs = documents(holdout=None if args.all else bool(args.holdout), folder=CORPORA[args.corpus])
    folder = Path(tempfile.mkdtemp(prefix="renshe-unseen-"))
    try:
        project = make_project(folder / "project", docs)
        completed = run_extract(project)
        if completed.returncode != 0:
            print(f"renshe extract failed (exit {completed.returncode}) on {len(docs)} unseen documents:", file=sys.stderr)
            print(completed.stderr.strip() or completed.stdout.strip(), file=sys.stderr)
            return 1
        result = score(project, docs)
        print(result.report(details=not args.summary))
        return 0
    finally:
        if args.keep:
            print(f"\nproject kept in {folder / 'project'}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
