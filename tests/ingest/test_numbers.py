"""The number parser: printed examples from the documents, and round-trip properties."""
from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renshe.errors import UnknownUnitError
from renshe.ingest.numbers import (BASE_UNITS, MISSING_MARKERS, QUALIFIER_PREFIXES, QUALIFIER_SUFFIXES, SCALES,
                            NotAFigure, parse_figure, scale_value, signed_change, split_unit,
                            strip_qualifier)


@pytest.mark.parametrize("text, hint, value, unit, qualifier, cumulative", [
    ("116.32万人", "", 1_163_200, "人", "", False),  # bulletin style: scale folded into the value
    ("2.04万亿元", "", 2.04e12, "元", "", False),
    ("4319.20亿元", "", 431_920_000_000, "元", "", False),
    ("10.52亿人", "", 1_052_000_000, "人", "", False),
    ("297万人", "", 2_970_000, "人", "", False),
    ("5.5左右", "%", 5.5, "%", "~", False),
    ("≤3.5", "%", 3.5, "%", "<=", False),
    (">40", "%", 40, "%", ">", False),
    ("≥98", "%", 98, "%", ">=", False),
    ("<4", "%", 4, "%", "<", False),
    ("不少于500万人次", "", 5_000_000, "人次", ">=", False),
    ("500万人以上", "", 5_000_000, "人", ">=", False),
    ("控制在5.5%以内", "", 5.5, "%", "<=", False),
    ("超过1000家", "", 1000, "家", ">", False),
    ("〔606〕", "万人", 6_060_000, "人", "", True),
    ("〔 500 〕", "万人次", 5_000_000, "人次", "", True),
    ("5000", "万元", 50_000_000, "元", "", False),  # unit from the table's header
    ("100%", "", 100, "%", "", False),
    ("2,580元/月", "", 2580, "元/月", "", False),
    ("16.50", "万人", 165_000, "人", "", False),
    ("1.2万张", "", 12_000, "张", "", False),
    ("3名", "", 3, "人", "", False),
])
def test_printed_figures(text, hint, value, unit, qualifier, cumulative):
    figure = parse_figure(text, hint)
    assert figure.kind == "number"
    assert figure.value == pytest.approx(value)
    assert (figure.unit, figure.qualifier, figure.cumulative) == (unit, qualifier, cumulative)


def test_raw_number_and_unit_are_kept_as_printed():
    figure = parse_figure("16.50", "万人")
    assert (figure.value_raw, figure.unit_raw) == ("16.50", "万人")
    figure = parse_figure("4606.46 万人")
    assert (figure.value_raw, figure.unit_raw, figure.value) == ("4606.46", "万人", 46_064_600)


@pytest.mark.parametrize("marker", ["—", "——"])
def test_missing_markers(marker):
    figure = parse_figure(marker, "%")
    assert (figure.kind, figure.value, figure.value_raw) == ("missing", None, marker)


@pytest.mark.parametrize("text, parts", [
    ("7:25:68", (7, 25, 68)), ("7: 26: 67", (7, 26, 67)), ("7.4:28:64.6", (7.4, 28, 64.6)),
])
def test_ratios_are_text_with_parts(text, parts):
    figure = parse_figure(text, "%")
    assert (figure.kind, figure.value, figure.value_raw, figure.parts) == ("ratio", None, text, parts)


@pytest.mark.parametrize("text", ["预期性", "年均预期", "不低于上年目标数且按对口当年下达目标执行", "〔 〕"])
def test_words_are_not_figures(text):
    with pytest.raises(NotAFigure) as caught:
        parse_figure(text, "人")
    assert caught.value.text == text and caught.value.reason


def test_unknown_unit():
    with pytest.raises(UnknownUnitError, match="万头"):
        parse_figure("5万头")
    with pytest.raises(UnknownUnitError):
        split_unit("立方米")


@pytest.mark.parametrize("printed, expected", [
    ("万辆", (1e4, "辆")), ("万平方米", (1e4, "平方米")), ("万户", (1e4, "户")), ("亿人", (1e8, "人")),
    ("‰", (1.0, "‰")), ("个千分点", (1.0, "千分点")), ("万吨", (1e4, "吨")), ("天", (1.0, "天")),
    ("起", (1.0, "起")), ("万张", (1e4, "张")), ("元/人·月", (1.0, "元/月")), ("元/年", (1.0, "元/年")),
    ("万亿元", (1e12, "元")), ("个百分点", (1.0, "百分点")),
])
def test_the_units_of_official_statistics_come_from_data_units_yaml(printed, expected):
    assert split_unit(printed) == expected


def test_a_units_table_with_a_bad_entry_names_file_and_line(tmp_path):
    from renshe.errors import RensheError
    from renshe.ingest.numbers import load_unit_table
    path = tmp_path / "units.yaml"
    path.write_text("scales:\n  万: 10000\nunits:\n  - canonical: 人\n    printed: [人]\n  - canonical: 辆\n", encoding="utf-8")
    with pytest.raises(RensheError, match="printed") as caught:
        load_unit_table(path)
    assert "units.yaml:6" in str(caught.value)
    path.write_text("units:\n  - canonical: 头\n    printed: [头]\n", encoding="utf-8")
    table = load_unit_table(path)
    assert table.base_units == {"头": "头"} and table.scales == {"": 1.0}


