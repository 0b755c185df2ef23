"""`renshe validate`: the schema suite and the cross-check rules, run once with Great Expectations.

Flow: observations + codebook + rules -> derived frames (crosschecks/) -> one GX suite per
rule, built from rules.yaml and stored in the file-backed context under expectations/gx/
(suites are JSON, reviewable in a diff; unchanged expectations keep their ids) -> each
suite validated once on its frame -> GX's unexpected rows mapped back to check rows ->
data/clean/checks.csv, data/clean/gx_validation_results.json and data/clean/data-docs/.

Findings are results: a failing check is a row with status `fail` (severity error) or
`warn` (severity warning); only bad input raises.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from renshe.ingest.codebook import load_codebook
from renshe.checks.crosschecks import CHECK_COLUMNS, CheckInputs, DerivedFrame, build, prepare
from renshe.checks.schema_suite import (LINES_SUITE, SCHEMA_SUITE, SUITE_META, DocumentLines, expectation_label,
                                        in_order, lines_frame, schema_frame, schema_rows, unexpected_ids)
from renshe.checks.schema_suite import suites as schema_suites
from renshe.ingest.documents import load_registry
from renshe.errors import RensheError
from renshe.outputs import atomic_directory, atomic_write_bytes, write_csv
from renshe.paths import ProjectPaths
from renshe.checks.changes import FIGURE_COLUMNS, ReleaseLog, record_release
from renshe.checks.editions import superseded_by
from renshe.checks.implied import write_implied
from renshe.checks.rules import Rule, RuleSet, load_rules
from renshe.schema import coerce_observations

STATUSES = ("pass", "fail", "warn")
DATASOURCE = "renshe"
DATA_DOCS_DIR = "data-docs"
RESULTS_FILE = "gx_validation_results.json"
IMPLIED_FILE = "implied.csv"  # the derived previous levels (checks/implied.py), never printed figures


@dataclass
class ValidationResults:
    checks: pd.DataFrame
    rules_path: Path
    output_dir: Path
    notes: list[str] = field(default_factory=list)
    release: ReleaseLog | None = None  # what this validation changed (checks/changes.py)

    def count(self, status: str) -> int:
        return int((self.checks["status"] == status).sum())

    @property
    def passed(self) -> int:
        return self.count("pass")

    @property
    def failed(self) -> int:
        return self.count("fail")

    @property
    def warnings(self) -> int:
        return self.count("warn")

    @property
    def failed_errors(self) -> int:
        return int(((self.checks["status"] == "fail") & (self.checks["severity"] == "error")).sum())

    def by_rule_type(self) -> pd.DataFrame:
        return self.summary(["rule_type"])

    def summary(self, by: list[str]) -> pd.DataFrame:
        table = pd.crosstab([self.checks[c] for c in by], self.checks["status"])
        return table.reindex(columns=list(STATUSES), fill_value=0)


# --- inputs ---------------------------------------------------------------------------

def _load_inputs(paths: ProjectPaths, rules_path: Path | None) -> tuple[pd.DataFrame, CheckInputs, RuleSet]:
    target = paths.clean / "observations.parquet"
    if not target.is_file():
        raise RensheError("no observations yet; run `renshe extract` first", target)
    observations = _read_observations(target)
    codebook = {str(e["id"]): e for e in load_codebook(paths.codebook).entries if e.get("id")}
    registry = load_registry(paths)
    rules = load_rules(Path(rules_path) if rules_path else paths.rules,
                       indicator_ids=set(codebook) if codebook else None,
                       region_names=set(registry.region_names()))
    observed = set(observations["doc_id"].unique())
    doc_lines = DocumentLines({entry.doc_id: entry for entry in registry.documents if entry.doc_id in observed})
    prepared = prepare(observations)
    replaced = superseded_by(registry.documents)  # the checks read the latest editions' figures
    earlier = prepared["doc_id"].astype(str).isin(list(replaced)).to_numpy() if replaced else None
    inputs = CheckInputs(
        observations=prepared[~earlier] if earlier is not None else prepared, codebook=codebook,
        region_parent={r.name: r.parent for r in registry.regions},
        region_level={r.name: r.level for r in registry.regions}, doc_lines=doc_lines,
        documents={entry.doc_id: entry for entry in registry.documents},
        superseded=prepared[earlier] if earlier is not None else None,
    )
    return observations, inputs, rules


def _read_observations(target: Path) -> pd.DataFrame:
    """observations.parquet with each column in one Arrow chunk, read a column at a time.

    Read whole, a large file arrives in pieces (one per batch of rows), and Arrow copies a
    column in pieces whole before taking rows from it: every selection of a few observations
    would copy the corpus's text once more. Joining the pieces a column at a time costs one
    column's copy, not the table's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = pq.ParquetFile(target)
    table = pa.table({name: file.read(columns=[name]).column(0).combine_chunks() for name in file.schema_arrow.names})
    text = pd.StringDtype("pyarrow")
    return coerce_observations(table.to_pandas(types_mapper={pa.string(): text, pa.large_string(): text}.get))


