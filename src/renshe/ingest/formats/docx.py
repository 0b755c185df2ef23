"""Word (.docx) with python-docx: paragraphs and tables in body order, merged cells repeated,
the sections' page headers and footers left out."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from renshe.errors import RensheError
from renshe.ingest.formats.model import Cell, Origin, ReadResult, cell_text


def read_docx(path: Path, data: bytes) -> ReadResult:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise RensheError(f"not a Word .docx file ({exc})", path) from exc
    result = ReadResult("docx")
    counts = {"p": 0, "tbl": 0}

    def read(parent) -> None:
        for child in parent.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                result.add(Paragraph(child, document).text, Origin(paragraph=counts["p"]))
                counts["p"] += 1
            elif tag == "tbl":
                result.add_table(_cells(Table(child, document), counts["tbl"]), Origin(table=counts["tbl"]))
                counts["tbl"] += 1
            elif tag in ("sdt", "sdtContent", "customXml"):  # content controls (a table of contents) hold body text
                read(child)

    read(document.element.body)
    _leave_out_furniture(document, result)
    return result


def _cells(table, index: int) -> list[Cell]:
    """The table's cells with their spans: python-docx gives a merged cell (gridSpan across, vMerge
    down) as the same cell in every grid position it covers."""
    grid = [list(row.cells) for row in table.rows]
    cells: list[Cell] = []
    seen: set[int] = set()
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            key = id(cell._tc)
            if key in seen:
                continue
            seen.add(key)
            colspan = 1
            while c + colspan < len(row) and row[c + colspan]._tc is cell._tc:
                colspan += 1
            rowspan = 1
            while r + rowspan < len(grid) and c < len(grid[r + rowspan]) and grid[r + rowspan][c]._tc is cell._tc:
                rowspan += 1
            text = cell_text([p.text for p in cell.paragraphs])
            cells.append(Cell(r, c, text, rowspan, colspan, Origin(table=index, row=r, cell=c)))
    return cells


def _leave_out_furniture(document, result: ReadResult) -> None:
    """Each section's page headers and footers (first page, even pages, default): printed on every
    page, not the document's text."""
    seen: set[int] = set()
    for number, section in enumerate(document.sections, start=1):
        for kind in ("header", "first_page_header", "even_page_header",
                     "footer", "first_page_footer", "even_page_footer"):
            part = getattr(section, kind)
            if part.is_linked_to_previous and number > 1:
                continue
            element = part._element if part._has_definition else None
            if element is None or id(element) in seen:
                continue
            seen.add(id(element))
            where = "page header" if "header" in kind else "page footer"
            for paragraph in part.paragraphs:
                result.leave_out(paragraph.text, f"Word {where} (section {number})")
            for table in part.tables:
                for row in table.rows:
                    result.leave_out("\t".join(c.text for c in row.cells), f"Word {where} (section {number})")
