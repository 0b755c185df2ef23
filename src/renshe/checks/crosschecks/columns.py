"""Check rows built column by column, for builders that must scale with the corpus.

A builder selects and pairs observations with pandas (group numbers, sorts, merges) into a
frame of pairs: one row per check, the first operand's columns as in the observations and
each other operand's under a prefix (`parent_`, `first_`, ...). Every check column is then
computed for all rows at once; only the words of a check (its message, its quoted lines)
are written per check, and a value that repeats is formatted once. Nothing here makes a
Python object per observation: a million observations cost a few columns, not a million dicts.

The rows are those `frames.check_row` writes, value for value (checks.csv stays the same
bytes); the helpers mirror `_groups` (groups in order of first appearance) and
`_most_precise` (smallest half-unit, then the first in document order).
"""
from __future__ import annotations

import functools
import sys
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from renshe.checks.crosschecks.frames import CHECK_COLUMNS, FLOAT_SLACK, CheckInputs, DerivedFrame
from renshe.checks.rules import Rule
from renshe.ingest.numbers import format_gap, format_value

# What a pair frame carries of each observation (the quoted line is looked up by `order` at the end).
OPERAND_COLUMNS = ["doc_id", "region", "level", "indicator_id", "period", "measure", "qualifier", "value", "unit",
                   "value_raw", "unit_raw", "basis", "source", "half_unit", "end_month", "first_year", "last_year",
                   "order"]


NUMERIC_OPERAND_COLUMNS = {"value", "half_unit", "end_month", "first_year", "last_year", "order"}


# --- selecting and pairing ----------------------------------------------------------------

def operands(inputs: CheckInputs) -> pd.DataFrame:
    """The observations as the builders read them: the operand columns only, text as categories.

    Every selection copies what it keeps; a category is a small integer, so selecting, sorting
    and pairing a million observations moves codes rather than their text. Made once per run.
    """
    if inputs._operands is None:
        frame = inputs.observations[OPERAND_COLUMNS]
        inputs._operands = frame.assign(**{column: frame[column].astype("category") for column in OPERAND_COLUMNS
                                           if column not in NUMERIC_OPERAND_COLUMNS})
    return inputs._operands


def as_text(column: pd.Series) -> pd.Series:
    """A category column as plain text (to map it, or fill what is missing)."""
    return column.astype("string")


def same_categories(values: pd.Series, like: pd.Series) -> pd.Series:
    """`values` as categories of `like`'s dtype (a value it does not know becomes missing), so the
    two pair in a merge on their codes."""
    if values.dtype.kind == "f":  # no region has the ancestor asked for: all missing, no text to match
        values = values.astype("object")
    known = values.where(values.isin(like.cat.categories))
    return pd.Series(pd.Categorical(known, dtype=like.dtype), index=values.index)