# --- Great Expectations ---------------------------------------------------------------

class _GX:
    """One file-backed context for the whole run; great_expectations is imported here only."""

    def __init__(self, root: Path):
        os.environ["GX_ANALYTICS_ENABLED"] = "False"
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx, self.gxe = gx, gxe
        self.context = gx.get_context(mode="file", project_root_dir=str(root))
        if getattr(self.context.variables.progress_bars, "globally", None) is not False:
            self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
            self.context.variables.save()
        names = [d.name for d in self.context.data_sources.all().values()]
        self.datasource = (self.context.data_sources.get(DATASOURCE) if DATASOURCE in names
                           else self.context.data_sources.add_pandas(DATASOURCE))
        self.gx_root = Path(self.context.root_directory)
        self._suites: dict | None = None
        self._validations: dict | None = None

    def clear_run_outputs(self) -> None:
        """Results and docs of earlier runs: the published docs show this run only."""
        for folder in ("uncommitted/validations", "uncommitted/data_docs"):
            shutil.rmtree(self.gx_root / folder, ignore_errors=True)

    def suite(self, name: str, expectations: list[tuple[str, dict]], meta: dict):
        wanted = [getattr(self.gxe, class_name)(**kwargs) for class_name, kwargs in expectations]
        existing = self._stored_suites().get(name)
        if existing is not None:
            # An unchanged suite keeps its file (and ids) untouched, so the committed JSON only
            # changes when rules.yaml does; a changed one is stored afresh.
            if [_identity(e) for e in existing.expectations] == [_identity(e) for e in wanted] \
                    and _own_meta(existing.meta) == _own_meta(meta):
                return existing
            self.context.suites.delete(name)
        # (built only now: GX writes each added expectation through to a stored suite of that name)
        suite = self.gx.ExpectationSuite(name=name, meta=dict(meta))  # GX adds its version to meta
        for expectation in wanted:
            suite.add_expectation(expectation)
        self._suites[name] = self.context.suites.add(suite)
        return self._suites[name]

    def _stored_suites(self) -> dict:
        """The stored suites by name, read from the project once per run (not once per rule)."""
        if self._suites is None:
            self._suites = {suite.name: suite for suite in self.context.suites.all()}
        return self._suites

    def _stored_validations(self) -> dict:
        """The stored validation definitions by name, read once per run."""
        if self._validations is None:
            self._validations = {v.name: v for v in self.context.validation_definitions.all()}
        return self._validations

    def validation(self, name: str, suite):
        assets = {a.name: a for a in self.datasource.assets}
        asset = assets.get(name) or self.datasource.add_dataframe_asset(name)
        batch = asset.batch_definitions[0] if asset.batch_definitions else \
            asset.add_batch_definition_whole_dataframe("whole")
        existing = self._stored_validations()
        if name in existing and existing[name].suite.id == suite.id and existing[name].data.id == batch.id:
            return existing[name]
        if name in existing:
            self.context.validation_definitions.delete(name)
        existing[name] = self.context.validation_definitions.add(
            self.gx.ValidationDefinition(name=name, data=batch, suite=suite))
        return existing[name]

    def run(self, validation, frame: pd.DataFrame, id_column: str, values: bool = True):
        """Validate `frame`; every unexpected row is named by `id_column` (a column, or the index's
        name). `values=False` leaves the unexpected values out of the result: for a rule's checks
        they are the tested ratios, and listing them for each failing check of a large corpus
        would cost more than the checks (the ids come as one list per expectation)."""
        result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": [id_column],
                         "exclude_unexpected_values": not values}
        try:
            return validation.run(batch_parameters={"dataframe": frame}, result_format=result_format)
        finally:
            # the data source's engine keeps every asset's last dataframe: the observations'
            # frame would stay in memory through every later rule
            batches = self.datasource.get_execution_engine().batch_manager
            batches.batch_data_cache.clear()
            batches.reset_batch_cache()

    def prune(self, keep: set[str]) -> None:
        """Forget suites, validations and assets of rules that no longer exist."""
        for validation in list(self.context.validation_definitions.all()):
            if validation.name not in keep:
                self.context.validation_definitions.delete(validation.name)
        for suite in list(self.context.suites.all()):
            if suite.name not in keep:
                self.context.suites.delete(suite.name)
        for asset in list(self.datasource.assets):
            if asset.name not in keep:
                self.datasource.delete_asset(asset.name)

    def build_docs(self) -> Path:
        self.context.build_data_docs()
        return self.gx_root / "uncommitted" / "data_docs" / "local_site"


