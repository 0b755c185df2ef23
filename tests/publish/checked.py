"""A fixture of the publish tests (import it by name): the real documents extracted and checked in a copy
of the project. Not a conftest.py: the tests import `conftest` (the top one) as a module."""
from __future__ import annotations

import pytest

from conftest import copy_project
from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths


@pytest.fixture(scope="session")
def checked_data(tmp_path_factory):
    """The report data of the five real documents with their checks (extract, then validate)."""
    from renshe.checks.validate import run_validation
    from renshe.publish import report

    root = copy_project(tmp_path_factory.mktemp("checked") / "project")
    paths = ProjectPaths.at(root)
    run_extract(paths)
    run_validation(paths)
    return report.load_report_data(root)
