"""Writing outputs so that a failed or killed step never leaves a half-written folder."""
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
from typing import Iterator

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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM, so Excel shows the Chinese; LF line ends for stable hashes."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def text_table_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The same CSV as `csv_bytes` for a frame of text cells, without pandas' per-call cost
    (the wide tables of a large corpus are hundreds of tiny frames)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    writer.writerows(frame.fillna("").astype(str).itertuples(index=False, name=None))
    return buffer.getvalue().encode("utf-8-sig")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write_bytes(Path(path), csv_bytes(frame))