def _own_meta(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if k != "great_expectations_version"}


def _identity(expectation) -> str:
    """An expectation without its id: what it checks."""
    return json.dumps(expectation.configuration.to_json_dict() | {"id": None}, sort_keys=True, default=str)


# --- results -> check rows -------------------------------------------------------------

def _crosscheck_rows(derived: DerivedFrame, result) -> pd.DataFrame:
    failing: dict[str, list[str]] = {}
    for outcome in result.results if result is not None else []:
        for check_id in unexpected_ids(outcome, "check_id"):
            failing.setdefault(check_id, []).append(expectation_label(outcome.expectation_config))
    frame = derived.frame[CHECK_COLUMNS]
    bad = "fail" if derived.rule.severity == "error" else "warn"
    failed = frame["check_id"].isin(list(failing)).to_numpy(dtype=bool)
    suffix = frame["check_id"].map({c: f" — failed {', '.join(labels)}" for c, labels in failing.items()})
    frame = frame.assign(status=pd.Series(np.where(failed, bad, "pass"), index=frame.index, dtype="string"),
                         message=frame["message"].astype("string") + suffix.astype("string").fillna(""))
    notes = [_note_row(derived.rule, note) for note in derived.notes]
    if frame.empty and not notes:
        notes = [_note_row(derived.rule, "the rule matched no observations")]
    return pd.concat([_typed(frame), _typed(pd.DataFrame(notes, columns=CHECK_COLUMNS))], ignore_index=True) \
        if notes else _typed(frame)


NUMERIC_CHECK_COLUMNS = ("value_a", "value_b", "computed", "gap", "tolerance")


def _typed(rows: pd.DataFrame) -> pd.DataFrame:
    """Check rows with one dtype per column (text as Arrow strings, figures as floats; a blank
    figure is missing), so the rules' rows concatenate and write without a Python object per cell."""
    typed = {column: (pd.to_numeric(rows[column].replace("", np.nan), errors="coerce").astype("float64")
                      if column in NUMERIC_CHECK_COLUMNS else rows[column].astype("string"))
             for column in CHECK_COLUMNS}
    return pd.DataFrame(typed, index=rows.index)


def _tested_frame(derived: DerivedFrame) -> pd.DataFrame:
    """What Great Expectations sees of a rule's checks: the columns its expectations test, not
    the text around them, indexed by check id (GX reads a named index's unexpected ids in one pass)."""
    tested = ["check_id"]
    for _, kwargs in derived.expectations:
        for key in ("column", "column_A", "column_B"):
            if key in kwargs and kwargs[key] not in tested:
                tested.append(kwargs[key])
        tested += [c for c in kwargs.get("column_list", []) if c not in tested]
    return derived.frame[tested].set_index("check_id")


def _note_row(rule: Rule, note: str) -> dict:
    row = {c: "" for c in CHECK_COLUMNS}
    row.update(rule_id=rule.id, rule_type=rule.type, severity=rule.severity, status="warn",
               # the rules file by name: checks.csv must not depend on where the project lives
               computed_kind="no_instance", message=f"{note}; nothing was checked ({Path(rule.path).name}:{rule.line})")
    return row


# --- Data Docs without a CDN ----------------------------------------------------------------

_REMOTE_TAG = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']https?://[^\"']*[\"'][^>]*>(?:\s*</script>)?",
                         re.IGNORECASE)
_REMOTE_IMAGE = re.compile(r"(<img\b[^>]*\bsrc=)[\"']https?://[^\"']*?([\w.-]+\.(?:png|svg|gif))(?:\?[^\"']*)?[\"']",
                           re.IGNORECASE)


