"""One sheet as an .xlsx file, written as the few XML parts a workbook needs.

The downloads carry every observation and every check: a yearbook-sized document makes them
hundreds of thousands of rows, where openpyxl (an object per cell, even in write-only mode)
took minutes. Here each row is one string of inline-string and number cells; the header row is
bold; a missing value is an empty cell. Excel, LibreOffice, openpyxl and pandas read it (tested:
it reads back as the CSV does). The zip is written with fixed times and attributes, so identical
data give identical bytes.
"""
from __future__ import annotations

import io
import math
import zipfile
from datetime import datetime
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _cell(reference: str, value, style: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{reference}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{reference}"{style}><v>{value}</v></c>'
    if isinstance(value, float):
        return "" if not math.isfinite(value) else f'<c r="{reference}"{style}><v>{value!r}</v></c>'
    text = str(value)
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{reference}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def sheet_xml(header: list[str], rows, rows_per_chunk: int = 2000):
    """The worksheet as chunks of UTF-8 bytes: the header (bold: style 1), then each row of Python
    values (None: empty). Chunks, so that a sheet of a million cells never stands whole in memory."""
    letters = [column_letters(i) for i in range(len(header))]
    head = "".join(_cell(f"{letter}1", name, ' s="1"') for letter, name in zip(letters, header))
    yield f'{DECLARATION}<worksheet xmlns="{MAIN}"><sheetData><row r="1">{head}</row>'.encode("utf-8")
    chunk: list[str] = []
    for number, row in enumerate(rows, start=2):
        chunk.append(f'<row r="{number}">' + "".join(_cell(f"{letter}{number}", value)
                                                     for letter, value in zip(letters, row)) + "</row>")
        if len(chunk) == rows_per_chunk:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    yield ("".join(chunk) + "</sheetData></worksheet>").encode("utf-8")


STYLES = (f'{DECLARATION}<styleSheet xmlns="{MAIN}">'
          '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
          '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def workbook_bytes(sheet_name: str, header: list[str], rows, stamp: datetime, creator: str = "renshe") -> bytes:
    """A workbook of one sheet; its properties and every zip entry dated `stamp`."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = {
        "[Content_Types].xml": (
            f'{DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            "</Types>"),
        "_rels/.rels": (
            f'{DECLARATION}<Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
            'Target="docProps/core.xml"/></Relationships>'),
        "docProps/core.xml": (
            f'{DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{escape(creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{iso}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{iso}</dcterms:modified></cp:coreProperties>'),
        "xl/workbook.xml": (
            f'{DECLARATION}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            f'<sheet name="{escape(sheet_name[:31], {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'{DECLARATION}<Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": STYLES,
        "xl/worksheets/sheet1.xml": sheet_xml(header, rows),
    }
    return zip_entries(entries, stamp)


def zip_entries(entries: dict, stamp: datetime) -> bytes:
    """The entries (bytes, text, or an iterable of byte chunks, written as they come) as a zip in
    sorted order ([Content_Types].xml first, as Office writes it), each dated `stamp` with the same
    attributes on every platform."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in sorted(entries, key=lambda entry: (entry != "[Content_Types].xml", entry)):
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # the same on every platform
            info.external_attr = 0o644 << 16
            data = entries[name]
            info._compresslevel = 1  # a sheet of a yearbook's rows compresses 4 times faster, a tenth larger
            if isinstance(data, (bytes, str)):
                target.writestr(info, data.encode("utf-8") if isinstance(data, str) else data, compresslevel=1)
                continue
            with target.open(info, "w") as stream:  # (an entry of 2 GiB or more would raise: no sheet is)
                for chunk in data:
                    stream.write(chunk)
    return buffer.getvalue()
