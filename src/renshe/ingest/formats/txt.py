"""Plain text (.txt): UTF-8, read line for line as published."""
from __future__ import annotations

from pathlib import Path

from renshe.errors import RensheError
from renshe.ingest.formats.model import Origin, ReadResult


def decode_utf8(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RensheError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "the documents must be UTF-8 text, re-encode the file (e.g. iconv -f GBK -t UTF-8)",
            path, line,
        ) from exc


def read_txt(path: Path, data: bytes) -> ReadResult:
    text = decode_utf8(data, path)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise RensheError("no text: the file holds NUL bytes (a binary file, or text in UTF-16?)", path, line)
    lines = text.splitlines()
    origin = Origin()
    return ReadResult("txt", lines, [origin] * len(lines))
