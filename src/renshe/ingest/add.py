"""`renshe add FILE`: register a document from what it says about itself.

The file is read by the build's own reader (`read_document`, any format the build reads), its
registry entry inferred (ingest/infer.py) with every field open to a command-line value, its
sha256 computed, and what the build would read from it shown (figures taken and their regions,
tables, figures set aside and why: the extraction of that one document). Then the file is
copied into data/raw/ unchanged (its extension kept) and the entry appended to the `documents:`
list of data/sources.yaml as text, so every comment and the layout stay as they were; the new
registry is loaded before it is kept, and a failure leaves both files as they were.
`--dry-run` shows the same and writes nothing.

A field no rule can infer is asked for by name with its allowed values on a terminal, and is a
one-line error naming the field and its option otherwise. A file already registered (same
sha256) or a doc_id in use is refused.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from renshe.errors import RensheError
from renshe.ingest.documents import DOC_TYPES, SCRIPTS, DocumentEntry, Registry, load_registry, read_document
from renshe.ingest.infer import Inferred, infer_entry
from renshe.paths import ProjectPaths
from renshe.periods import canonical

FIELDS = ("doc_id", "title", "issuer", "doc_type", "region", "reference_period", "published", "script")
_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SHORT_TYPE = {"statistical_bulletin": "bulletin", "statistical_communique": "communique",
               "five_year_plan": "plan", "action_plan": "action_plan", "press_briefing": "briefing",
               "news_report": "news", "yearbook_table": "yearbook"}


@dataclass
class Added:
    entry: dict  # the registry fields written (or that would be)
    given: set[str]  # fields taken from the command line
    preview: str  # what the build reads from the document
    written: bool
    raw_path: Path
    registry_path: Path
    line: int = 0  # the entry's first line in the registry
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        width = max(len(name) for name in self.entry)
        lines = ["registry entry" + (" (dry run: nothing written)" if not self.written else "") + ":"]
        for name, value in self.entry.items():
            how = "given" if name in self.given else "inferred"
            lines.append(f"  {name:<{width}}  {value}   [{how}]")
        lines += ["", self.preview]
        if self.written:
            lines += ["", f"copied to {self.raw_path}", f"added to {self.registry_path}:{self.line}",
                      "`renshe build` publishes it"]
        return "\n".join(lines + self.notes)


Ask = Callable[[str, str], str]


def add_document(paths: ProjectPaths, file: Path, options: dict[str, str | None], dry_run: bool = False,
                 ask: Ask | None = None) -> Added:
    """Register `file` (see the module's doc); `options` holds the fields given on the command line."""
    file = Path(file)
    if not file.is_file():
        raise RensheError("no such file", file)
    registry = load_registry(paths)
    data = file.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    for known in registry.documents:
        if known.sha256 == digest:
            raise RensheError(f"already registered as {known.doc_id} (same sha256 {digest[:12]}…); nothing added",
                              file)
    probe = _entry(file, "new_document", digest, registry, {"region": "全国", "level": "national",
                                                             "doc_type": "statistical_bulletin",
                                                             "reference_period": "2000", "script": "hans"})
    document = read_document(probe, verify=False)
    inferred = infer_entry(list(document.raw_lines), registry.regions)
    given = {name for name, value in options.items() if value not in (None, "")}
    fields = _fields(inferred, options, registry, ask, file)
    suffix = file.suffix.lower() or ".txt"
    raw_path = paths.raw / f"{fields['doc_id']}{suffix}"
    if raw_path.exists():
        raise RensheError(f"doc_id {fields['doc_id']}: {raw_path} already exists; give another --doc-id", file)
    entry = _registry_fields(fields, registry, raw_path, paths, digest)
    final = _entry(raw_path, fields["doc_id"], digest, registry, entry)
    preview = preview_extraction(replace(document, entry=final), paths)
    added = Added(entry, given, preview, written=False, raw_path=raw_path, registry_path=paths.registry)
    if not dry_run:
        added.line = _write(paths, file, raw_path, entry)
        added.written = True
    return added


def _fields(inferred: Inferred, options: dict, registry: Registry, ask: Ask | None, file: Path) -> dict:
    values: dict[str, str | None] = {
        "title": inferred.title, "issuer": inferred.issuer, "doc_type": inferred.doc_type,
        "region": inferred.region.name if inferred.region else None,
        "reference_period": inferred.reference_period, "published": inferred.published,
        "script": inferred.script,
    }
    values.update({name: value for name, value in options.items() if value not in (None, "")})
    allowed = {
        "title": "the document's title as printed", "issuer": "the body that issued it, as printed",
        "doc_type": ", ".join(DOC_TYPES), "script": ", ".join(SCRIPTS),
        "region": "a region of data/regions.yaml or the registry's regions (e.g. 昆明市, 城固县)",
        "reference_period": "a period: 2023, 2023-Q1, 2023-H1, 2023-01/09, 2023-06, 2021-2025",
        "doc_id": "lower-case letters, digits, _ and -, not yet registered",
    }
    for name in ("title", "issuer", "doc_type", "region", "reference_period", "script"):
        while not _valid(name, values.get(name), registry):
            bad = values.get(name)
            if ask is None:
                what = f"{name} {bad!r} is not valid" if bad else f"cannot infer {name} from the document"
                raise RensheError(f"{what}; give --{name.replace('_', '-')} (allowed: {allowed[name]})", file)
            values[name] = ask(name, allowed[name]).strip()
    values["reference_period"] = canonical(values["reference_period"])
    published = values.get("published")
    if published and not _is_date(str(published)):
        raise RensheError(f"published {published!r} is not a date; give --published YYYY-MM-DD", file)
    values["doc_id"] = options.get("doc_id") or _doc_id(values, registry)
    while not _DOC_ID.match(values["doc_id"] or "") or any(d.doc_id == values["doc_id"] for d in registry.documents):
        used = any(d.doc_id == values["doc_id"] for d in registry.documents)
        problem = f"doc_id {values['doc_id']!r} is already registered" if used else \
            f"doc_id {values['doc_id']!r} is not valid"
        if ask is None or options.get("doc_id"):
            raise RensheError(f"{problem}; give another --doc-id ({allowed['doc_id']})", file)
        values["doc_id"] = ask("doc_id", allowed["doc_id"]).strip()
    return values


def _is_date(text: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _valid(name: str, value: str | None, registry: Registry) -> bool:
    if not value:
        return False
    if name == "doc_type":
        return value in DOC_TYPES
    if name == "script":
        return value in SCRIPTS
    if name == "region":
        return value in registry.region_lookup
    if name == "reference_period":
        return canonical(value) is not None
    return True


def _doc_id(values: dict, registry: Registry) -> str | None:
    """kunming_2023_bulletin, zhejiang_2021-2025_plan: the region's English name, the period, the kind."""
    region = registry.region(values["region"])
    slug = re.sub(r"[^a-z0-9]+", "_", (region.en or "").lower()).strip("_") or region.code
    period = values["reference_period"].replace("/", "-").lower()
    return f"{slug}_{period}_{_SHORT_TYPE.get(values['doc_type'], values['doc_type'])}"


def _registry_fields(values: dict, registry: Registry, raw_path: Path, paths: ProjectPaths, digest: str) -> dict:
    region = registry.region(values["region"])
    return {
        "doc_id": values["doc_id"], "file": raw_path.relative_to(paths.root).as_posix(),
        "title": values["title"], "issuer": values["issuer"], "level": region.level, "region": region.name,
        "region_code": region.code, "doc_type": values["doc_type"], "published": values.get("published") or None,
        "reference_period": values["reference_period"], "script": values["script"], "sha256": digest,
    }


def _entry(path: Path, doc_id: str, digest: str, registry: Registry, fields: dict) -> DocumentEntry:
    region = registry.region_lookup.get(fields["region"])
    return DocumentEntry(
        doc_id=doc_id, path=path, title_zh=str(fields.get("title") or ""), title_en="",
        issuer=str(fields.get("issuer") or ""), level=region.level if region else fields["level"],
        region=region.name if region else fields["region"], region_code=region.code if region else "",
        doc_type=fields["doc_type"], published=fields.get("published"),
        reference_period=fields["reference_period"], script=fields["script"], sha256=digest, layout=doc_id)


def preview_extraction(document, paths: ProjectPaths) -> str:
    """What `renshe extract` takes from this one document: figures by region, tables, set aside."""
    from renshe.ingest.codebook import load_codebook
    from renshe.ingest.extract import collect, extract_document, reason_kind

    try:
        result = extract_document(document)
    except RensheError as exc:
        return f"the build would stop on this document: {exc}"
    output = collect([result], load_codebook(paths.codebook))
    observations = output.observations
    lines = [f"what the build reads: {len(observations)} figures "
             f"({int((observations.indicator_id != '').sum())} with a codebook id), "
             f"{len(result.tables)} table(s), {len(output.unparsed)} set aside"]
    for (region, code), count in Counter(zip(observations.region, observations.region_code)).most_common():
        lines.append(f"  {region} ({code}): {count} figures")
    for table in result.tables:
        lines.append(f"  table {table.table_id} {table.title}: {len(table.observations)} figures, "
                     f"{len(table.unparsed)} set aside")
    for reason, count in Counter(reason_kind(r) for r in output.unparsed.reason).most_common(8):
        lines.append(f"  set aside {count:>3}  {reason}")
    return "\n".join(lines)


# --- writing ----------------------------------------------------------------------------------

def entry_text(entry: dict) -> str:
    """The entry as the registry's block style writes it (two-space list, quoted codes and periods)."""
    def scalar(name: str, value) -> str:
        if value is None:
            return "null"
        text = str(value)
        if name in ("region_code", "reference_period", "published") or not re.fullmatch(r"[^\s:#'\"{}\[\],&*!|>%@`][^:#]*", text) \
                or text.lower() in ("null", "true", "false", "yes", "no", "~"):
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return text

    lines = [f"  - doc_id: {entry['doc_id']}"]
    for name, value in entry.items():
        if name == "doc_id":
            continue
        if name == "title":
            lines += ["    title:", f"      zh: {scalar(name, value)}"]
            continue
        lines.append(f"    {name}: {scalar(name, value)}")
    return "\n".join(lines) + "\n"


def append_entry(registry_text: str, entry: dict) -> tuple[str, int]:
    """The registry with `entry` at the end of its `documents:` list, and the entry's first line."""
    lines = registry_text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^documents:\s*(#.*)?$", line)), None)
    if start is None:
        raise RensheError("the registry has no block `documents:` list to add to")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^[^\s#]", lines[i])), len(lines))
    # blank lines and column-0 comments just above the next key belong to that key
    while end - 1 > start and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    if end > 0 and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    lines.insert(end, entry_text(entry))
    return "".join(lines), end + 1


def _write(paths: ProjectPaths, source: Path, raw_path: Path, entry: dict) -> int:
    before = paths.registry.read_text(encoding="utf-8")
    text, line = append_entry(before, entry)
    raw_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, raw_path)
    try:
        paths.registry.write_text(text, encoding="utf-8")
        load_registry(paths)  # the new registry must load, or nothing is kept
    except BaseException:
        paths.registry.write_text(before, encoding="utf-8")
        raw_path.unlink(missing_ok=True)
        raise
    return line


def ask_on_terminal(name: str, allowed: str) -> str:
    print(f"{name} could not be inferred from the document ({allowed})", file=sys.stderr)
    return input(f"{name}: ")
