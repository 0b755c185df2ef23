"""Synthetic inputs for the benchmarks, generated from the five real documents.

- `make_corpus_project`: a project whose registry holds `copies` variants of every document,
  with every figure's digits varied and the city names swapped, so the extractors do real work
  on text of the real shape (the 100x corpus of issue 6).
- `make_validation_project`: a project whose observations are scaled up to `target_rows` by
  replicating the real observations under synthetic cities, for timing the rule set.
"""
from __future__ import annotations

import hashlib
import random
import re
import shutil
from pathlib import Path

import yaml

CITY_NAMES = ("绍兴", "衢州")
# table and box numbers (专栏1, 表 2) are structure, not figures: varying them breaks the layout
_DIGITS = re.compile(r"(?<!专栏)(?<!表)(?<!表 )\d+(?:\.\d+)?")


def copy_project(source: Path, target: Path) -> Path:
    """The committed project files (no venv, no derived data) copied to `target`."""
    ignore = shutil.ignore_patterns(".venv", ".git", "clean", "_site", "pages", "downloads",
                                    ".renshe-cache", "test-artifacts", "results", "__pycache__",
                                    "uncommitted", "data-docs")
    for name in ("data", "expectations", "notebooks", "site", "src"):
        if (source / name).exists():
            shutil.copytree(source / name, target / name, ignore=ignore, dirs_exist_ok=True)
    for name in ("pyproject.toml", "README.md"):
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    return target


def _vary_digits(text: str, rng: random.Random) -> str:
    def vary(match: re.Match) -> str:
        digits = match.group(0)
        if len(digits) == 4 and digits.startswith("20"):  # keep years, so periods still parse
            return digits
        return "".join(str(rng.randint(1, 9)) if ch.isdigit() else ch for ch in digits)

    return "\n".join(_DIGITS.sub(vary, line) for line in text.split("\n"))


def make_corpus_project(source: Path, target: Path, copies: int = 100, seed: int = 7) -> int:
    """Write a project with `copies` varied copies of each document; returns the corpus size in bytes."""
    copy_project(source, target)
    registry_path = target / "data" / "sources.yaml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    raw_dir = target / "data" / "raw"
    rng = random.Random(seed)
    entries, total = [], 0
    for original in registry["documents"]:
        text = (source / original["file"]).read_text(encoding="utf-8")
        for copy_number in range(copies):
            city = f"样例{copy_number:03d}"
            variant = _vary_digits(text, rng)
            for name in CITY_NAMES:
                variant = variant.replace(name, city)
            doc_id = f"{original['doc_id']}_{copy_number:03d}"
            data = variant.encode("utf-8")
            (raw_dir / f"{doc_id}.txt").write_bytes(data)
            total += len(data)
            # `layout`: the copy follows the original's table specs and text sections
            entry = dict(original, doc_id=doc_id, file=f"data/raw/{doc_id}.txt", layout=original["doc_id"],
                         sha256=hashlib.sha256(data).hexdigest())
            entries.append(entry)
    registry["documents"] = entries
    registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return total


def make_validation_project(source: Path, target: Path, target_rows: int = 100_000) -> int:
    """Observations replicated under synthetic cities up to `target_rows`; returns the row count."""
    import pandas as pd

    copy_project(source, target)
    observations = pd.read_parquet(source / "data" / "clean" / "observations.parquet")
    registry_path = target / "data" / "sources.yaml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    registry["regions"] = registry.get("regions") or []
    tree = yaml.safe_load((target / "data" / "regions.yaml").read_text(encoding="utf-8"))["regions"]
    known = {region["name"]: region for region in tree + registry["regions"]}
    codes = _free_codes({str(region["code"]) for region in known.values()})
    city_rows = observations[observations.level.isin(["city", "district"])]
    copies = []
    total, copy_number = len(observations), 0
    while total < target_rows:
        # each copy is a new set of cities and districts nested as the real ones are, with codes
        # the region tree accepts (unique; a district's starts with its city's four digits)
        names = list(city_rows.region.unique())
        block = codes.block(len(names))
        for name in names:
            region = known[name]
            parent = region["parent"]
            if region["level"] == "district":
                parent = f"{parent}#{copy_number}"
            registry["regions"].append({"name": f"{name}#{copy_number}", "level": region["level"],
                                        "code": next(block), "parent": parent})
        clone = city_rows.copy()
        clone["region"] = clone["region"] + f"#{copy_number}"
        copies.append(clone)
        total += len(clone)
        copy_number += 1
    registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    scaled = pd.concat([observations, *copies], ignore_index=True).head(target_rows)
    clean = target / "data" / "clean"
    clean.mkdir(parents=True, exist_ok=True)
    scaled.to_parquet(clean / "observations.parquet", index=False)
    return len(scaled)


class _free_codes:
    """Zhejiang region codes no real region uses, handed out in blocks of one four-digit prefix
    (33AB00-33AB99), so a synthetic city and its districts share their city digits."""

    def __init__(self, used: set[str]):
        self.free = [f"33{block:02d}{n:02d}" for block in range(12, 100) for n in range(100)
                     if f"33{block:02d}{n:02d}" not in used]

    def block(self, size: int):
        prefix = self.free[0][:4]
        if sum(code.startswith(prefix) for code in self.free[:size]) < size:
            self.free = [code for code in self.free if not code.startswith(prefix)]
        taken, self.free = self.free[:size], self.free[size:]
        return iter(taken)
