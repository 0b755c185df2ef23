"""The Excel downloads' writer (publish/site/xlsx.py), read back by openpyxl as Excel reads it."""
from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from renshe.publish.site.xlsx import column_letters, workbook_bytes


def test_columns_are_lettered_as_excel_letters_them():
    assert [column_letters(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_every_kind_of_cell_reads_back_as_written():
    rows = [["<b>浙江省</b> & 杭州", 116.32, 9, True, None],
            ["  两端有空格 ", float("nan"), 0, False, "4606.46万人"]]
    data = workbook_bytes('观测值 "obs"', ["文本", "value", "line", "flag", "empty"], rows, datetime(2023, 4, 24))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == '观测值 "obs"'
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [["文本", "value", "line", "flag", "empty"],
                      ["<b>浙江省</b> & 杭州", 116.32, 9, True, None],
                      ["  两端有空格 ", None, 0, False, "4606.46万人"]]
    assert [cell.font.b for cell in sheet[1]] == [True] * 5 and not sheet["A2"].font.b
    assert data == workbook_bytes('观测值 "obs"', ["文本", "value", "line", "flag", "empty"], rows, datetime(2023, 4, 24))
