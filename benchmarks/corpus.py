"""Synthetic inputs for the benchmarks, grown from the five real documents.

- `make_corpus_project(copies=N)`: the real project (copy 0, unchanged) plus N-1 variants of
  every document. Each variant has every figure's digits varied and its own regions: a province,
  two cities and six districts named after the real ones with a tag (绍兴 -> 绍兴乙丙丁), nested
  as the real ones are, registered with their own codes. Documents, regions and observations
  grow together, so every stage (extraction, checks, the notebook grid, the site) sees a corpus
  N times the real one. The national briefing's variants stay national: a corpus has one nation.
- `make_validation_project(target_rows)`: an extracted corpus replicated, each replica under
  new document ids (hard links to the same raw files, so every quoted line is still true) and
  new regions, until it holds `target_rows` observations: a national corpus across years
  without extracting one, for timing the rule set.
"""
from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
from pathlib import Path

import yaml

# a variant's tag: its number in characters that are neither digits nor numerals (digits in a
# region's name would be read as figures by the table reader)
TAG_ALPHABET = "甲乙丙丁戊己庚辛壬癸"
CITY_STEMS = ("绍兴", "衢州")
# table and box numbers (专栏1, 表 2) are structure, not figures: varying them breaks the layout
_DIGITS = re.compile(r"(?<!专栏)(?<!表)(?<!表 )\d+(?:\.\d+)?")
LEVEL_CODE_PREFIX = {"province": "8", "city": "7", "district": "6"}


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


def tag(number: int) -> str:
    return "".join(TAG_ALPHABET[int(digit)] for digit in f"{number:03d}")


def _tagged(name: str, label: str) -> str:
    """越城区 -> 越城乙丙丁区: the tag goes before the level word, so the name still reads as a region."""
    return name[:-1] + label + name[-1]


def variant_regions(regions: list[dict], number: int) -> tuple[dict[str, str], list[dict]]:
    """The renaming of variant `number` (every region below the nation) and its registry entries."""
    label = tag(number)
    renamed = {r["name"]: _tagged(r["name"], label) for r in regions if r["level"] != "national"}
    entries = []
    for region in regions:
        if region["level"] == "national":
            continue
        code = str(region["code"])
        digits = code[4:6] if region["level"] == "district" else code[2:4]
        entries.append({"name": renamed[region["name"]], "code": f"{LEVEL_CODE_PREFIX[region['level']]}{number:03d}{digits}",
                        "level": region["level"], "parent": renamed.get(region["parent"], region["parent"])})
    return renamed, entries


def make_corpus_project(source: Path, target: Path, copies: int = 100, seed: int = 7) -> int:
    """The real project plus `copies - 1` variants of every document; returns the corpus size in bytes."""
    copy_project(source, target)
    registry_path = target / "data" / "sources.yaml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    originals, real_regions = list(registry["documents"]), list(registry["regions"])
    rng = random.Random(seed)
    total = sum((source / entry["file"]).stat().st_size for entry in originals)
    for number in range(1, copies):
        renamed, entries = variant_regions(real_regions, number)
        registry["regions"].extend(entries)
        districts = [r["name"] for r in real_regions if r["level"] == "district"]
        for original in originals:
            text = _vary_digits((source / original["file"]).read_text(encoding="utf-8"), rng)
            for name in districts:  # the table rows name them: they must match the registry
                text = text.replace(name, renamed[name])
            for stem in CITY_STEMS:  # 绍兴市 -> 绍兴乙丙丁市, and 绍兴人, 绍兴市人力社保局 with it
                text = text.replace(stem, stem + tag(number))
            data = text.encode("utf-8")
            doc_id = f"{original['doc_id']}_{number:03d}"
            (target / "data" / "raw" / f"{doc_id}.txt").write_bytes(data)
            total += len(data)
            region = renamed.get(original["region"], original["region"])
            code = next((e["code"] for e in entries if e["name"] == region), original["region_code"])
            # `layout`: the variant follows the original's table specs and text sections
            registry["documents"].append(dict(original, doc_id=doc_id, file=f"data/raw/{doc_id}.txt",
                                              region=region, region_code=code, layout=original["doc_id"],
                                              sha256=hashlib.sha256(data).hexdigest()))
    registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return total


def make_validation_project(source: Path, target: Path, target_rows: int = 1_000_000) -> int:
    """`source`'s extracted corpus replicated up to `target_rows` observations; returns the row count.

    Replica j holds every document of `source` again as `<doc_id>~j` (a hard link to the same
    raw file, registered with the same sha256) and every region below the nation as `<name>~j`,
    nested as before: the figures, lines and rules are real, the corpus is wider.
    """
    import pandas as pd

    copy_project(source, target)
    observations = pd.read_parquet(source / "data" / "clean" / "observations.parquet")
    registry_path = target / "data" / "sources.yaml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    documents, regions = list(registry["documents"]), list(registry["regions"])
    raw = target / "data" / "raw"
    replicas, total, number = [observations], len(observations), 0
    while total < target_rows:
        number += 1
        suffix = f"~{number}"
        renamed = {r["name"]: r["name"] + suffix for r in regions if r["level"] != "national"}
        registry["regions"] += [dict(r, name=renamed[r["name"]], code=f"{r['code']}~{number}",
                                     parent=renamed.get(r["parent"], r["parent"]))
                                for r in regions if r["level"] != "national"]
        for entry in documents:
            doc_id = entry["doc_id"] + suffix
            os.link(raw / Path(entry["file"]).name, raw / f"{doc_id}.txt")
            registry["documents"].append(dict(entry, doc_id=doc_id, file=f"data/raw/{doc_id}.txt",
                                              region=renamed.get(entry["region"], entry["region"])))
        replica = observations.assign(doc_id=observations["doc_id"] + suffix,
                                      region=observations["region"].map(lambda name: renamed.get(name, name)))
        replicas.append(replica)
        total += len(replica)
    registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    scaled = pd.concat(replicas, ignore_index=True).head(target_rows)
    clean = target / "data" / "clean"
    clean.mkdir(parents=True, exist_ok=True)
    scaled.to_parquet(clean / "observations.parquet", index=False)
    return len(scaled)
