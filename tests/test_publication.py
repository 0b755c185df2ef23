"""renshe.publication: a staged copy of the outputs, published in one swap or not at all."""
from __future__ import annotations

import os

import pytest

from renshe import publication
from renshe.paths import STAGING_ENV, ProjectPaths


def _project(tmp_path):
    files = {"data/clean/observations.csv": "old obs", "data/clean/checks.csv": "old checks",
             "site/_site/index.html": "old site", "site/pages/region-1.ipynb": "old page",
             "site/pages/_findings.md": "old partial", "site/index.qmd": "source",
             ".renshe-cache/state.json": "{}"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return ProjectPaths(tmp_path)


def _published(paths):
    return {name: (paths.root / name).read_text() for name in
            ("data/clean/observations.csv", "data/clean/checks.csv", "site/_site/index.html",
             "site/pages/region-1.ipynb", "site/pages/_findings.md")}


def _write_new(staged):
    (staged.clean / "observations.csv").unlink()  # steps replace files (the staged ones are links)
    (staged.clean / "observations.csv").write_text("new obs")
    (staged.clean / "checks.csv").unlink()
    (staged.clean / "checks.csv").write_text("new checks")
    (staged.site / "_site" / "index.html").unlink()
    (staged.site / "_site" / "index.html").write_text("new site")
    (staged.site / "pages" / "region-1.ipynb").unlink()
    (staged.site / "pages" / "region-1.ipynb").write_text("new page")
    (staged.site / "pages" / "_findings.md").write_text("new partial")  # written in place: a copy, not a link


def test_the_staged_outputs_are_published_together(tmp_path):
    paths = _project(tmp_path)
    before = _published(paths)
    with publication.publishing(paths) as staged:
        assert os.environ[STAGING_ENV] == str(staged.paths.outputs)
        assert ProjectPaths.at(tmp_path).clean == staged.paths.clean  # every ProjectPaths.at of the project
        _write_new(staged.paths)
        assert _published(paths) == before  # nothing published until the end
    assert STAGING_ENV not in os.environ
    assert set(_published(paths).values()) == {"new obs", "new checks", "new site", "new page", "new partial"}
    assert (tmp_path / "site" / "index.qmd").read_text() == "source"
    assert not list((tmp_path / ".renshe-cache").glob("staging-*"))


def test_a_failure_publishes_nothing(tmp_path):
    paths = _project(tmp_path)
    before = _published(paths)
    with pytest.raises(RuntimeError):
        with publication.publishing(paths) as staged:
            (staged.paths.site / "pages" / "_findings.md").write_text("new partial")
            raise RuntimeError("a step failed")
    assert _published(paths) == before  # a file written in place in staging was a copy
    assert not list((tmp_path / ".renshe-cache").glob("staging-*"))


def test_a_swap_cut_short_is_finished_by_the_next_command(tmp_path, monkeypatch):
    paths = _project(tmp_path)
    staged = publication.stage(paths)
    _write_new(staged)
    real_replace, moves = os.replace, []

    def dies_after_three(source, target):
        if len(moves) == 3:
            raise KeyboardInterrupt  # as if killed here
        moves.append(target)
        real_replace(source, target)

    monkeypatch.setattr(publication.os, "replace", dies_after_three)
    with pytest.raises(KeyboardInterrupt):
        publication.commit(staged)
    monkeypatch.setattr(publication.os, "replace", real_replace)
    assert (tmp_path / ".renshe-cache" / publication.JOURNAL).is_file()
    done = publication.recover(paths)
    assert done[0].startswith("finished publishing")
    assert set(_published(paths).values()) == {"new obs", "new checks", "new site", "new page", "new partial"}
    assert not (tmp_path / ".renshe-cache" / publication.JOURNAL).exists()
    assert not list((tmp_path / ".renshe-cache").glob("staging-*"))


def test_a_staging_folder_without_a_journal_is_removed(tmp_path):
    paths = _project(tmp_path)
    before = _published(paths)
    staged = publication.stage(paths)
    _write_new(staged)
    assert publication.recover(paths)[0].startswith("removed its unpublished outputs")
    assert _published(paths) == before
