"""Reading a document as published: one small reader per format, one model for all (`model`).

`read_file(path, data)` picks the reader by the file's extension and refuses a file with no text
(NUL bytes, whitespace only, a binary) with one line naming it.
"""
from __future__ import annotations

from pathlib import Path

from renshe.errors import RensheError
from renshe.ingest.formats.model import Cell, LeftOut, Origin, ReadResult, TableCells

READERS = {".txt": "txt", ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}
EXTENSIONS = tuple(READERS)

__all__ = ["Cell", "EXTENSIONS", "LeftOut", "Origin", "ReadResult", "TableCells", "format_of", "read_file"]


def format_of(path: Path) -> str:
    """txt | pdf | docx | html, from the file's extension; an error for any other."""
    found = READERS.get(Path(path).suffix.lower())
    if found is None:
        raise RensheError(f"cannot read a {Path(path).suffix or 'extension-less'} file; "
                          f"the documents must be one of {', '.join(EXTENSIONS)}", path)
    return found


def read_file(path: Path, data: bytes | None = None, name: str = "") -> ReadResult:
    """The file's lines, origins, tables and left-out furniture, by its format (`name`: the
    document's id, for the messages)."""
    path = Path(path)
    kind = format_of(path)
    data = path.read_bytes() if data is None else data
    if kind == "txt":
        from renshe.ingest.formats.txt import read_txt as reader
    elif kind == "pdf":
        from renshe.ingest.formats.pdf import read_pdf as reader
    elif kind == "docx":
        from renshe.ingest.formats.docx import read_docx as reader
    else:
        from renshe.ingest.formats.html import read_html as reader
    try:
        result = reader(path, data)
    except RensheError:
        raise
    except Exception as exc:  # a damaged file the library could not parse: the file as a whole is invalid
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        raise RensheError(f"cannot read this {kind} file ({detail})", path) from exc
    if not any(line.replace("\x00", "").strip() for line in result.lines):
        what = f"document {name}" if name else f"the {kind} file"
        raise RensheError(f"no text: {what} is empty (no readable text: empty, whitespace only, "
                          "NUL bytes or a binary)", path, 1)
    return result