def test_split_unit_and_scale():
    assert split_unit("万人次") == (1e4, "人次")
    assert split_unit("（万人次）".strip("（）")) == (1e4, "人次")
    assert split_unit("亿元") == (1e8, "元")
    assert split_unit("万亿元") == (1e12, "元")
    assert split_unit("") == (1.0, "")
    assert scale_value("116.32", "万人") == (1_163_200.0, "人")


def test_years_are_a_unit_a_table_declares_but_never_a_unit_in_running_text():
    # 劳动年龄人口平均受教育年限（年） 10.8: the label declares the unit
    assert parse_figure("10.8", "年").value == 10.8 and parse_figure("10.8", "年").unit == "年"
    from renshe.ingest.text.figures import find_figures

    text = "2023年劳动年龄人口平均受教育年限达到10.8年，城镇新增就业30万人。"
    assert [(f.value_raw, f.unit) for f in find_figures(text, [""] * len(text))] == [("30", "人")]


def test_strip_qualifier():
    assert strip_qualifier("5.5左右") == ("5.5", "~")
    assert strip_qualifier("不少于500") == ("500", ">=")
    assert strip_qualifier("500及以上") == ("500", ">=")
    assert strip_qualifier("500") == ("500", "")


def test_decrease_is_a_negative_change():
    assert signed_change("减少", 14.44) == -14.44
    assert signed_change("下降", 0.3) == -0.3
    assert signed_change("增加", 86.39) == 86.39
    assert signed_change("增长", -2.0) == 2.0


# --- properties -----------------------------------------------------------------------------

SCALE_WORDS = ["", "万", "亿", "万亿", "萬", "億"]
UNIT_WORDS = sorted(BASE_UNITS)
PREFIXES = sorted(QUALIFIER_PREFIXES)
SUFFIXES = sorted(QUALIFIER_SUFFIXES)

numbers = st.decimals(min_value=0, max_value=Decimal("999999.99"), places=2, allow_nan=False,
                      allow_infinity=False)


def printed(number: Decimal, thousands: bool) -> str:
    text = f"{number:,}" if thousands else f"{number}"
    return text


@st.composite
def figures(draw):
    number = draw(numbers)
    unit = draw(st.sampled_from(UNIT_WORDS))
    scale = "" if unit == "%" else draw(st.sampled_from(SCALE_WORDS))
    side = draw(st.sampled_from(["none", "prefix", "suffix"]))
    word = {"none": "", "prefix": draw(st.sampled_from(PREFIXES)), "suffix": draw(st.sampled_from(SUFFIXES))}[side]
    spaced = draw(st.booleans())
    number_text = printed(number, draw(st.booleans()))
    body = f"{number_text} {scale}{unit}" if spaced else f"{number_text}{scale}{unit}"
    text = f"{word}{body}" if side == "prefix" else f"{body}{word}"
    expected_qualifier = {"none": "", "prefix": QUALIFIER_PREFIXES.get(word, ""),
                          "suffix": QUALIFIER_SUFFIXES.get(word, "")}[side]
    return text, number, SCALES[scale], BASE_UNITS[unit], expected_qualifier


@settings(max_examples=400)
@given(figures())
def test_formatted_figure_parses_back(case):
    text, number, multiplier, unit, qualifier = case
    figure = parse_figure(text)
    assert figure.kind == "number"
    assert math.isclose(figure.value, float(number) * multiplier, rel_tol=1e-9, abs_tol=1e-6)
    assert figure.unit == unit
    assert figure.qualifier == qualifier
    assert figure.value_raw.replace(",", "") == str(number)


@settings(max_examples=200)
@given(numbers, st.sampled_from(["万人", "万人次", "人", "%", "万元", "万张"]))
def test_bracketed_figure_is_cumulative_with_the_hint_unit(number, hint):
    figure = parse_figure(f"〔{number}〕", hint)
    multiplier, unit = split_unit(hint)
    assert figure.cumulative and figure.unit == unit and figure.unit_raw == hint
    assert math.isclose(figure.value, float(number) * multiplier, rel_tol=1e-9, abs_tol=1e-6)


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=100), min_size=2, max_size=5),
       st.sampled_from([":", ": ", " : "]))
def test_ratio_round_trip(parts, separator):
    text = separator.join(str(p) for p in parts)
    figure = parse_figure(text)
    assert figure.kind == "ratio" and figure.parts == tuple(float(p) for p in parts)
    assert figure.value is None and figure.value_raw == text


@given(st.sampled_from(sorted(MISSING_MARKERS)), st.sampled_from(["", "%", "万人"]))
def test_missing_markers_are_never_numbers(marker, hint):
    assert parse_figure(marker, hint).kind == "missing"


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False),
       st.sampled_from(["减少", "下降", "降低", "增加", "增长", "提高"]))
def test_signed_change_sign(magnitude, word):
    change = signed_change(word, magnitude)
    assert abs(change) == magnitude
    assert (change <= 0) if word in ("减少", "下降", "降低") else (change >= 0)


@pytest.mark.parametrize("cell", ["2025年", "2025年底", "2023年6月"])
def test_a_year_in_a_cell_is_a_date_not_years(cell):
    with pytest.raises(NotAFigure, match="a year"):
        parse_figure(cell)
    assert parse_figure("10.8年").value == 10.8 and parse_figure("10.8", "年").unit == "年"
