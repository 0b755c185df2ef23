"""`renshe validate`: the schema suite and the cross-check rules, run once with Great Expectations.

Flow: observations + codebook + rules -> derived frames (crosschecks.py) -> one GX suite per
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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from renshe.ingest.codebook import load_codebook
from renshe.checks.crosschecks import CHECK_COLUMNS, CheckInputs, DerivedFrame, build_all, prepare
from renshe.ingest.documents import load_registry, read_document
from renshe.errors import RensheError
from renshe.ingest.numbers import BASE_UNITS, QUALIFIERS
from renshe.outputs import atomic_directory, atomic_write_bytes, write_csv
from renshe.paths import ProjectPaths
from renshe.checks.rules import Rule, RuleSet, load_rules
from renshe.schema import BASES, LEVELS, MEASURES, OBSERVATION_COLUMNS, coerce_observations

STATUSES = ("pass", "fail", "warn")
DATASOURCE = "renshe"
SCHEMA_SUITE = "schema.observations"
DATA_DOCS_DIR = "data-docs"
RESULTS_FILE = "gx_validation_results.json"
# Columns every observation must fill (indicator_id may stay '' until the codebook names it).
DEFAULT_REQUIRED = ["doc_id", "table_id", "region", "region_code", "level", "indicator_zh", "period",
                    "measure", "value", "unit", "value_raw", "source_line", "source_text"]
DEFAULT_KEY = ["doc_id", "table_id", "region", "indicator_key", "period", "measure", "basis", "source_line"]
PERIOD_PATTERN = r"^\d{4}(?:-\d{2}|-Q[1-4]|-\d{4})?$"
MAX_EXAMPLES = 5


@dataclass
class ValidationResults:
    checks: pd.DataFrame
    rules_path: Path
    output_dir: Path
    notes: list[str] = field(default_factory=list)

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
    observations = coerce_observations(pd.read_parquet(target))
    codebook = {str(e["id"]): e for e in load_codebook(paths.codebook).entries if e.get("id")}
    registry = load_registry(paths)
    rules = load_rules(Path(rules_path) if rules_path else paths.rules,
                       indicator_ids=set(codebook) if codebook else None,
                       region_names=set(registry.region_names()))
    doc_lines = {}
    for entry in registry.documents:
        if entry.doc_id in set(observations["doc_id"]):
            doc_lines[entry.doc_id] = read_document(entry).raw_lines
    inputs = CheckInputs(
        observations=prepare(observations), codebook=codebook,
        region_parent={r.name: r.parent for r in registry.regions},
        region_level={r.name: r.level for r in registry.regions}, doc_lines=doc_lines,
    )
    return observations, inputs, rules


# --- the schema suite -----------------------------------------------------------------

def schema_frame(observations: pd.DataFrame, doc_lines: dict[str, list[str]]) -> pd.DataFrame:
    """The observations plus the derived columns the schema suite tests."""
    frame = observations.copy()
    frame["row_id"] = range(len(frame))
    frame["indicator_key"] = frame["indicator_id"].where(frame["indicator_id"] != "", frame["indicator_zh"])
    frame["line_count"] = frame["doc_id"].map(lambda d: len(doc_lines.get(d, []))).astype("int64")
    frame["raw_line"] = [_raw_line(doc_lines.get(d, []), n) for d, n in zip(frame["doc_id"], frame["source_line"])]
    frame["source_text_stripped"] = frame["source_text"].str.strip()
    is_level_percent = (frame["unit"] == "%") & ~frame["measure"].isin(["change", "change_pct"])
    frame["percent_level"] = frame["value"].where(is_level_percent)
    return frame


def _raw_line(lines: list[str], number: int) -> str:
    return lines[number - 1].strip() if 1 <= number <= len(lines) else ""


def schema_expectations(settings: dict) -> list[tuple[str, dict]]:
    required = settings.get("required_columns", DEFAULT_REQUIRED)
    units = settings.get("allowed_units") or sorted(set(BASE_UNITS.values()))
    numeric = {"value", "source_line"}
    expectations: list[tuple[str, dict]] = [("ExpectColumnToExist", {"column": c}) for c in OBSERVATION_COLUMNS]
    expectations += [("ExpectColumnValuesToNotBeNull", {"column": c}) for c in required]
    expectations += [("ExpectColumnValueLengthsToBeBetween", {"column": c, "min_value": 1})
                     for c in required if c not in numeric]
    expectations += [
        ("ExpectColumnValuesToBeOfType", {"column": "value", "type_": "float64"}),
        ("ExpectColumnValuesToBeOfType", {"column": "source_line", "type_": "int64"}),
        ("ExpectColumnValuesToBeInSet", {"column": "unit", "value_set": units}),
        ("ExpectColumnValuesToBeInSet", {"column": "measure", "value_set": list(MEASURES)}),
        ("ExpectColumnValuesToBeInSet", {"column": "qualifier", "value_set": list(QUALIFIERS)}),
        ("ExpectColumnValuesToBeInSet", {"column": "level", "value_set": list(LEVELS)}),
        ("ExpectColumnValuesToBeInSet", {"column": "basis", "value_set": list(BASES)}),
        ("ExpectColumnValuesToMatchRegex", {"column": "period", "regex": PERIOD_PATTERN}),
        ("ExpectColumnValuesToBeBetween", {"column": "source_line", "min_value": 1}),
        ("ExpectColumnPairValuesAToBeGreaterThanB",
         {"column_A": "line_count", "column_B": "source_line", "or_equal": True}),
        ("ExpectColumnPairValuesToBeEqual", {"column_A": "source_text_stripped", "column_B": "raw_line"}),
        ("ExpectColumnValuesToBeBetween", {"column": "percent_level", "min_value": 0, "max_value": 100}),
        ("ExpectCompoundColumnsToBeUnique", {"column_list": settings.get("unique_key", DEFAULT_KEY)}),
    ]
    return expectations


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

    def clear_run_outputs(self) -> None:
        """Results and docs of earlier runs: the published docs show this run only."""
        for folder in ("uncommitted/validations", "uncommitted/data_docs"):
            shutil.rmtree(self.gx_root / folder, ignore_errors=True)

    def suite(self, name: str, expectations: list[tuple[str, dict]], meta: dict):
        wanted = [getattr(self.gxe, class_name)(**kwargs) for class_name, kwargs in expectations]
        existing = {s.name: s for s in self.context.suites.all()}.get(name)
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
        return self.context.suites.add(suite)

    def validation(self, name: str, suite):
        assets = {a.name: a for a in self.datasource.assets}
        asset = assets.get(name) or self.datasource.add_dataframe_asset(name)
        batch = asset.batch_definitions[0] if asset.batch_definitions else \
            asset.add_batch_definition_whole_dataframe("whole")
        existing = {v.name: v for v in self.context.validation_definitions.all()}
        if name in existing and existing[name].suite.id == suite.id and existing[name].data.id == batch.id:
            return existing[name]
        if name in existing:
            self.context.validation_definitions.delete(name)
        return self.context.validation_definitions.add(
            self.gx.ValidationDefinition(name=name, data=batch, suite=suite))

    def run(self, validation, frame: pd.DataFrame, id_column: str):
        return validation.run(batch_parameters={"dataframe": frame},
                              result_format={"result_format": "COMPLETE",
                                             "unexpected_index_column_names": [id_column]})

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


def _unexpected_ids(result, id_column: str) -> list:
    entries = (result.result or {}).get("unexpected_index_list") or []
    return [entry[id_column] if isinstance(entry, dict) else entry for entry in entries]


def _expectation_label(config) -> str:
    kwargs = config.kwargs
    subject = kwargs.get("column") or (f"{kwargs['column_A']},{kwargs['column_B']}" if "column_A" in kwargs
                                       else "+".join(kwargs.get("column_list", [])))
    return f"{config.type}:{subject}"


# --- results -> check rows -------------------------------------------------------------

def _crosscheck_rows(derived: DerivedFrame, result) -> pd.DataFrame:
    frame = derived.frame.copy()
    failing: dict[str, list[str]] = {}
    for outcome in result.results if result is not None else []:
        for check_id in _unexpected_ids(outcome, "check_id"):
            failing.setdefault(check_id, []).append(_expectation_label(outcome.expectation_config))
    bad = "fail" if derived.rule.severity == "error" else "warn"
    frame["status"] = [bad if c in failing else "pass" for c in frame["check_id"]]
    frame["message"] = [m + (f" — failed {', '.join(failing[c])}" if c in failing else "")
                        for m, c in zip(frame["message"], frame["check_id"])]
    notes = [_note_row(derived.rule, note) for note in derived.notes]
    if frame.empty and not notes:
        notes = [_note_row(derived.rule, "the rule matched no observations")]
    return pd.concat([frame[CHECK_COLUMNS], pd.DataFrame(notes, columns=CHECK_COLUMNS)], ignore_index=True) \
        if notes else frame[CHECK_COLUMNS]


def _note_row(rule: Rule, note: str) -> dict:
    row = {c: "" for c in CHECK_COLUMNS}
    row.update(rule_id=rule.id, rule_type=rule.type, severity=rule.severity, status="warn",
               # the rules file by name: checks.csv must not depend on where the project lives
               computed_kind="no_instance", message=f"{note}; nothing was checked ({Path(rule.path).name}:{rule.line})")
    return row


def _schema_rows(frame: pd.DataFrame, result) -> list[dict]:
    rows = []
    for outcome in result.results:
        ids = _unexpected_ids(outcome, "row_id")
        bad = frame[frame["row_id"].isin(ids)] if ids else frame.iloc[0:0]
        label = _expectation_label(outcome.expectation_config)
        observed = (outcome.result or {}).get("observed_value")
        count = (outcome.result or {}).get("unexpected_count")
        success = bool(outcome.success)
        examples = "; ".join(f"{r.doc_id}:{r.source_line} {r.indicator_zh}={r.value_raw}{r.unit_raw}"
                             for r in bad.head(MAX_EXAMPLES).itertuples())
        message = "ok" if success else (f"{count or len(bad)} unexpected row(s)" +
                                        (f", e.g. {examples}" if examples else "") +
                                        (f"; observed {observed}" if observed is not None else ""))
        sources = "; ".join(dict.fromkeys(f"{d}:{n}" for d, n in zip(bad["doc_id"], bad["source_line"])))
        text = " | ".join(dict.fromkeys(f"[{d}:{n}] {t.strip()}" for d, n, t in
                                        zip(bad["doc_id"], bad["source_line"], bad["source_text"])))
        row = {c: "" for c in CHECK_COLUMNS}
        row.update(check_id=f"schema#{len(rows) + 1}", rule_id=f"schema.{label}", rule_type="schema",
                   severity="error", status="pass" if success else "fail", level_pair="all",
                   computed=float(count) if count is not None else float("nan"), computed_kind="unexpected_rows",
                   sources=sources, source_text=text, message=f"{label}: {message}")
        rows.append(row)
    return rows


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
    observations, inputs, rules = _load_inputs(paths, rules_path)
    derived = build_all(rules.rules, inputs)
    schema = schema_frame(observations, inputs.doc_lines)

    gx = _GX(paths.expectations)
    gx.clear_run_outputs()
    schema_suite = gx.suite(SCHEMA_SUITE, schema_expectations(rules.schema),
                            {"built_from": "expectations/rules.yaml schema:", "frame": "observations"})
    schema_result = gx.run(gx.validation(SCHEMA_SUITE, schema_suite), schema, "row_id")
    results_json = [schema_result.to_json_dict()]
    rows = [pd.DataFrame(_schema_rows(schema, schema_result), columns=CHECK_COLUMNS)]
    names = {SCHEMA_SUITE}
    for item in derived:
        name = f"crosscheck.{item.rule.id}"
        names.add(name)
        suite = gx.suite(name, item.expectations, {"rule_id": item.rule.id, "rule_type": item.rule.type,
                                                   "severity": item.rule.severity,
                                                   "description": item.rule.description})
        validation = gx.validation(name, suite)
        result = gx.run(validation, item.frame, "check_id") if len(item.frame) else None
        if result is not None:
            results_json.append(result.to_json_dict())
        rows.append(_crosscheck_rows(item, result))
    gx.prune(names)
    checks = pd.concat(rows, ignore_index=True)[CHECK_COLUMNS]

    paths.clean.mkdir(parents=True, exist_ok=True)
    write_csv(checks, paths.clean / "checks.csv")
    atomic_write_bytes(paths.clean / RESULTS_FILE,
                       json.dumps(results_json, ensure_ascii=False, indent=1, default=str).encode("utf-8"))
    publish_data_docs(gx.build_docs(), paths.clean / DATA_DOCS_DIR)
    return ValidationResults(checks, rules.path, paths.clean)


def load_checks(paths: ProjectPaths | None = None) -> pd.DataFrame:
    """data/clean/checks.csv as written by the last `renshe validate`."""
    paths = paths or ProjectPaths.at()
    frame = pd.read_csv(paths.clean / "checks.csv", encoding="utf-8-sig", keep_default_na=False,
                        dtype=str)
    for column in ("value_a", "value_b", "computed", "gap", "tolerance"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def format_results(results: ValidationResults) -> str:
    """What `renshe validate` prints: counts by rule type, then every failing or warning check."""
    lines = [f"{'rule type':16} {'pass':>5} {'fail':>5} {'warn':>5}"]
    for rule_type, counts in results.by_rule_type().iterrows():
        lines.append(f"{rule_type:16} {counts['pass']:>5} {counts['fail']:>5} {counts['warn']:>5}")
    lines.append(f"total: {results.passed} pass, {results.failed} fail "
                 f"({results.failed_errors} of severity error), {results.warnings} warn")
    flagged = results.checks[results.checks["status"] != "pass"]
    for row in flagged.itertuples():
        lines.append(f"  {row.status.upper():4} {row.rule_id}: {row.message} [{row.sources}]")
    lines.append(f"wrote {results.output_dir / 'checks.csv'}, {RESULTS_FILE}, {DATA_DOCS_DIR}/")
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