def publish_data_docs(site: Path, target: Path) -> None:
    """Copy GX's Data Docs to `target`, dropping every stylesheet and script it would fetch from a CDN.

    The pages are static HTML rendered by GX, so they read fine without them; only the
    index's sortable table, Bootstrap's styling and the font icons are lost. GX's own CSS
    stays (static/), and the logo it would load from S3 points at its local copy.
    """
    with atomic_directory(target) as staging:
        shutil.copytree(site, staging, dirs_exist_ok=True)
        for page in staging.rglob("*.html"):
            to_static = "../" * (len(page.relative_to(staging).parts) - 1) + "static/images/"
            html = _REMOTE_TAG.sub("", page.read_text(encoding="utf-8"))
            html = _REMOTE_IMAGE.sub(lambda m: f'{m.group(1)}"{to_static}{m.group(2)}"', html)
            page.write_text(html, encoding="utf-8")


# --- the run --------------------------------------------------------------------------------

def run_validation(paths: ProjectPaths | None = None, rules_path: Path | None = None) -> ValidationResults:
    """Run the schema suite and every rule once; write checks.csv, GX results and Data Docs."""
    paths = paths or ProjectPaths.at()
    _returning_allocator()
    observations, inputs, rules = _load_inputs(paths, rules_path)
    gx = _GX(paths.expectations)
    gx.clear_run_outputs()
    # the observations' own suites first: Great Expectations' work on the corpus and the rules'
    # frames are not in memory at the same time
    rows, results_json = _run_schema_suite(gx, observations, inputs.doc_lines, rules)
    large = len(observations) > LARGE_CORPUS
    del observations  # the rules read the prepared observations (inputs)
    if large:
        release_memory()
    names = {SCHEMA_SUITE, LINES_SUITE}
    for rule in rules.rules:  # one rule's frame at a time: built, judged, made rows, released
        item = build(rule, inputs)
        name = f"crosscheck.{rule.id}"
        names.add(name)
        suite = gx.suite(name, item.expectations, {"rule_id": rule.id, "rule_type": rule.type,
                                                   "severity": rule.severity, "description": rule.description})
        validation = gx.validation(name, suite)
        result = gx.run(validation, _tested_frame(item), "check_id", values=False) if len(item.frame) else None
        if result is not None:
            results_json.append(result.to_json_dict())
        rows.append(_crosscheck_rows(item, result))
        large_frame = len(item.frame) > LARGE_FRAME
        del item, result, validation
        if large_frame:  # a small frame's leftovers cost less than a collection over Great Expectations' objects
            release_memory()
    write_implied(inputs.observations, paths.clean / IMPLIED_FILE)  # the latest editions' only
    del inputs
    gx.prune(names)
    checks = pd.concat(rows, ignore_index=True)[CHECK_COLUMNS]
    del rows
    if large:
        release_memory()

    paths.clean.mkdir(parents=True, exist_ok=True)
    write_csv(checks, paths.clean / "checks.csv")
    atomic_write_bytes(paths.clean / RESULTS_FILE,
                       json.dumps(results_json, ensure_ascii=False, indent=1, default=str).encode("utf-8"))
    publish_data_docs(gx.build_docs(), paths.clean / DATA_DOCS_DIR)
    registry = load_registry(paths)
    observed = pd.read_parquet(paths.clean / "observations.parquet", columns=FIGURE_COLUMNS)
    release = record_release(paths, registry, observed, checks)
    return ValidationResults(checks, rules.path, paths.clean, release=release)


LARGE_FRAME = 10_000  # check rows after which a rule's leftovers are handed back before the next rule
LARGE_CORPUS = 100_000  # observations after which each step's leftovers are handed back before the next


def _returning_allocator() -> None:
    """Arrow's allocations from jemalloc where Arrow has it: it hands freed pages back to the
    system within a second, where the default pool kept them per thread (a million observations
    peaked 300-400 MB higher, and by a different amount in each run). Buffers already made keep
    the pool they came from."""
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a build of Arrow without jemalloc: its default pool stays
        pass


def release_memory() -> None:
    """Hand what the last step freed back to the system. Arrow's allocator and the C library's
    keep freed memory for reuse, and the next step's needs differ in shape: without this, each
    step's leftovers would sit under the next step's peak."""
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not the GNU C library: its own policy applies
        pass


