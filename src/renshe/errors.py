"""The one exception type the pipeline raises for bad input.

Every message names the file and, where one is known, the line, so an analyst can
open the document at the right place instead of reading a traceback.
"""
from __future__ import annotations

from pathlib import Path


class RensheError(Exception):
    """Bad input: a changed or mis-encoded document, a malformed row, an unknown unit..."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(str(self))

    def __reduce__(self):
        # rebuilt from its parts, so an error raised in an extraction worker keeps its file and line
        return (type(self), (self.message, self.path, self.line))

    def __str__(self) -> str:
        where = self.path or ""
        if self.path and self.line is not None:
            where = f"{self.path}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class UnknownUnitError(RensheError):
    """A number carries a unit the parser does not know; extend numbers.BASE_UNITS."""
