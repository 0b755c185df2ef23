"""outputs: the CSV bytes every download and data file is written with, and reuse of unchanged files."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renshe.outputs import atomic_directory, csv_bytes, put_file


def pandas_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


# text that exercises the quoting rules: separators, quotes, line ends, CJK, blanks
TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t；，“”人社万%-.')), max_size=8)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([494302000000.0, 1e16, 1e-5, 0.1, -0.0])
INTS = st.integers(min_value=-(2**62), max_value=2**62)


@st.composite
def frames(draw) -> pd.DataFrame:
    rows = draw(st.integers(min_value=0, max_value=12))
    kinds = draw(st.lists(st.sampled_from(["string", "str", "float", "int", "bool", "object"]), min_size=1, max_size=4))
    data = {}
    for position, kind in enumerate(kinds):
        name = draw(TEXT.filter(lambda n: n not in data)) if position else "source_line"
        if kind in ("string", "str"):
            values = draw(st.lists(st.none() | TEXT, min_size=rows, max_size=rows))
            data[name] = pd.array(values, dtype=kind if kind == "string" else pd.StringDtype(na_value=np.nan))
        elif kind == "float":
            data[name] = np.array(draw(st.lists(FLOATS, min_size=rows, max_size=rows)), dtype="float64")
        elif kind == "int":
            data[name] = np.array(draw(st.lists(INTS, min_size=rows, max_size=rows)), dtype="int64")
        elif kind == "bool":
            data[name] = np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)), dtype=bool)
        else:
            values = draw(st.lists(st.none() | TEXT | INTS | FLOATS.filter(lambda x: not math.isnan(x)),
                                   min_size=rows, max_size=rows))
            data[name] = np.array(values, dtype=object)
    return pd.DataFrame(data)


@settings(max_examples=300, deadline=None)
@given(frames())
def test_csv_bytes_are_pandas_bytes(frame):
    assert csv_bytes(frame) == pandas_csv(frame)


@pytest.mark.parametrize("frame, expected", [
    # a lone empty field is written "" so that the line is not blank
    (pd.DataFrame({"note": pd.array(["", "a", None], dtype="string")}), '\ufeffnote\n""\na\n""\n'),
    (pd.DataFrame({"a": ["x,y", 'say "hi"'], "b": [1.5, np.nan]}), '\ufeffa,b\n"x,y",1.5\n"say ""hi""",\n'),
    (pd.DataFrame({"value": [494302000000.0, 1e16], "line": [25, 27]}), "\ufeffvalue,line\n494302000000.0,25\n1e+16,27\n"),
])
def test_csv_bytes_known_cases(frame, expected):
    assert csv_bytes(frame).decode("utf-8") == expected == pandas_csv(frame).decode("utf-8")


def test_csv_bytes_of_a_concatenated_frame():
    """Concatenated Arrow-backed text columns come in several chunks."""
    part = pd.DataFrame({"region": pd.array(["浙江省", "衢州市"], dtype="string"), "value": [1.0, 2.5]})
    frame = pd.concat([part, part.iloc[::-1]], ignore_index=True)
    assert csv_bytes(frame) == pandas_csv(frame)
    assert csv_bytes(frame).decode("utf-8-sig") == "region,value\n浙江省,1.0\n衢州市,2.5\n衢州市,2.5\n浙江省,1.0\n"


def test_csv_bytes_of_other_dtypes_fall_back_to_pandas():
    frame = pd.DataFrame({"day": pd.to_datetime(["2023-03-31", None]), "n": pd.array([1, None], dtype="Int64")})
    assert csv_bytes(frame) == pandas_csv(frame)
    assert csv_bytes(frame).decode("utf-8-sig") == "day,n\n2023-03-31,1\n,\n"


def test_csv_bytes_of_the_real_observations(tmp_path):
    from renshe.ingest.extract import load_extract_output
    from renshe.paths import ProjectPaths

    clean = ProjectPaths.at().clean
    if not (clean / "observations.parquet").is_file():
        pytest.skip("no extraction output yet (run `make build`)")
    observations = load_extract_output(clean).observations
    assert len(observations) > 500
    assert csv_bytes(observations) == pandas_csv(observations) == (clean / "observations.csv").read_bytes()


def test_put_file_links_unchanged_bytes_and_writes_changed_ones(tmp_path):
    target = tmp_path / "clean"
    with atomic_directory(target) as staging:
        put_file(staging, "same.csv", b"a,b\n1,2\n", previous=target)
        put_file(staging, "changed.csv", b"old\n", previous=target)
    first_same, first_changed = (target / "same.csv").stat(), (target / "changed.csv").stat()
    with atomic_directory(target) as staging:
        put_file(staging, "same.csv", b"a,b\n1,2\n", previous=target)
        put_file(staging, "changed.csv", b"new\n", previous=target)
        put_file(staging, "added.csv", b"x\n", previous=target)
        # the previous outputs are untouched while the new ones are staged
        assert (target / "changed.csv").read_bytes() == b"old\n"
    assert (target / "same.csv").stat().st_ino == first_same.st_ino  # reused, not rewritten
    assert (target / "changed.csv").stat().st_ino != first_changed.st_ino
    assert (target / "changed.csv").read_bytes() == b"new\n"
    assert (target / "added.csv").read_bytes() == b"x\n"
    assert (target / "same.csv").stat().st_nlink == 1  # the retired folder is gone with its link
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean"]
