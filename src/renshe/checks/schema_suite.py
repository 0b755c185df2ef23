"""The observations' own checks (the `schema:` section of rules.yaml) as two Great Expectations
suites, each run on a frame sized by what it checks:

- `schema.observations` on the observations: every contract column, the allowed values, the
  period pattern, the unique key, percentages between 0 and 100;
- `schema.lines` on the distinct quoted lines (a document's line is quoted by every figure it
  holds): each line exists in its document and is quoted as printed.

Their results become check rows (schema#1, ...) in the order one suite of them all was reported
in, a failing line counted and quoted through every observation that quotes it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from renshe.checks.crosschecks import CHECK_COLUMNS
from renshe.checks.crosschecks.columns import per_distinct
from renshe.ingest.documents import DocumentEntry, read_document
from renshe.ingest.numbers import BASE_UNITS, QUALIFIERS
from renshe.periods import PERIOD_PATTERN  # the one period vocabulary
from renshe.schema import BASES, LEVELS, MEASURES, OBSERVATION_COLUMNS

SCHEMA_SUITE = "schema.observations"
LINES_SUITE = "schema.lines"
SUITE_META = {SCHEMA_SUITE: {"built_from": "expectations/rules.yaml schema:", "frame": "observations"},
              LINES_SUITE: {"built_from": "expectations/rules.yaml schema:",
                            "frame": "the observations' distinct quoted lines (doc_id, source_line, source_text)"}}
# Columns every observation must fill (indicator_id may stay '' until the codebook names it).
DEFAULT_REQUIRED = ["doc_id", "table_id", "region", "region_code", "level", "indicator_zh", "period",
                    "measure", "value", "unit", "value_raw", "source_line", "source_text"]
DEFAULT_KEY = ["doc_id", "table_id", "region", "indicator_key", "period", "measure", "basis", "source_line"]
LINE_KEY = ["doc_id", "source_line", "source_text"]
LINE_COLUMNS = {"line_count", "raw_line", "source_text_stripped"}
MAX_EXAMPLES = 5


class DocumentLines(Mapping):
    """The raw lines of the observed documents by doc_id, each document read when asked for.

    A national corpus's text held whole beside its observations would cost more memory than
    they do; the checks read one document at a time (the last one read is kept)."""

    def __init__(self, entries: dict[str, DocumentEntry]):
        self._entries = entries
        self._last: tuple[str, list[str]] | None = None

    def __getitem__(self, doc_id: str) -> list[str]:
        if self._last is None or self._last[0] != doc_id:
            self._last = (doc_id, read_document(self._entries[doc_id]).raw_lines)
        return self._last[1]

    def __iter__(self):
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


# --- the frames ---------------------------------------------------------------------------

def schema_frame(observations: pd.DataFrame) -> pd.DataFrame:
    """The observations plus the derived columns `schema.observations` tests."""
    frame = observations.copy(deep=False)  # copy-on-write: the caller's frame is not touched
    frame["row_id"] = range(len(frame))
    frame["indicator_key"] = frame["indicator_id"].where(frame["indicator_id"] != "", frame["indicator_zh"])
    is_level_percent = (frame["unit"] == "%") & ~frame["measure"].isin(["change", "change_pct"])
    frame["percent_level"] = frame["value"].where(is_level_percent)
    return frame


def lines_frame(schema: pd.DataFrame, doc_lines: Mapping[str, list[str]]) -> pd.DataFrame:
    """Each distinct quoted line once (`row_id`: its first observation's), with what `schema.lines`
    tests: the document's line count and the raw line at `source_line`, both stripped."""
    lines = schema[["row_id", *LINE_KEY]].drop_duplicates(LINE_KEY).reset_index(drop=True)
    line_count: dict[str, int] = {}

    def raw_line(doc_id: str, number: int) -> str:  # asked for a document's lines together
        document = doc_lines.get(doc_id, [])
        line_count[doc_id] = len(document)
        return document[number - 1].strip() if 1 <= number <= len(document) else ""

    lines["raw_line"] = pd.array(per_distinct(raw_line, lines["doc_id"], lines["source_line"]), dtype="string")
    lines["line_count"] = lines["doc_id"].map(line_count).fillna(0).astype("int64")
    lines["source_text_stripped"] = pd.array(per_distinct(lambda text: text.strip(), lines["source_text"]),
                                             dtype="string")
    return lines


# --- the expectations ---------------------------------------------------------------------

def schema_expectations(settings: dict) -> list[tuple[str, dict]]:
    """Every schema expectation, in the order of the check rows."""
    required = settings.get("required_columns", DEFAULT_REQUIRED)
    units = settings.get("allowed_units") or sorted(set(BASE_UNITS.values()))
    numeric = {"value", "source_line", "source_page"}
    expectations: list[tuple[str, dict]] = [("ExpectColumnToExist", {"column": c}) for c in OBSERVATION_COLUMNS]
    expectations += [("ExpectColumnValuesToNotBeNull", {"column": c}) for c in required]
    expectations += [("ExpectColumnValueLengthsToBeBetween", {"column": c, "min_value": 1})
                     for c in required if c not in numeric]
    expectations += [
        ("ExpectColumnValuesToBeOfType", {"column": "value", "type_": "float64"}),
        ("ExpectColumnValuesToBeOfType", {"column": "source_line", "type_": "int64"}),
        ("ExpectColumnValuesToBeOfType", {"column": "source_page", "type_": "int64"}),
        ("ExpectColumnValuesToBeInSet", {"column": "unit", "value_set": units}),
        ("ExpectColumnValuesToBeInSet", {"column": "measure", "value_set": list(MEASURES)}),
        ("ExpectColumnValuesToBeInSet", {"column": "qualifier", "value_set": list(QUALIFIERS)}),
        ("ExpectColumnValuesToBeInSet", {"column": "level", "value_set": list(LEVELS)}),
        ("ExpectColumnValuesToBeInSet", {"column": "basis", "value_set": list(BASES)}),
        ("ExpectColumnValuesToMatchRegex", {"column": "period", "regex": PERIOD_PATTERN}),
        ("ExpectColumnValuesToBeBetween", {"column": "source_line", "min_value": 1}),
        ("ExpectColumnValuesToBeBetween", {"column": "source_page", "min_value": 0}),
        ("ExpectColumnPairValuesAToBeGreaterThanB",
         {"column_A": "line_count", "column_B": "source_line", "or_equal": True}),
        ("ExpectColumnPairValuesToBeEqual", {"column_A": "source_text_stripped", "column_B": "raw_line"}),
        ("ExpectColumnValuesToBeBetween", {"column": "percent_level", "min_value": 0, "max_value": 100}),
        ("ExpectCompoundColumnsToBeUnique", {"column_list": settings.get("unique_key", DEFAULT_KEY)}),
    ]
    return expectations


def on_lines(kwargs: dict) -> bool:
    """Whether an expectation tests the quoted lines (and runs in `schema.lines`)."""
    return any(kwargs.get(key) in LINE_COLUMNS for key in ("column", "column_A", "column_B"))


def suites(settings: dict) -> dict[str, list[tuple[str, dict]]]:
    expectations = schema_expectations(settings)
    return {SCHEMA_SUITE: [e for e in expectations if not on_lines(e[1])],
            LINES_SUITE: [e for e in expectations if on_lines(e[1])]}


# --- results -> check rows ------------------------------------------------------------------

def unexpected_ids(result, id_column: str) -> list:
    """The ids of an outcome's unexpected rows: one entry per row, or one list of them all (a
    result without the unexpected values)."""
    ids: list = []
    for entry in (result.result or {}).get("unexpected_index_list") or []:
        value = entry[id_column] if isinstance(entry, dict) else entry
        ids.extend(value) if isinstance(value, list) else ids.append(value)
    return ids


def expectation_label(config) -> str:
    kwargs = config.kwargs
    subject = kwargs.get("column") or (f"{kwargs['column_A']},{kwargs['column_B']}" if "column_A" in kwargs
                                       else "+".join(kwargs.get("column_list", [])))
    return f"{config.type}:{subject}"


def reporting_order(expectations: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The order Great Expectations reports a suite's results in: grouped by `column`, groups in
    order of first appearance, those without a `column` together (as its Validator sorts them).
    The check rows keep the order one suite of all of them had."""
    groups: dict[str | None, list[tuple[str, dict]]] = {}
    for expectation in expectations:
        column = expectation[1].get("column")
        groups.setdefault(column if isinstance(column, str) else None, []).append(expectation)
    return [expectation for group in groups.values() for expectation in group]


def _label(kind: str, kwargs: dict) -> str:
    """`expectation_label` of an expectation not yet run ('ExpectColumnToExist' -> 'expect_column_to_exist')."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()
    subject = kwargs.get("column") or (f"{kwargs['column_A']},{kwargs['column_B']}" if "column_A" in kwargs
                                       else "+".join(kwargs.get("column_list", [])))
    return f"{snake}:{subject}"


def in_order(settings: dict, observations_result, lines_result) -> list[tuple[object, bool]]:
    """The two suites' outcomes in the order of the check rows, each with whether it was run on the lines."""
    outcomes: dict[str, list[tuple[object, bool]]] = {}
    for result, about_lines in ((observations_result, False), (lines_result, True)):
        for outcome in result.results:
            outcomes.setdefault(expectation_label(outcome.expectation_config), []).append((outcome, about_lines))
    return [outcomes[_label(kind, kwargs)].pop(0) for kind, kwargs in reporting_order(schema_expectations(settings))]


def schema_rows(frame: pd.DataFrame, lines: pd.DataFrame, outcomes: list[tuple[object, bool]]) -> list[dict]:
    rows = []
    for outcome, about_lines in outcomes:
        ids = unexpected_ids(outcome, "row_id")
        bad = frame.iloc[0:0]
        if ids:
            bad = _quoting(frame, lines[lines["row_id"].isin(ids)]) if about_lines else frame[frame["row_id"].isin(ids)]
        label = expectation_label(outcome.expectation_config)
        observed = (outcome.result or {}).get("observed_value")
        count = (outcome.result or {}).get("unexpected_count")
        if about_lines and count is not None:
            count = len(bad)  # the observations quoting the failing lines
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


def _quoting(frame: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """The observations (in their order) that quote one of `lines`."""
    quoted = pd.MultiIndex.from_frame(frame[LINE_KEY]).isin(pd.MultiIndex.from_frame(lines[LINE_KEY]))
    return frame[quoted]
