"""Score a built project against the answers of the acceptance documents (tests/test_acceptance.py).

Each document of tests/fixtures/acceptance (or a folder given) is added to a copy of the project with
`renshe add FILE` alone, the project is built with `renshe build`, and every figure of the answers
is looked up among the document's observations by its canonical value (value x scale, from
data/units.yaml) and whether it was printed in a table. A figure is right when value (with sign),
unit, period, measure and region are all as printed; an indicator id is wrong when it names another
indicator than the answer's (or any, where the answer says ''); an observation no answer figure
claims is invented. Run as a script to print the scores of a folder:

    PYTHONPATH=$PWD/src /work/main/.venv/bin/python tests/acceptance_scoring.py [FOLDER ...]
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "acceptance"
RENSHE = [str(Path(sys.executable).with_name("renshe"))]
FIELDS = ("value", "unit", "period", "measure", "region")


def copy_project(dest: Path) -> Path:
    """The project's inputs (no outputs, no git) copied to dest."""
    ignore = shutil.ignore_patterns(".git", ".venv", ".renshe-cache", "clean", "_site", "__pycache__", "tests")
    for name in ("data", "expectations", "notebooks", "site", "pyproject.toml", "README.md"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=ignore, symlinks=True)
        elif source.exists():
            shutil.copy2(source, dest / name)
    shutil.rmtree(dest / "site" / "_site", ignore_errors=True)
    return dest


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    return subprocess.run([*RENSHE, "--root", str(root), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=1800)


def documents(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.suffix in (".txt", ".pdf", ".docx", ".html") and (p.with_suffix(".answers.yaml")).exists())


def add_all(root: Path, folder: Path, refused: list[str] | None = None) -> dict[str, str]:
    """doc_id per document file name, each added with `renshe add FILE` and nothing else; where add
    asks for a field, it is given as the answers say it is printed and the refusal is listed."""
    ids = {}
    for path in documents(folder):
        before = set(_registry(root))
        given: list[str] = []
        done = run(root, "add", str(path))
        while done.returncode and refused is not None and "; give --" in done.stderr:
            option = done.stderr.split("; give --")[1].split()[0]
            answers = yaml.safe_load(path.with_suffix(".answers.yaml").read_text(encoding="utf-8"))
            value = answers.get("given", {}).get(option.replace("-", "_"))
            if value is None or f"--{option}" in given:
                break
            refused.append(f"{path.name}: {done.stderr.strip().splitlines()[-1]}")
            given += [f"--{option}", str(value)]
            done = run(root, "add", str(path), *given)
        if done.returncode:
            raise AssertionError(f"renshe add {path.name} failed:\n{done.stdout}\n{done.stderr}")
        new = set(_registry(root)) - before
        assert len(new) == 1, (path.name, new)
        ids[path.name] = new.pop()
    return ids


def _registry(root: Path) -> list[str]:
    data = yaml.safe_load((root / "data" / "sources.yaml").read_text(encoding="utf-8"))
    return [d["doc_id"] for d in data["documents"]]


# --- units -------------------------------------------------------------------------------------

def _units(root: Path) -> tuple[dict[str, float], dict[str, str]]:
    data = yaml.safe_load((root / "data" / "units.yaml").read_text(encoding="utf-8"))
    printed = {}
    for unit in data["units"]:
        for form in unit.get("printed", []) + [unit["canonical"]]:
            printed[str(form)] = str(unit["canonical"])
    return {str(k): float(v) for k, v in data["scales"].items()}, printed


def canonical(value: float, unit: str, scales: dict[str, float], printed: dict[str, str]) -> tuple[float, str]:
    if unit in printed:
        return value, printed[unit]
    for scale in sorted(scales, key=len, reverse=True):
        if unit.startswith(scale) and unit[len(scale):] in printed:
            return value * scales[scale], printed[unit[len(scale):]]
    raise ValueError(f"answer unit {unit!r} is not in data/units.yaml")


# --- scoring -----------------------------------------------------------------------------------

@dataclass
class Score:
    document: str
    doc_id: str
    figures: int = 0
    right: int = 0
    missing: list[str] = field(default_factory=list)
    misread: list[str] = field(default_factory=list)
    ids_expected: int = 0
    ids_right: int = 0
    wrong_ids: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    empty_units: list[str] = field(default_factory=list)
    table_figures: int = 0
    table_right: int = 0

    def line(self) -> str:
        return (f"{self.document}: {self.right}/{self.figures} right (tables {self.table_right}/{self.table_figures}), "
                f"ids {self.ids_right}/{self.ids_expected}, wrong ids {len(self.wrong_ids)}, missing {len(self.missing)}, "
                f"misread {len(self.misread)}, invented {len(self.invented)}, empty units {len(self.empty_units)}")


def _num(text: str) -> float:
    return float(text) if text not in ("", None) else float("nan")


def score_document(name: str, doc_id: str, answers: dict, observations: list[dict],
                   scales: dict[str, float], printed: dict[str, str]) -> Score:
    score = Score(name, doc_id)
    rows = [r for r in observations if r["doc_id"] == doc_id]
    claimed: set[int] = set()
    for fig in answers["figures"]:
        score.figures += 1
        in_table = bool(fig.get("table"))
        score.table_figures += in_table
        value, unit = canonical(float(fig["value"]), str(fig["unit"]), scales, printed)
        want = {"value": value, "unit": unit, "period": str(fig["period"]), "measure": fig["measure"],
                "region": fig["region"]}
        label = f"{fig['value']}{fig['unit']} {want['period']} {want['measure']} {want['region']}"

        def agree(i: int) -> list[str]:
            r = rows[i]
            got = {"value": _num(r["value"]), "unit": r["unit"], "period": r["period"], "measure": r["measure"],
                   "region": r["region"]}
            return [k for k in FIELDS if not (abs(got[k] - want[k]) <= 1e-6 * max(1.0, abs(want[k]))
                                              if k == "value" else got[k] == want[k])]
        candidates = [i for i in range(len(rows)) if i not in claimed
                      and abs(abs(_num(rows[i]["value"])) - abs(value)) <= 1e-6 * max(1.0, abs(value))
                      and (rows[i]["table_id"] != "text") == in_table]
        if not candidates:
            score.missing.append(label)
            continue
        best = min(candidates, key=lambda i: len(agree(i)))
        claimed.add(best)
        bad = agree(best)
        r = rows[best]
        if bad:
            score.misread.append(f"{label}: got " + ", ".join(f"{k}={r[k]!r}" for k in bad) + f" (line {r['source_line']})")
        else:
            score.right += 1
            score.table_right += in_table
        if "indicator_id" in fig:
            expected = fig["indicator_id"] or ""
            got = r["indicator_id"]
            if expected:
                score.ids_expected += 1
                score.ids_right += got == expected
            if got and got != expected:
                score.wrong_ids.append(f"{label}: {got} (expected {expected or 'none'})")
    for i, r in enumerate(rows):
        if i not in claimed:
            score.invented.append(f"{r['value_raw']}{r['unit_raw']} {r['period']} {r['measure']} {r['region']} "
                                  f"{r['indicator_id']} (line {r['source_line']}: {r['source_text'][:40]})")
        if not r["unit"]:
            score.empty_units.append(f"{r['value_raw']} line {r['source_line']}")
    return score


def score_project(root: Path, ids: dict[str, str], folder: Path) -> list[Score]:
    with open(root / "data" / "clean" / "observations.csv", encoding="utf-8-sig") as handle:
        observations = list(csv.DictReader(handle))
    scales, printed = _units(root)
    return [score_document(name, doc_id, yaml.safe_load(folder.joinpath(name).with_suffix(".answers.yaml")
                                                       .read_text(encoding="utf-8")),
                           observations, scales, printed) for name, doc_id in ids.items()]


def failed_checks(root: Path, doc_ids: set[str]) -> list[str]:
    with open(root / "data" / "clean" / "checks.csv", encoding="utf-8-sig") as handle:
        return [f"{r['check_id']} {r['rule_id']} {r['message'][:160]}" for r in csv.DictReader(handle)
                if r["status"] == "fail" and any(d in r["sources"] for d in doc_ids)]


def main(argv: list[str]) -> int:
    import tempfile

    folders = [Path(a).resolve() for a in argv] or [FIXTURES]
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp) / "project")
        ids, refused = {}, []
        for folder in folders:
            ids.update(add_all(root, folder, refused))
        for line in refused:
            print("ADD REFUSED", line)
        build = run(root, "build")
        print(build.stdout[-3000:], build.stderr[-2000:], "exit", build.returncode)
        total = right = tright = tfig = 0
        for folder in folders:
            mine = {n: d for n, d in ids.items() if (folder / n).exists()}
            for s in score_project(root, mine, folder):
                print(s.line())
                for kind in ("missing", "misread", "wrong_ids", "invented", "empty_units"):
                    for item in getattr(s, kind):
                        print(f"    {kind}: {item}")
                total += s.figures
                right += s.right
                tfig += s.table_figures
                tright += s.table_right
        print(f"TOTAL {right}/{total} right ({right / max(total, 1):.1%}); tables {tright}/{tfig}")
        for check in failed_checks(root, set(ids.values())):
            print("FAILED CHECK", check)
        shutil.copy(root / "data" / "sources.yaml", Path(tmp).parent / "acceptance_sources.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
