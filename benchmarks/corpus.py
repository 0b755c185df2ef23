"""Synthetic inputs for the benchmarks, grown from the five real documents.

- `make_corpus_project(copies=N)`: the real project (copy 0, unchanged) plus N-1 variants of
  every document. Each variant has every figure's digits varied and its own regions: a copy of
  every region below the nation its documents are about or name (a province, its cities, their
  districts), named after the real one with a tag (绍兴市 -> 绍兴乙丙丁市, its alias 绍兴 ->
  绍兴乙丙丁) and registered with codes the region tree accepts. Documents, regions and
  observations grow together, so every stage (extraction, checks, the notebook grid, the site)
  sees a corpus N times the real one. The national briefing's variants stay national: a corpus
  has one nation. A province copy needs a two-digit province code no region uses (67 of them):
  past that many variants, two variants share a province copy (their cities stay apart).
- `make_validation_project(target_rows)`: an extracted corpus replicated across years until it
  holds `target_rows` observations: replica j under new document ids (hard links to the same raw
  files, so every quoted line is still true) with every period moved j spans of the corpus's
  years back, the same regions: a national corpus across years without extracting one, for
  timing the rule set.
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
# table and box numbers (专栏1, 表 2) are structure, not figures: varying them breaks the layout
_DIGITS = re.compile(r"(?<!专栏)(?<!表)(?<!表 )\d+(?:\.\d+)?")
_YEAR = re.compile(r"\d{4}")


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


def region_tree(project: Path) -> list[dict]:
    """Every region the project knows: data/regions.yaml, then the registry's own."""
    tree = yaml.safe_load((project / "data" / "regions.yaml").read_text(encoding="utf-8"))["regions"]
    registry = yaml.safe_load((project / "data" / "sources.yaml").read_text(encoding="utf-8"))
    return [*tree, *(registry.get("regions") or [])]


def copied_regions(tree: list[dict], documents: list[dict], texts: list[str]) -> list[dict]:
    """The regions a variant copies, parents first: the provinces the documents are about (or
    whose cities they are about), and every region below them the documents are about or name."""
    by_name = {region["name"]: region for region in tree}
    parent_of = {region["name"]: region.get("parent") for region in tree}

    def chain(name: str) -> list[str]:
        names = [name]
        while parent_of.get(names[-1]):
            names.append(parent_of[names[-1]])
        return names
    about = {document["region"] for document in documents if by_name[document["region"]]["level"] != "national"}
    provinces = {name for region in about for name in chain(region) if by_name[name]["level"] == "province"}
    text = "\n".join(texts)
    named = {region["name"] for region in tree if region["level"] not in ("national", "province")
             and any(word in text for word in [region["name"], *(region.get("aliases") or [])])}
    wanted = {name for name in about | named if provinces & set(chain(name))}
    wanted |= {ancestor for name in wanted for ancestor in chain(name) if by_name[ancestor]["level"] != "national"}
    rank = {"province": 0, "city": 1, "district": 2}
    return sorted((by_name[name] for name in wanted), key=lambda region: (rank[region["level"]], str(region["code"])))


class RegionCopies:
    """Tagged copies of `regions` (parents first) with codes the region tree accepts: each copy
    of a province takes a two-digit province code no region uses, its cities and districts
    keep their own digits below it (a second round on the same code moves the cities' digits)."""

    def __init__(self, tree: list[dict], regions: list[dict]):
        used = {str(region["code"])[:2] for region in tree}
        self.free = [f"{n:02d}" for n in range(1, 100) if f"{n:02d}" not in used]
        self.regions = regions
        city_digits = [int(str(r["code"])[2:4]) for r in regions if r["level"] == "city"]
        self.city_step = max(city_digits, default=0) + 1

    def copy(self, number: int) -> tuple[dict[str, str], list[dict]]:
        """({real name or alias: its copy's}, the copy's registry entries) of variant `number` (from 1)."""
        slot, round_ = (number - 1) % len(self.free), (number - 1) // len(self.free)
        prefix, city_offset = self.free[slot], round_ * self.city_step
        if city_offset + self.city_step > 100:
            raise ValueError(f"variant {number}: no free region codes left for its cities")
        words, entries, codes = {}, [], {}
        for region in self.regions:
            label = tag(slot + 1) if region["level"] == "province" else tag(number)
            name, code = region["name"], str(region["code"])
            city = f"{int(code[2:4]) + city_offset:02d}"
            codes[name] = {"province": f"{prefix}0000", "city": f"{prefix}{city}00",
                           "district": f"{prefix}{city}{code[4:6]}"}[region["level"]]
            words[name] = name[:-1] + label + name[-1]  # 越城区 -> 越城乙丙丁区: still reads as a region
            aliases = [alias + label for alias in region.get("aliases") or []]
            words.update(zip(region.get("aliases") or [], aliases))
            if region["level"] == "province" and round_ > 0:
                continue  # the copy of an earlier round is already registered
            entries.append({"name": words[name], "code": codes[name], "level": region["level"],
                            "parent": words.get(region.get("parent"), region.get("parent")), "aliases": aliases})
        return words, entries


def _renamed(text: str, words: dict[str, str]) -> str:
    """Every region name and alias replaced by its copy's, longest first, in one pass."""
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)))
    return pattern.sub(lambda match: words[match.group(0)], text)


