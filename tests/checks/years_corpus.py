"""Small projects of bulletins across years, levels and editions (tests/fixtures/years/).

`make_project(root, doc_ids)` writes a project at `root`: the repository's configuration
(codebook, text sections, tables, regions, rules) and the chosen fixture documents with their
registry entries (sha256 computed, as a user computes it), nothing of data/raw/."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "years"
CONFIG = ("data/codebook.yaml", "data/text_sections.yaml", "data/tables.yaml", "data/regions.yaml",
          "expectations/rules.yaml")


def corpus() -> dict:
    return yaml.safe_load((FIXTURES / "corpus.yaml").read_text(encoding="utf-8"))


def all_doc_ids() -> list[str]:
    return [entry["doc_id"] for entry in corpus()["documents"]]


def _known_regions(root: Path) -> set[str]:
    tree = yaml.safe_load((root / "data" / "regions.yaml").read_text(encoding="utf-8")) or {}
    entries = tree.get("regions", tree) if isinstance(tree, dict) else tree
    return {str(entry.get("name")) for entry in entries or [] if isinstance(entry, dict)}


def write_registry(root: Path, doc_ids: list[str], texts: dict[str, str] | None = None,
                   entries: list[dict] | None = None) -> None:
    """data/raw/ and data/sources.yaml for `doc_ids` (a text of `texts` replaces the fixture's;
    `entries`: registry entries in corpus.yaml's form, default corpus.yaml's)."""
    texts = texts or {}
    chosen = entries if entries is not None else corpus()["documents"]
    raw = root / "data" / "raw"
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    entries = []
    for entry in chosen:
        if entry["doc_id"] not in doc_ids:
            continue
        doc_id = entry["doc_id"]
        text = texts.get(doc_id) or (FIXTURES / f"{doc_id}.txt").read_text(encoding="utf-8")
        (raw / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        title = text.splitlines()[0]
        entries.append({**entry, "file": f"data/raw/{doc_id}.txt", "title": {"zh": title, "en": doc_id},
                        "issuer": "test", "script": "hans",
                        "sha256": hashlib.sha256((raw / f"{doc_id}.txt").read_bytes()).hexdigest()})
    known = _known_regions(root)
    regions = [region for region in corpus()["regions"] if region["name"] not in known]
    (root / "data" / "sources.yaml").write_text(
        yaml.safe_dump({"documents": entries, "regions": regions}, allow_unicode=True, sort_keys=False),
        encoding="utf-8")


def make_project(root: Path, doc_ids: list[str] | None = None) -> Path:
    root = Path(root)
    for name in CONFIG:
        source = REPO_ROOT / name
        if source.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, root / name)
    write_registry(root, doc_ids or all_doc_ids())
    return root
