"""renshe: Chinese labour and social-security documents as tidy, traceable, checked data."""
from __future__ import annotations

from pathlib import Path

from renshe import lifecycle as _lifecycle
from renshe.lazy_imports import defer_iri_grammar

__version__ = "0.1.0"
defer_iri_grammar()  # before any of our dependencies imports jsonschema
_lifecycle.watch_parent_if_asked()  # a process a build started ends with the build (renshe.lifecycle)


def load_observations(root: str | Path | None = None):
    """The clean observations (data/clean/observations.parquet) with the contract's dtypes."""
    import pandas as pd

    from renshe.paths import ProjectPaths
    from renshe.schema import coerce_observations

    paths = ProjectPaths.at(root)
    target = paths.clean / "observations.parquet"
    if not target.is_file():
        raise FileNotFoundError(f"{target} does not exist yet; run `renshe extract` (or `make build`) first")
    return coerce_observations(pd.read_parquet(target))


__all__ = ["__version__", "load_observations"]
