"""One publication per command: data/clean, the executed pages and the site change together.

A command that writes published outputs (`renshe build`, `extract`, `validate`, `site`) holds
the build lock and works in a staging folder, `.renshe-cache/staging-<pid>/`, that starts as a
copy of what is published (hard links: a step replaces files, it never writes into one):

    clean/    data/clean            site/     site/ (sources copied, outputs linked)
    state.json  the build's fingerprints of these outputs

Every path of the project's outputs points there while it runs (`ProjectPaths.outputs`, and
for its workers and kernels the RENSHE_STAGING variable). At the end one step publishes it:
a journal listing every output is written, then each output is moved aside and its staged
version moved in. A command killed before the journal leaves the published outputs as they
were (the next command removes the staging folder); killed during the swap, the journal lets
the next command finish it. Either all of the previous outputs are published, or all new.
"""
from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from renshe import lifecycle
from renshe.buildstate import CACHE_DIR, build_lock, recover_interrupted_outputs
from renshe.outputs import atomic_write_bytes
from renshe.paths import STAGING_ENV, ProjectPaths

STAGING_PREFIX = "staging-"
JOURNAL = "publish-journal.json"
# The site's outputs, each swapped whole; the rest of site/ is its sources (never published from staging).
SITE_OUTPUTS = ("pages", "_site", "assets", "downloads", "data-docs")
# Outputs whose files are only ever replaced (never written into): linked into the staging folder.
# assets/ and the pages' partials (pages/_*.md) are written in place by the site step: copied.
LINKED_SITE = ("pages", "_site", "downloads", "data-docs")


def _journal(root: Path) -> Path:
    return root / CACHE_DIR / JOURNAL


def _pairs(root: Path, staging: Path) -> list[tuple[Path, Path]]:
    """(staged, published) for every output a publication swaps."""
    published = ProjectPaths(root)
    staged = ProjectPaths(root, staging)
    return [(staged.clean, published.clean),
            *((staged.site / name, published.site / name) for name in SITE_OUTPUTS),
            (staged.state_file, published.state_file)]


def _copy_tree(source: Path, target: Path, link: bool) -> None:
    def copy(src: str, dst: str) -> None:
        name = os.path.basename(src)
        if link and not name.startswith("_"):
            try:
                os.link(src, dst)
                return
            except OSError:
                pass
        shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=copy, symlinks=True,
                    ignore=shutil.ignore_patterns(".*"))  # dot-named: leftovers of killed runs, caches


def stage(paths: ProjectPaths) -> ProjectPaths:
    """A staging folder holding a copy of the published outputs, as the ProjectPaths to build into."""
    published = paths.published
    staging = published.root / CACHE_DIR / f"{STAGING_PREFIX}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    staged = ProjectPaths(published.root, staging)
    if published.clean.is_dir():
        _copy_tree(published.clean, staged.clean, link=True)
    staged.site.mkdir()
    for entry in sorted(published.site.iterdir()) if published.site.is_dir() else ():
        if entry.name.startswith("."):
            continue  # Quarto's cache (.quarto/), leftovers
        if entry.is_dir():
            _copy_tree(entry, staged.site / entry.name, link=entry.name in LINKED_SITE)
        else:
            shutil.copy2(entry, staged.site / entry.name)
    if published.state_file.is_file():
        shutil.copy2(published.state_file, staged.state_file)
    return staged


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _roll_forward(journal: dict) -> None:
    """Each output: the published one moved aside, the staged one moved in. Every step is checked
    against what is on disk, so a swap cut short is finished by running this again."""
    for index, (staged, published, present) in enumerate(journal["pairs"]):
        staged, published = Path(staged), Path(published)
        retired = Path(journal["staging"]) / "retired" / str(index)
        if present and not (staged.exists() or staged.is_symlink()):
            continue  # this one is done
        if published.exists() or published.is_symlink():
            retired.parent.mkdir(parents=True, exist_ok=True)
            _remove(retired)
            os.replace(published, retired)
        if present:
            published.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, published)


def commit(staged: ProjectPaths) -> None:
    """Publish every output of the staging folder in one swap (see the module)."""
    root, staging = staged.root, staged.outputs
    pairs = [[str(s), str(p), s.exists()] for s, p in _pairs(root, staging)]
    journal = {"staging": str(staging), "pairs": pairs}
    with lifecycle.signals_deferred():
        atomic_write_bytes(_journal(root), json.dumps(journal, ensure_ascii=False).encode())
        _roll_forward(journal)
        _journal(root).unlink()
        lifecycle.progress.published = True
    shutil.rmtree(staging, ignore_errors=True)


def recover(paths: ProjectPaths) -> list[str]:
    """What an interrupted command left: a swap to finish, staging folders to remove, and
    the leftovers of single outputs (buildstate.recover_interrupted_outputs). Under the lock."""
    published = paths.published
    done = []
    journal_path = _journal(published.root)
    if journal_path.is_file():
        journal = json.loads(journal_path.read_text(encoding="utf-8"))
        _roll_forward(journal)
        journal_path.unlink()
        done.append("finished publishing its outputs (it was stopped during the swap)")
    cache = published.root / CACHE_DIR
    for leftover in sorted(cache.glob(f"{STAGING_PREFIX}*")) if cache.is_dir() else ():
        shutil.rmtree(leftover, ignore_errors=True)
        done.append(f"removed its unpublished outputs ({leftover.relative_to(published.root)})")
    return done + recover_interrupted_outputs(published)


@dataclass
class Publication:
    """The staged outputs of one command (`paths`), published at the end unless `discard`ed."""

    paths: ProjectPaths
    discarded: str = ""
    keep: list[str] = field(default_factory=list)  # site-relative folders still copied when discarded

    def discard(self, reason: str, keep: tuple[str, ...] = ()) -> None:
        self.discarded = reason
        self.keep = list(keep)


@contextmanager
def publishing(paths: ProjectPaths, report=print) -> Iterator[Publication]:
    """The lock, a staging folder, and its publication when the block succeeds (see the module).

    Inside, every `ProjectPaths.at()` of the project (workers and kernels included) resolves to
    the staging folder. An exception, or `discard()`, publishes nothing; `keep` folders of the
    site (a failed run's notebook) are still put where a reader of the build can open them.
    """
    published = paths.published
    with build_lock(published):
        for line in recover(published):
            report(f"an earlier command was interrupted: {line}")
        staged = stage(published)
        publication = Publication(staged)
        lifecycle.progress.on_stop.append(lambda: shutil.rmtree(staged.outputs, ignore_errors=True))
        before = os.environ.get(STAGING_ENV)
        os.environ[STAGING_ENV] = str(staged.outputs)
        try:
            yield publication
        except BaseException:
            shutil.rmtree(staged.outputs, ignore_errors=True)
            raise
        finally:
            if before is None:
                os.environ.pop(STAGING_ENV, None)
            else:
                os.environ[STAGING_ENV] = before
        if publication.discarded:
            for name in publication.keep:
                source, target = staged.site / name, published.site / name
                if source.is_dir():
                    shutil.rmtree(target, ignore_errors=True)
                    shutil.copytree(source, target)
            shutil.rmtree(staged.outputs, ignore_errors=True)
            return
        commit(staged)
