"""A document far larger than the others (a yearbook's text) read on several cores.

Its paragraphs are independent: a reader's paragraph state (the carried period, the topic, the
markers present) is reset at each paragraph, and what it caches is a function of the document.
So contiguous runs of paragraphs are read in forked workers, each with the reader as it stood,
and their rows and set-aside figures joined in order: the same rows, in the same order, as one
process reading them all (tested). Small documents, and a reader inside a daemonic process (a Dask
worker), read in the process itself.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

# characters of running text below which a pool costs more than it saves (the five seeds are
# 150,000 characters together; a 20 MB yearbook about 7 million)
PARALLEL_TEXT_CHARS = 1_000_000
PIECES_PER_JOB = 4  # runs of paragraphs per worker: an uneven run does not leave a core idle

_reading: tuple | None = None  # (reader, paragraphs), inherited by the forked workers


def read_paragraphs(reader, paragraphs: list, jobs: int | None = None) -> list[dict]:
    """`reader.rows` of every paragraph, in order; the figures it set aside in `reader.set_aside`."""
    global _reading
    jobs = jobs or os.cpu_count() or 1
    size = sum(len(paragraph.text) for paragraph in paragraphs)
    if jobs < 2 or len(paragraphs) < 2 or size < PARALLEL_TEXT_CHARS or multiprocessing.current_process().daemon:
        return [row for paragraph in paragraphs for row in reader.rows(paragraph)]
    pieces = min(len(paragraphs), jobs * PIECES_PER_JOB)
    bounds = [len(paragraphs) * i // pieces for i in range(pieces + 1)]
    _reading = (reader, paragraphs)
    gc.freeze()  # the workers neither scan nor copy what they inherit (see extract._map_documents)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=gc.disable) as pool:
            results = list(pool.map(_read_run, zip(bounds, bounds[1:])))
    finally:
        gc.unfreeze()
        _reading = None
    rows: list[dict] = []
    for run_rows, set_aside in results:
        rows.extend(run_rows)
        reader.set_aside.extend(set_aside)
    return rows


def _read_run(bounds: tuple[int, int]) -> tuple[list[dict], list[dict]]:
    reader, paragraphs = _reading
    reader.set_aside = []
    rows = [row for paragraph in paragraphs[bounds[0]:bounds[1]] for row in reader.rows(paragraph)]
    return rows, reader.set_aside