def make_corpus_project(source: Path, target: Path, copies: int = 100, seed: int = 7) -> int:
    """The real project plus `copies - 1` variants of every document; returns the corpus size in bytes."""
    copy_project(source, target)
    registry_path = target / "data" / "sources.yaml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    registry["regions"] = registry.get("regions") or []
    originals = list(registry["documents"])
    texts = {entry["doc_id"]: (source / entry["file"]).read_text(encoding="utf-8") for entry in originals}
    tree = region_tree(target)
    regions = RegionCopies(tree, copied_regions(tree, originals, list(texts.values())))
    rng = random.Random(seed)
    total = sum(len(text.encode("utf-8")) for text in texts.values())
    for number in range(1, copies):
        words, entries = regions.copy(number)
        registry["regions"].extend(entries)
        codes = {entry["name"]: entry["code"] for entry in registry["regions"]}
        for original in originals:
            national = original["region"] not in words
            text = _vary_digits(texts[original["doc_id"]], rng)
            if not national:
                text = _renamed(text, words)
            data = text.encode("utf-8")
            doc_id = f"{original['doc_id']}_{number:03d}"
            (target / "data" / "raw" / f"{doc_id}.txt").write_bytes(data)
            total += len(data)
            region = words.get(original["region"], original["region"])
            entry = dict(original, doc_id=doc_id, file=f"data/raw/{doc_id}.txt", region=region,
                         layout=original.get("layout") or original["doc_id"],
                         sha256=hashlib.sha256(data).hexdigest())
            if not national:
                entry["region_code"] = codes[region]
            registry["documents"].append(entry)
    registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return total


def _shifted(periods, years: int):
    """Every year in the periods moved `years` back: 2021-2025 -> 2011-2015."""
    return periods.str.replace(_YEAR, lambda match: str(int(match.group(0)) - years), regex=True)


def make_validation_project(source: Path, target: Path, target_rows: int = 1_000_000) -> int:
    """`source`'s extracted corpus replicated across years up to `target_rows` observations;
    returns the row count (see the module's docstring)."""
    import pandas as pd

    copy_project(source, target)
    observations = pd.read_parquet(source / "data" / "clean" / "observations.parquet")
    registry_path = target / "data" / "sources.yaml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    documents = list(registry["documents"])
    raw = target / "data" / "raw"
    years = [int(year) for period in observations["period"].unique() for year in _YEAR.findall(str(period))]
    span = max(years) - min(years) + 1  # replicas never share a year
    replicas, total, number = [observations], len(observations), 0
    while total < target_rows:
        number += 1
        suffix = f"~{number}"
        for entry in documents:
            doc_id = entry["doc_id"] + suffix
            os.link(raw / Path(entry["file"]).name, raw / f"{doc_id}.txt")
            registry["documents"].append(dict(entry, doc_id=doc_id, file=f"data/raw/{doc_id}.txt"))
        replica = observations.assign(doc_id=observations["doc_id"] + suffix,
                                      period=_shifted(observations["period"].astype("string"), span * number))
        replicas.append(replica)
        total += len(replica)
    registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    scaled = pd.concat(replicas, ignore_index=True).head(target_rows)
    clean = target / "data" / "clean"
    clean.mkdir(parents=True, exist_ok=True)
    scaled.to_parquet(clean / "observations.parquet", index=False)
    return len(scaled)


def make_large_document_project(source: Path, target: Path, megabytes: float = 20, seed: int = 11,
                                base: str = "zhejiang_2023_bulletin") -> int:
    """The real project plus one document far larger than the corpus's others (a yearbook-sized
    input): the province's bulletin, its figures' digits varied, edition after edition until the
    text holds `megabytes`; registered as one more bulletin of the same province. Returns its size."""
    copy_project(source, target)
    registry_path = target / "data" / "sources.yaml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    original = next(entry for entry in registry["documents"] if entry["doc_id"] == base)
    text = (source / original["file"]).read_text(encoding="utf-8")
    rng = random.Random(seed)
    parts, size, wanted = [], 0, int(megabytes * 1024 * 1024)
    while size < wanted:
        part = _vary_digits(text, rng)
        parts.append(part)
        size += len(part.encode("utf-8")) + 1
    data = "\n".join(parts).encode("utf-8")
    doc_id = f"{base}_large"
    (target / "data" / "raw" / f"{doc_id}.txt").write_bytes(data)
    registry["documents"].append(dict(original, doc_id=doc_id, file=f"data/raw/{doc_id}.txt",
                                      layout=original.get("layout") or base,
                                      sha256=hashlib.sha256(data).hexdigest()))
    registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return len(data)


_ANY_YEAR = re.compile(r"20\d\d")


def add_next_year(project: Path, base: str, years: int = 1) -> str:
    """One more document in `project`, as a user adds one: the bulletin `base` (a registered
    document) a year on: every year it prints moved `years` on (2022 -> 2023, 2023 -> 2024), its
    file written to data/raw/ and its entry appended to the registry (same region, so the region
    tree is unchanged; sha256 computed). Returns the new doc_id."""
    registry_path = project / "data" / "sources.yaml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    original = next(entry for entry in registry["documents"] if entry["doc_id"] == base)
    text = (project / original["file"]).read_text(encoding="utf-8")
    moved = "\n".join(_ANY_YEAR.sub(lambda m: str(int(m.group(0)) + years), line) for line in text.split("\n"))
    data = moved.encode("utf-8")
    period = _ANY_YEAR.sub(lambda m: str(int(m.group(0)) + years), str(original["reference_period"]))
    doc_id = f"{base}_next{years}"
    (project / "data" / "raw" / f"{doc_id}.txt").write_bytes(data)
    registry["documents"].append(dict(original, doc_id=doc_id, file=f"data/raw/{doc_id}.txt",
                                      reference_period=period, layout=original.get("layout") or base,
                                      sha256=hashlib.sha256(data).hexdigest()))
    registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return doc_id