def _run_schema_suite(gx: _GX, observations: pd.DataFrame, doc_lines: Mapping[str, list[str]],
                      rules: RuleSet) -> tuple[list[pd.DataFrame], list[dict]]:
    """The observations' own suites (schema_suite): their check rows and their GX results."""
    frame = schema_frame(observations)
    lines = lines_frame(frame, doc_lines)
    results = {}
    for name, expectations in schema_suites(rules.schema).items():
        suite = gx.suite(name, expectations, SUITE_META[name])
        results[name] = gx.run(gx.validation(name, suite), frame if name == SCHEMA_SUITE else lines, "row_id")
    outcomes = in_order(rules.schema, results[SCHEMA_SUITE], results[LINES_SUITE])
    rows = _typed(pd.DataFrame(schema_rows(frame, lines, outcomes), columns=CHECK_COLUMNS))
    return [rows], [result.to_json_dict() for result in results.values()]


def load_checks(paths: ProjectPaths | None = None) -> pd.DataFrame:
    """data/clean/checks.csv as written by the last `renshe validate`."""
    paths = paths or ProjectPaths.at()
    frame = pd.read_csv(paths.clean / "checks.csv", encoding="utf-8-sig", keep_default_na=False,
                        dtype=str)
    for column in ("value_a", "value_b", "computed", "gap", "tolerance"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


MAX_LISTED = 200  # flagged checks `renshe validate` prints; checks.csv holds them all


def format_results(results: ValidationResults) -> str:
    """What `renshe validate` prints: counts by rule type, then the failing or warning checks
    (the first MAX_LISTED: a national corpus can flag more than a terminal is for)."""
    lines = [f"{'rule type':16} {'pass':>5} {'fail':>5} {'warn':>5}"]
    for rule_type, counts in results.by_rule_type().iterrows():
        lines.append(f"{rule_type:16} {counts['pass']:>5} {counts['fail']:>5} {counts['warn']:>5}")
    lines.append(f"total: {results.passed} pass, {results.failed} fail "
                 f"({results.failed_errors} of severity error), {results.warnings} warn")
    flagged = np.flatnonzero((results.checks["status"] != "pass").to_numpy())
    columns = [results.checks[name] for name in ("status", "rule_id", "message", "sources")]
    for position in flagged[:MAX_LISTED]:  # a row at a time: taking rows copies each column of the rules' pieces whole
        status, rule_id, message, sources = (column.iloc[position] for column in columns)
        lines.append(f"  {status.upper():4} {rule_id}: {message} [{sources}]")
    if len(flagged) > MAX_LISTED:
        lines.append(f"  ... and {len(flagged) - MAX_LISTED} more flagged checks (status fail or warn in checks.csv)")
    if results.release is not None and results.release.summary():
        lines.append(results.release.summary())
    lines.append(f"wrote {results.output_dir / 'checks.csv'}, {RESULTS_FILE}, {DATA_DOCS_DIR}/, {IMPLIED_FILE}, changes.csv")
    return "\n".join(lines)


# --- for the report notebook --------------------------------------------------------------

SEVERITY_RANK = {"warning": 0, "error": 1}


def checks_for_report(paths: ProjectPaths | None = None, rules_file: str | Path | None = None) -> pd.DataFrame:
    """The last run's checks.csv; a run of its own only for another rules file (or none yet)."""
    paths = paths or ProjectPaths.at()
    if rules_file is None and (paths.clean / "checks.csv").is_file():
        return load_checks(paths)
    return run_validation(paths, rules_path=Path(rules_file) if rules_file else None).checks


def summary_by(checks: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    table = pd.crosstab([checks[c] for c in by], checks["status"])
    return table.reindex(columns=list(STATUSES), fill_value=0)


def flagged(checks: pd.DataFrame, severity_threshold: str = "warning") -> pd.DataFrame:
    """Failing and warning checks whose severity is at least `severity_threshold`."""
    if severity_threshold not in SEVERITY_RANK:
        raise RensheError(f"severity_threshold {severity_threshold!r} is not one of {tuple(SEVERITY_RANK)}")
    minimum = SEVERITY_RANK[severity_threshold]
    keep = (checks["status"] != "pass") & checks["severity"].map(SEVERITY_RANK).fillna(0).ge(minimum)
    return checks[keep]
