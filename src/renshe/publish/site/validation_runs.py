"""The validation runs as the site shows them: one row per rule, its expectations met or not, and
the result named by the rule's severity (a warning-severity rule that is not met is a warning,
although the validation library records every unmet expectation as failed).

The library's own HTML report (Data Docs) needs jQuery and Bootstrap from the internet to fill
its tables, which the offline site must not load: it is published as a download
(`downloads/validation-report.zip`, the pages as written) and its content is shown here instead.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd

from renshe.paths import ProjectPaths

REPORT_ZIP = "validation-report.zip"
RESULTS_JSON = "gx_validation_results.json"
SCHEMA_SUITES = {
    "schema.observations": ("观测值的结构：列、类型、允许的取值", "The observations' structure: columns, types, allowed values"),
    "schema.lines": ("每个数字都能在其来源行中找到", "Every figure is found on the line it cites"),
}
RESULT_WORDS = {"passed": "通过 passed", "warning": "警告 warning", "failed": "未通过 failed"}
SEVERITY_WORDS = {"error": "错误 error", "warning": "警告 warning", "critical": "错误 error"}
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def _rules(paths: ProjectPaths) -> dict:
    from renshe.checks.rules import load_rules

    if not paths.rules.is_file():
        return {}
    return {rule.id: rule for rule in load_rules(paths.rules).rules}


def validation_runs(paths: ProjectPaths) -> pd.DataFrame:
    """One row per validation run (a suite: the observations' structure, or one rule), in words."""
    results_path = paths.clean / RESULTS_JSON
    if not results_path.is_file():
        return pd.DataFrame()
    results = json.loads(results_path.read_text(encoding="utf-8"))
    rules = _rules(paths)
    rows = []
    for run in results:
        name = str(run.get("suite_name", ""))
        statistics = run.get("statistics") or {}
        evaluated = int(statistics.get("evaluated_expectations", 0))
        met = int(statistics.get("successful_expectations", 0))
        checked = sum(int((r.get("result") or {}).get("element_count", 0)) for r in run.get("results", []))
        outside = sum(int((r.get("result") or {}).get("unexpected_count", 0)) for r in run.get("results", []))
        rule = rules.get(name.removeprefix("crosscheck."))
        if name in SCHEMA_SUITES:
            what = " · ".join(SCHEMA_SUITES[name])
            severity = "error"
        else:
            what = " ".join((rule.description if rule else name.removeprefix("crosscheck.").replace("_", " ")).split())
            severity = rule.severity if rule else "error"
        result = "passed" if met == evaluated else ("warning" if severity == "warning" else "failed")
        rows.append({
            "核查 what is checked": what,
            "严重程度 severity": SEVERITY_WORDS.get(severity, severity),
            "检验项 tests": evaluated,
            "满足 met": met,
            "核查的行 rows checked": checked,
            "超出的行 rows outside": outside,
            "结果 result": RESULT_WORDS[result],
        })
    return pd.DataFrame(rows)


def report_zip(paths: ProjectPaths) -> bytes | None:
    """The validation library's HTML report (data/clean/data-docs) and its results as one zip, the
    same bytes for the same files (fixed entry times, sorted)."""
    folder = paths.clean / "data-docs"
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    results = paths.clean / RESULTS_JSON
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in files:
            _add(archive, "data-docs/" + path.relative_to(folder).as_posix(), path)
        if results.is_file():
            _add(archive, RESULTS_JSON, results)
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, path: Path) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    archive.writestr(info, path.read_bytes())


def write_report_zip(paths: ProjectPaths, downloads: Path) -> Path | None:
    data = report_zip(paths)
    if data is None:
        return None
    target = downloads / REPORT_ZIP
    target.write_bytes(data)
    return target