def numbered(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The rows whose `keys` are all present, with `group`: their key group's number in order
    of first appearance (the order `groupby(keys, sort=False)` iterates in)."""
    present = frame.dropna(subset=keys)
    return present.assign(group=present.groupby(keys, sort=False).ngroup().to_numpy())


def first_of_groups(frame: pd.DataFrame, group: str, by: list[str], ascending: list[bool] | None = None) -> pd.DataFrame:
    """The first row of each `group` once sorted by `by`, in the order of the group numbers."""
    ascending = ascending or [True] * len(by)
    return frame.sort_values([group, *by], ascending=[True, *ascending], kind="stable").drop_duplicates(group)


def most_precise_of_groups(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One report per `keys`: the most precise (smallest half-unit, then the first in document
    order), groups in order of first appearance; `group` numbers them."""
    return first_of_groups(numbered(frame[OPERAND_COLUMNS], keys), "group", ["half_unit", "order"])


def latest_most_precise(frame: pd.DataFrame, group: str, prefix: str) -> pd.DataFrame:
    """Per `group`: of the rows with the latest period end, the most precise (`_latest` then `_most_precise`)."""
    return first_of_groups(frame, group, [f"{prefix}end_month", f"{prefix}half_unit", f"{prefix}order"],
                           [False, True, True])


def operand(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """`frame`'s observation columns renamed for a pair frame (`parent_value`, ...)."""
    return frame[OPERAND_COLUMNS].add_prefix(prefix)


# --- words ----------------------------------------------------------------------------

def per_distinct(function: Callable[..., str], *columns) -> np.ndarray:
    """`function(*values)` for every row, called once per distinct combination of the columns'
    values (in turn for each value of the first column: a reader of documents reads each once)."""
    columns = [column.reset_index(drop=True) if isinstance(column, pd.Series) else pd.Series(column)
               for column in columns]
    codes = [pd.factorize(column, use_na_sentinel=False)[0].astype(np.int64) for column in columns]
    combined = codes[0]
    for code in codes[1:]:  # renumbered 0..n-1 at each step, so the product never overflows
        combined = pd.factorize(combined * (int(code.max(initial=0)) + 1) + code)[0].astype(np.int64)
    if len(combined) == 0:
        return np.array([], dtype=object)
    _, first = np.unique(combined, return_index=True)  # first[c]: where combination c first occurs
    asked = np.argsort(codes[0][first], kind="stable")
    values = [column.iloc[first[asked]].tolist() for column in columns]  # only these become Python objects
    results = np.empty(len(first), dtype=object)
    results[asked] = [function(*arguments) for arguments in zip(*values)]
    return results[combined]


def values_text(values, units, qualifiers=None) -> np.ndarray:
    """`format_value` of each figure: 2020000 人 -> '202万人'."""
    if qualifiers is None:
        return per_distinct(lambda value, unit: format_value(float(value), unit), values, units)
    return per_distinct(lambda value, unit, qualifier: format_value(float(value), unit, qualifier),
                        values, units, qualifiers)


def gaps_text(values, units) -> np.ndarray:
    return per_distinct(lambda value, unit: format_gap(float(value), unit), values, units)


def number_text(values, spec: str) -> np.ndarray:
    return per_distinct(lambda value: format(float(value), spec), values)


def _arrow_text(part, length: int):
    """A text column (a Series, an array, categories) or a literal string as Arrow large text."""
    if isinstance(part, str):
        return pa.scalar(part, pa.large_string())
    if isinstance(part, (pd.Series, pd.api.extensions.ExtensionArray)) and (
            isinstance(part.dtype, pd.CategoricalDtype)
            or isinstance(part.dtype, pd.StringDtype) and part.dtype.storage == "pyarrow"):
        array = pa.array(part).cast(pa.large_string())  # Arrow text or categories: no Python strings
    else:
        array = pa.array(pd.Series(part).to_numpy(dtype=object), type=pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if len(array) != length:
        raise ValueError(f"a text column of {len(array)} rows among columns of {length}")
    return array


def _text_array(array) -> pd.api.extensions.ExtensionArray:
    return pd.array(array, dtype=pd.StringDtype("pyarrow"))


def _length(*parts) -> int:
    return max((len(part) for part in parts if not isinstance(part, str)), default=0)


def text(*parts) -> pd.api.extensions.ExtensionArray:
    """The parts (text columns and literal strings) joined row by row, in one pass, as Arrow text."""
    length = _length(*parts)
    joined = pc.binary_join_element_wise(*(_arrow_text(part, length) for part in parts),
                                         pa.scalar("", pa.large_string()))
    if isinstance(joined, pa.Scalar):  # only literal strings
        joined = pa.array([joined.as_py()] * length, pa.large_string())
    return _text_array(joined)


def choose(condition, if_true, if_false) -> pd.api.extensions.ExtensionArray:
    """Row by row `if_true` where `condition`, else `if_false` (text columns or strings)."""
    length = len(condition)
    chosen = pc.if_else(pa.array(np.asarray(condition, dtype=bool)), _arrow_text(if_true, length),
                        _arrow_text(if_false, length))
    if isinstance(chosen, pa.Scalar):
        chosen = pa.array([chosen.as_py()] * length, pa.large_string())
    return _text_array(chosen)


# --- quoting the sources --------------------------------------------------------------

@functools.cache
def python_whitespace() -> str:
    """What str.strip() removes, for Arrow's trim (its own idea of white space differs by a few
    controls). Made on first use: a pass over every code point costs a tenth of a second, which
    the report's kernels, importing this module, need not pay."""
    return "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())


def _taken(column: pd.Series, positions: np.ndarray):
    """`column`'s values at `positions` as Arrow text, missing where a position is -1."""
    missing = positions < 0
    if isinstance(column.dtype, pd.CategoricalDtype):  # the codes taken, then only their texts
        codes = column.cat.codes.to_numpy()[np.where(missing, 0, positions)]
        missing |= codes < 0
        column, positions = column.cat.categories.array, codes
    taken = pc.take(pa.array(column), pa.array(positions, mask=missing))  # no copy of the whole column
    if isinstance(taken, pa.ChunkedArray):
        taken = taken.combine_chunks()
    return taken.cast(pa.large_string())


def quote(inputs: CheckInputs, orders: list) -> tuple[pd.api.extensions.ExtensionArray, pd.api.extensions.ExtensionArray]:
    """`sources` ('doc:line; doc:line') and `source_text` ('[doc:line] line | ...') of each check
    from the `order` of each observation it read (operands in turn; -1: this check has none),
    each source once with the line of its first operand, as `check_row` quotes them."""
    observations = inputs.observations
    empty = pa.scalar("", pa.large_string())
    source_pieces, line_pieces, earlier, started = [], [], [], np.zeros(len(orders[0]), dtype=bool)
    for order in orders:
        positions = observations.index.get_indexer(np.asarray(order, dtype=np.int64))
        source = _taken(observations["source"], positions)
        new = positions >= 0
        for earlier_source in earlier:  # a source quoted by an earlier operand is not quoted again
            new &= ~pc.fill_null(pc.equal(earlier_source, source), False).to_numpy(zero_copy_only=False)
        line = pc.utf8_trim(_taken(observations["source_text"], positions), characters=python_whitespace())
        source_separator = pc.if_else(pa.array(started), pa.scalar("; ", pa.large_string()), empty)
        line_separator = pc.if_else(pa.array(started), pa.scalar(" | ", pa.large_string()), empty)
        chosen = pa.array(new)
        source_pieces.append(pc.if_else(chosen, pc.binary_join_element_wise(source_separator, source, empty), empty))
        line_pieces.append(pc.if_else(chosen, pc.binary_join_element_wise(
            line_separator, pa.scalar("[", pa.large_string()), source, pa.scalar("] ", pa.large_string()), line,
            empty), empty))
        earlier.append(source)
        started |= new
    # joined once at the end: each operand's piece is made once, not the growing text again per operand
    return (_text_array(pc.binary_join_element_wise(*source_pieces, empty)),
            _text_array(pc.binary_join_element_wise(*line_pieces, empty)))


# --- the frame ------------------------------------------------------------------------

def check_frame(rule: Rule, inputs: CheckInputs, orders: list, columns: dict, expectations: list[tuple[str, dict]],
                notes: list[str] | None = None) -> DerivedFrame:
    """The derived frame of a rule from its check columns (as `frames._frame` builds it from rows):
    rule identity, quoted sources, `gap_in_tolerance` where a gap has a tolerance, check ids."""
    length = len(orders[0]) if orders else 0
    if length == 0:
        frame = pd.DataFrame(columns=CHECK_COLUMNS)
        for column in ("value_a", "value_b", "computed", "gap", "tolerance"):
            frame[column] = frame[column].astype("float64")
        return DerivedFrame(rule, frame, expectations, notes or [])
    sources, lines = quote(inputs, orders)
    data = {column: "" for column in CHECK_COLUMNS}
    data.update(rule_id=rule.id, rule_type=rule.type, severity=rule.severity, sources=sources, source_text=lines)
    data.update({name: (value.to_numpy() if isinstance(value, pd.Series) and value.dtype.kind in "biuf"
                         else value.array if isinstance(value, pd.Series) else value)
                 for name, value in columns.items()})
    data["check_id"] = [f"{rule.id}#{n + 1}" for n in range(length)]
    frame = pd.DataFrame({name: (pd.Series([value] * length, dtype="string") if isinstance(value, str)
                                 else value) for name, value in data.items()}, copy=False)
    for column in ("value_a", "value_b", "computed", "gap", "tolerance"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    if "gap" in columns and "gap_in_tolerance" not in columns:
        tolerance = frame["tolerance"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = frame["gap"].to_numpy() / (tolerance * (1 + FLOAT_SLACK))
        # check_row sets it only for a tolerance that is not zero (a missing one makes it missing too)
        frame["gap_in_tolerance"] = np.where(tolerance != 0, ratio, np.nan)
    for name, value in frame.items():
        if value.dtype == object:
            frame[name] = value.astype("string")
    return DerivedFrame(rule, frame, expectations, notes or [])
