"""Writing outputs so that a failed or killed step never leaves a half-written folder.

numpy, pandas and pyarrow are imported by the functions that write frames: `renshe extract`
forks its workers before the parent imports them (see extract._map_documents).
"""
from __future__ import annotations

import csv
import ctypes
import io
import errno
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    import pandas as pd


def _exchange(source: Path, target: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(source), at_fdcwd, os.fsencode(target), rename_exchange) == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # the file system or kernel cannot exchange: fall back to two renames
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(target))


def _remove_stale(target: Path) -> None:
    """Staging and retired folders left by runs that were killed (their process is gone)."""
    for folder in target.parent.glob(f".{target.name}.*-*"):
        match = re.fullmatch(rf"\.{re.escape(target.name)}\.(?:staging|old)-(\d+)(?:-.*)?", folder.name)
        if match and not _alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield an empty staging folder beside `target`; on success it replaces `target`.

    On any exception the staging folder is removed and `target` is left as it was. The swap
    is one atomic exchange where the OS offers it, so a run killed at any point leaves either
    the previous or the new `target`; folders of killed runs are removed by the next run.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-{os.getpid()}-", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if target.exists() and _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous outputs
        return
    retired = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write_pieces(path, [data])


def atomic_write_pieces(path: Path, pieces: Iterable[bytes]) -> None:
    """The pieces, one after another, as the file `path`: all of them or, on any failure, the file as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for data in pieces:
                handle.write(data)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM, so Excel shows the Chinese; LF line ends for stable hashes.

    The bytes are those of `frame.to_csv(index=False, lineterminator="\n")` (a property test
    holds them equal), assembled column by column in Arrow: pandas' row-by-row writer spent
    0.6 s on the 26 MB observations file of a large corpus, this takes a tenth of that.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if frame.columns.empty or not all(isinstance(name, str) for name in frame.columns) or \
            not all(_plain_column(dtype) for dtype in frame.dtypes):
        return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
    header = table_csv_bytes(frame.columns, [])
    if frame.empty:
        return header
    text = _arrow_text
    fields = [_csv_field(frame.iloc[:, position]) for position in range(frame.shape[1])]
    if len(fields) == 1:  # the csv module writes a lone empty field as "" so the line is not blank
        fields = [pc.if_else(pc.equal(fields[0], text("")), text('""'), fields[0])]
    lines = pc.binary_join_element_wise(*fields, text(","))
    lines = pc.binary_join_element_wise(lines, text(""), text("\n"))  # the last argument is the separator
    body = pc.binary_join(pa.LargeListArray.from_arrays(pa.array([0, len(lines)], pa.int64()), lines), text(""))
    return header + body.cast(pa.large_binary())[0].as_py()


def _arrow_text(value: str):
    """A text scalar of the type every column is built in (compute kernels do not mix types)."""
    import pyarrow as pa

    return pa.scalar(value, pa.large_string())


def _plain_column(dtype) -> bool:
    """Numbers, booleans, text and objects; pandas formats every other dtype its own way."""
    import numpy as np
    import pandas as pd

    return isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and dtype.kind in "biufO")


def _csv_field(column: pd.Series):
    """One column as the text pandas hands the csv module (floats through numpy's str, missing
    values as ''), quoted where the csv module would quote it."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = column.isna().to_numpy()
    if isinstance(column.dtype, pd.StringDtype):
        text = pa.array(column, type=pa.large_string())
        if isinstance(text, pa.ChunkedArray):  # a concatenated frame's columns are in pieces
            text = text.combine_chunks()
    elif column.dtype.kind == "f":
        text = pa.array(column.to_numpy().astype(str), type=pa.large_string())
    elif column.dtype.kind in "iu":
        text = pc.cast(pa.array(column.to_numpy()), pa.large_string())
    else:  # booleans and objects: str() of each, as the csv module writes them
        text = pa.array([value if isinstance(value, str) else str(value)
                         for value in column.to_numpy(dtype=object)], type=pa.large_string())
    quote, empty = _arrow_text('"'), _arrow_text("")
    text = pc.if_else(pa.array(missing), empty, text) if missing.any() else text
    needs_quotes = pc.match_substring_regex(text, _QUOTE_WHEN)
    if not pc.any(needs_quotes).as_py():
        return text
    quoted = pc.binary_join_element_wise(quote, pc.replace_substring(text, '"', '""'), quote, empty)
    return pc.if_else(needs_quotes, quoted, text)


def _quote_triggers() -> str:
    """The characters that make the csv module quote a field (a regex class). Asked of the
    module itself: whether a lone carriage return is quoted has differed between versions."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    triggers = []
    for character, pattern in ((",", ","), ('"', '"'), ("\r", r"\r"), ("\n", r"\n")):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["a" + character, "b"])
        if buffer.getvalue().startswith('"'):
            triggers.append(pattern)
    return "[" + "".join(triggers) + "]"


_QUOTE_WHEN = _quote_triggers()


def table_csv_bytes(columns, rows) -> bytes:
    """Header and rows as CSV, UTF-8 with a BOM and LF line ends (the same dialect as `csv_bytes`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def put_file(staging: Path, name: str, data: bytes, previous: Path) -> None:
    """Write `data` as `staging/name`, or hard-link `previous/name` when it holds the same bytes.

    A rebuild mostly rewrites what it wrote last time; a link costs a directory entry where a new
    file costs an inode and the old one's release, and on this kind of disk creating and freeing
    hundreds of inodes took longer than extracting the text they hold. Unchanged outputs keep their
    inode, which the folder swap never modifies, so the previous folder stays intact until removed.
    """
    target = staging / name
    old = previous / name
    try:
        same = old.stat().st_size == len(data) and old.read_bytes() == data
    except OSError:
        same = False
    if same:
        try:
            os.link(old, target)
            return
        except OSError:
            pass  # a file system without hard links: write the copy
    target.write_bytes(data)


def write_csv(frame: pd.DataFrame, path: Path, rows_per_piece: int = 10_000) -> None:
    """`csv_bytes(frame)` as the file `path`, made and written a slice of rows at a time: the text
    of a large frame (the checks of a national corpus) is never whole in memory."""
    header = len(csv_bytes(frame.iloc[0:0]))

    def pieces() -> Iterator[bytes]:
        yield csv_bytes(frame.iloc[0:rows_per_piece])
        for start in range(rows_per_piece, len(frame), rows_per_piece):
            yield csv_bytes(frame.iloc[start:start + rows_per_piece])[header:]

    atomic_write_pieces(Path(path), pieces())
