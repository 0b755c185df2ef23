"""`renshe extract`, `validate` and `site` alone: each one publication (renshe.publication).

Each takes the build lock, works in a staging folder and publishes in one swap, so none runs
during a build and none leaves half of its outputs. Each records what it did in the build's
state, so `renshe build` and `renshe status` know which later steps are now due, and each ends
by saying so. `extract` keeps the published checks and Data Docs (marked as due, not deleted)
until validation runs; `site` first runs the notebook pages that are due, so the site never
shows data its pages do not.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from renshe import lifecycle
from renshe.buildstate import BuildState, sha256_of
from renshe.paths import ProjectPaths

# What validation writes into data/clean: kept through an extraction until validation runs again.
VALIDATION_OUTPUTS = ("checks.csv", "gx_validation_results.json", "data-docs")


@contextmanager
def validation_outputs_kept(paths: ProjectPaths) -> Iterator[None]:
    """Inside the block data/clean is replaced (an extraction); the validation outputs it held
    are put back into the new folder unless the block wrote its own."""
    keep = paths.clean.parent / ".kept-validation"
    shutil.rmtree(keep, ignore_errors=True)
    keep.mkdir(parents=True)
    for name in VALIDATION_OUTPUTS:
        source = paths.clean / name
        if source.exists():
            shutil.copytree(source, keep / name, copy_function=os.link) if source.is_dir() \
                else os.link(source, keep / name)
    try:
        yield
        for name in VALIDATION_OUTPUTS:
            if (keep / name).exists() and not (paths.clean / name).exists():
                os.replace(keep / name, paths.clean / name)
    finally:
        shutil.rmtree(keep, ignore_errors=True)


# A document this many times the corpus's median size (and at least LARGE_MIN_BYTES) is reported:
# every page and check that shows it grows with it.
LARGE_FACTOR = 20
LARGE_MIN_BYTES = 1024 * 1024


def large_documents(paths: ProjectPaths, observations) -> list[str]:
    """One warning line per document far larger than the corpus's usual ones (size, figure count)."""
    import statistics

    from renshe.ingest.documents import load_registry

    sizes = {entry.doc_id: entry.path.stat().st_size for entry in load_registry(paths).documents
             if entry.path.is_file()}
    if len(sizes) < 2:
        return []
    figures = observations["doc_id"].value_counts().to_dict() if len(observations) else {}
    median_size = statistics.median(sizes.values())
    median_figures = statistics.median(figures.get(doc_id, 0) for doc_id in sizes)
    warnings = []
    for doc_id, size in sorted(sizes.items(), key=lambda item: -item[1]):
        if size >= LARGE_MIN_BYTES and size >= LARGE_FACTOR * median_size:
            warnings.append(
                f"warning: {doc_id} is {size / 1024 / 1024:.1f} MB with {figures.get(doc_id, 0):,} figures, "
                f"{size / median_size:,.0f} times the corpus's median document ({median_size / 1024:,.0f} KB, "
                f"{median_figures:,.0f} figures): the checks and pages that show it grow with it; check that it "
                "is one document (not several joined, or an export repeated)")
    return warnings


def _record(paths: ProjectPaths, step, done: bool) -> None:
    state = BuildState.load(paths)
    if done:
        state.record(step.name, sha256_of(step.inputs()))
    else:
        state.forget(step.name)


def due_line(paths: ProjectPaths) -> str:
    """One line: which steps are due on the published outputs now (or that none is)."""
    from renshe.build import due_steps

    due = due_steps(paths.published)
    if not due:
        return "published outputs are consistent: no step is due"
    return ("now due: " + "; ".join(f"{name} ({why})" for name, why in due)
            + ". Run `renshe build` (or `renshe status` for details)")


def extract_alone(paths: ProjectPaths, doc_ids: list[str] | None = None, out: Path | None = None):
    """`renshe extract`: into `out` as asked, else into data/clean in one publication."""
    from renshe.ingest.extract import run_extract

    if out is not None:
        return run_extract(paths, doc_ids=doc_ids, out_dir=out)
    from renshe.build import extract_step
    from renshe.buildstate import library_fingerprint
    from renshe.publication import publishing

    with lifecycle.interruptible(), publishing(paths) as publication:
        staged = publication.paths
        lifecycle.set_step("extract")
        with validation_outputs_kept(staged):
            output = run_extract(staged, doc_ids=doc_ids)
        for line in large_documents(staged, output.observations):
            print(line, flush=True)
        # a selection of documents is not the corpus: the next build extracts again
        _record(staged, extract_step(staged, library_fingerprint()), done=not doc_ids)
        lifecycle.set_step("publishing")
    return output


def validate_alone(paths: ProjectPaths, rules: Path | None = None):
    """`renshe validate`: checks.csv and the Data Docs in one publication."""
    from renshe.build import validate_step
    from renshe.buildstate import library_fingerprint
    from renshe.checks.validate import run_validation
    from renshe.publication import publishing

    with lifecycle.interruptible(), publishing(paths) as publication:
        staged = publication.paths
        lifecycle.set_step("validate")
        results = run_validation(staged, rules_path=rules)
        # another rules file's checks are not those of the project's rules: the build validates again
        _record(staged, validate_step(staged, library_fingerprint()), done=rules is None)
        lifecycle.set_step("publishing")
    return results


def site_alone(paths: ProjectPaths, renderer: str = "auto", jobs: int | None = None) -> tuple[int, str]:
    """`renshe site`: the pages that are due, then the site, in one publication; (exit code, report)."""
    from renshe.build import _grid_is_current, due_steps, notebooks_step, site_step
    from renshe.buildstate import library_fingerprint
    from renshe.publication import publishing
    from renshe.publish.site import render_site

    library = library_fingerprint()
    upstream = [f"{name} ({why})" for name, why in due_steps(paths.published, library)
                if name in ("extract", "validate")]
    if upstream:
        print("note: " + "; ".join(upstream) + " is due: the site shows data/clean as last published "
              "(`renshe build` runs every step)", flush=True)
    with lifecycle.interruptible(), publishing(paths) as publication:
        staged = publication.paths
        state = BuildState.load(staged)
        if not _grid_is_current(staged, state, library, force=False):
            lifecycle.set_step("notebooks")
            report, grid = notebooks_step(staged, state, library, False, jobs)
            print(f"notebooks: {report.detail}", flush=True)
            if grid.failed:
                print(grid.format().replace(str(staged.site), str(paths.published.site)), flush=True)
                publication.discard("a notebook run failed", keep=("pages/failed",))
                return 1, "site: not rendered, a notebook run failed; nothing was published"
        lifecycle.set_step("site")
        report = render_site(staged, renderer=renderer)
        _record(staged, site_step(staged, library), done=True)
        lifecycle.set_step("publishing")
    return 0, report.replace(str(staged.site), str(paths.published.site))
