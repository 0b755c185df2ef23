"""Where things live in a project folder. Everything is relative to one root so tests
can run the whole pipeline on a temporary copy without touching the real data."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The project root: $RENSHE_ROOT, else the nearest folder above `start` holding data/sources.yaml."""
    env_root = os.environ.get("RENSHE_ROOT")
    if env_root:
        return Path(env_root).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / "sources.yaml").is_file():
            return folder
    raise FileNotFoundError(
        f"no data/sources.yaml in {here} or above; run from the project folder or set RENSHE_ROOT"
    )


# A command that publishes builds its outputs in a staging folder (renshe.publication) and swaps
# them in at the end: while it runs, this names the folder, and every ProjectPaths.at() of its
# project (in the command, its workers and its kernels) reads and writes data/clean and site/ there.
STAGING_ENV = "RENSHE_STAGING"


@dataclass(frozen=True)
class ProjectPaths:
    root: Path
    outputs: Path | None = None  # a staging folder holding clean/ and site/ (None: the project's own)

    @classmethod
    def at(cls, root: str | Path | None = None) -> "ProjectPaths":
        root = Path(root).resolve() if root else find_root()
        staging = os.environ.get(STAGING_ENV)
        if staging and Path(staging).parent.parent == root:  # <root>/.renshe-cache/<staging>
            return cls(root, Path(staging))
        return cls(root)

    @property
    def published(self) -> "ProjectPaths":
        """The same project, with the published outputs (not a staging folder's)."""
        return ProjectPaths(self.root)

    @property
    def state_file(self) -> Path:
        """What `renshe build` remembers of the outputs (fingerprints), kept with them."""
        return (self.outputs / "state.json") if self.outputs else self.root / ".renshe-cache" / "state.json"

    @property
    def registry(self) -> Path:
        return self.root / "data" / "sources.yaml"

    @property
    def regions(self) -> Path:
        """The region tree (GB/T 2260 codes, levels, parents) every document can refer to."""
        return self.root / "data" / "regions.yaml"

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def clean(self) -> Path:
        return (self.outputs / "clean") if self.outputs else self.root / "data" / "clean"

    @property
    def codebook(self) -> Path:
        return self.root / "data" / "codebook.yaml"

    @property
    def expectations(self) -> Path:
        return self.root / "expectations"

    @property
    def rules(self) -> Path:
        return self.root / "expectations" / "rules.yaml"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def site(self) -> Path:
        return (self.outputs / "site") if self.outputs else self.root / "site"
