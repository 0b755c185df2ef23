"""The document registry (data/sources.yaml) and the raw documents it describes.

A document is read by its format's reader (renshe.ingest.formats: .txt, .pdf, .docx, .html) into
lines with an origin each; the rest of the pipeline reads those lines.

Raw text is never rewritten: `normalize_line` produces a matching-only copy of each
line, and `Paragraph` keeps, for every character of re-joined prose, the raw line it
came from. That is what lets every figure point back to its line (`doc_id:line`: the line of
data/raw/<doc_id>.txt, or for another format of data/clean/text/<doc_id>.txt, with its page).
"""
from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from renshe.errors import RensheError
from renshe.ingest.formats import read_file
from renshe.ingest.formats.model import NO_ORIGIN, LeftOut, Origin
from renshe.ingest.formats.txt import decode_utf8
from renshe.ingest.regions import Region, build_regions, entries_with_lines, read_region_tree, region_lookup
from renshe.yamlfiles import SAFE_LOADER, yaml_errors
from renshe.paths import ProjectPaths

LEVELS = ("national", "province", "city", "district")
# statistical_communique: a statistics bureau's annual communiqué (统计公报), read like a bulletin;
# news_report: a news agency's or paper's report of any of these; yearbook_table: a table of a
# statistical yearbook. The last two are read like bulletins: actuals of their reference period.
DOC_TYPES = ("statistical_bulletin", "statistical_communique", "five_year_plan", "action_plan", "press_briefing",
             "news_report", "yearbook_table")
SCRIPTS = ("hans", "hant")
# region_code may be left out when the region tree (data/regions.yaml) knows the region
REQUIRED_FIELDS = (
    "doc_id", "file", "title", "issuer", "level", "region",
    "doc_type", "reference_period", "script", "sha256",
)


@dataclass(frozen=True)
class DocumentEntry:
    doc_id: str
    path: Path
    title_zh: str
    title_en: str
    issuer: str
    level: str
    region: str
    region_code: str
    doc_type: str
    published: str | None
    reference_period: str
    script: str
    sha256: str
    # the doc_id whose table specs and text sections this document follows: a document
    # printed like a registered one (next year's edition, a benchmark copy) reuses them
    layout: str = ""
    supersedes: str | None = None  # the doc_id of the earlier edition this one replaces

    @property
    def year(self) -> int:
        """The document's own year: the first year of its reference period."""
        return int(self.reference_period[:4])


@dataclass(frozen=True)
class Registry:
    path: Path
    documents: tuple[DocumentEntry, ...]
    regions: tuple[Region, ...]  # the region tree: data/regions.yaml, then the registry's own entries

    def document(self, doc_id: str) -> DocumentEntry:
        for entry in self.documents:
            if entry.doc_id == doc_id:
                return entry
        known = ", ".join(e.doc_id for e in self.documents)
        raise RensheError(f"unknown document {doc_id!r}; the registry has: {known}", self.path)

    @cached_property
    def region_lookup(self) -> dict[str, Region]:
        """Every region by its name and by each of its aliases (柯城 -> 柯城区)."""
        return region_lookup(self.regions)

    def region(self, name: str) -> Region:
        found = self.region_lookup.get(name)
        if found is None:
            import difflib

            close = difflib.get_close_matches(name, list(self.region_lookup), n=5, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise RensheError(f"unknown region {name!r}: not among the {len(self.regions)} regions of "
                              f"data/regions.yaml and the registry{hint}", self.path)
        return found

    def region_names(self) -> list[str]:
        return [r.name for r in self.regions]


def _parse_registry(text: str, registry_path: Path) -> tuple[dict, list[dict[str, int]], list[int]]:
    """The registry's data, for every document entry the 1-based line of each field
    (key "" is the entry's first line), so an error points at the offending line, and the
    line of every `regions:` entry."""
    loader = SAFE_LOADER(text)
    try:
        with yaml_errors(registry_path):
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else {}
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise RensheError("expected a mapping with `documents:` and `regions:`", registry_path, 1)
    lines: list[dict[str, int]] = []
    region_lines: list[int] = []
    for key, value in node.value if node is not None else ():
        if key.value == "documents" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                fields = {"": item.start_mark.line + 1}
                if isinstance(item, yaml.MappingNode):
                    fields.update({k.value: k.start_mark.line + 1 for k, _ in item.value})
                lines.append(fields)
        elif key.value == "regions" and isinstance(value, yaml.SequenceNode):
            region_lines = [item.start_mark.line + 1 for item in value.value]
    return data, lines, region_lines


def load_registry(paths: ProjectPaths | None = None) -> Registry:
    """Read and validate data/sources.yaml; every problem names the entry and its line."""
    paths = paths or ProjectPaths.at()
    registry_path = paths.registry
    text = _decode_strict(registry_path.read_bytes(), registry_path)
    data, entry_lines, region_lines = _parse_registry(text, registry_path)
    regions = _load_regions(paths, data.get("regions"), region_lines)
    lookup = region_lookup(regions)
    raw_entries = data.get("documents") or []
    if not raw_entries:
        raise RensheError("the registry lists no documents", registry_path)
    documents: list[DocumentEntry] = []
    seen: dict[str, int] = {}  # doc_id -> line of its first entry
    raw_root = paths.raw.resolve()
    for raw, fields in zip(raw_entries, entry_lines):
        if not isinstance(raw, dict):
            raise RensheError("a document entry must be a mapping of fields", registry_path, fields[""])
        doc_id = str(raw.get("doc_id", ""))
        line = fields.get("doc_id", fields[""])
        missing = [name for name in REQUIRED_FIELDS if raw.get(name) in (None, "")]
        if missing:
            raise RensheError(f"document {doc_id or '?'} lacks {', '.join(missing)}", registry_path, line)
        if doc_id in seen:
            raise RensheError(f"duplicated doc_id {doc_id!r} (first registered at line {seen[doc_id]})",
                              registry_path, line)
        seen[doc_id] = line
        for name, allowed in (("level", LEVELS), ("doc_type", DOC_TYPES), ("script", SCRIPTS)):
            if raw[name] not in allowed:
                raise RensheError(f"document {doc_id}: {name} {raw[name]!r} is not one of {allowed}",
                                  registry_path, fields.get(name, line))
        file_path = (paths.root / str(raw["file"])).resolve()
        if raw_root not in file_path.parents:
            raise RensheError(f"document {doc_id}: file {raw['file']!r} is outside data/raw/",
                              registry_path, fields.get("file", line))
        title = raw["title"] if isinstance(raw["title"], dict) else {"zh": str(raw["title"]), "en": ""}
        region, region_code = _document_region(raw, fields, lookup, registry_path, line)
        documents.append(DocumentEntry(
            doc_id=doc_id, path=file_path, title_zh=str(title.get("zh", "")),
            title_en=str(title.get("en", "")), issuer=str(raw["issuer"]), level=raw["level"],
            region=region, region_code=region_code, doc_type=raw["doc_type"],
            published=str(raw["published"]) if raw.get("published") else None,
            reference_period=str(raw["reference_period"]), script=raw["script"],
            sha256=str(raw["sha256"]).lower(), layout=str(raw.get("layout") or doc_id),
            supersedes=str(raw["supersedes"]) if raw.get("supersedes") else None,
        ))
    for entry, fields in zip(documents, entry_lines):  # an edition names a registered document
        if entry.supersedes is not None and (entry.supersedes not in seen or entry.supersedes == entry.doc_id):
            raise RensheError(f"document {entry.doc_id}: supersedes {entry.supersedes!r}, which is not another "
                              "registered doc_id", registry_path, fields.get("supersedes", fields[""]))
    return Registry(registry_path, tuple(documents), regions)


def _load_regions(paths: ProjectPaths, own: object, own_lines: list[int]) -> tuple[Region, ...]:
    """data/regions.yaml, then the registry's own `regions:` entries, checked together."""
    if own is not None and not isinstance(own, list):
        raise RensheError("`regions:` must be a list of {name, code, level, parent}", paths.registry,
                          own_lines[0] if own_lines else None)
    tree, lines = read_region_tree(paths.regions)
    return build_regions(entries_with_lines(own or [], paths.registry, own_lines), tree, paths.regions, lines)


def _document_region(raw: dict, fields: dict[str, int], lookup: dict[str, Region], path: Path,
                     line: int) -> tuple[str, str]:
    """The document's region (its full name when written as an alias) and code: the code as
    written, or the region tree's; both must agree, and so must the level."""
    doc_id, name = raw.get("doc_id"), str(raw["region"])
    known = lookup.get(name)
    written = str(raw.get("region_code") or "").strip()
    if known is None:
        by_code = next((r for r in lookup.values() if written and r.code == written), None)
        hint = f" (code {written} is {by_code.name})" if by_code else ""
        raise RensheError(f"document {doc_id}: region {name} is not in the region tree{hint}; a region the "
                          "official list lacks is declared under `regions:` of data/sources.yaml with its "
                          "code, level and parent", path, fields.get("region", line))
    if written and written != known.code:
        raise RensheError(f"document {doc_id}: region_code {written} conflicts with {name} = {known.code} "
                          "in the region tree", path, fields.get("region_code", line))
    if known.level != raw["level"]:
        raise RensheError(f"document {doc_id}: level {raw['level']} conflicts with {name}, a {known.level} "
                          "in the region tree", path, fields.get("level", line))
    return known.name, known.code


def _decode_strict(data: bytes, path: Path) -> str:
    return decode_utf8(data, path)


@dataclass
class Document:
    entry: DocumentEntry
    raw_lines: list[str]  # the lines as read (renshe.ingest.formats): a table's rows as tab rows
    _normalized: list[str] | None = field(default=None, repr=False)
    origins: list[Origin] = field(default_factory=list)  # where each line was printed, one per line
    left_out: list[LeftOut] = field(default_factory=list)  # furniture recognised and not read
    format: str = "txt"

    def origin(self, number: int) -> Origin:
        """Where 1-based line `number` was printed (no page for a format without pages)."""
        return self.origins[number - 1] if 0 < number <= len(self.origins) else NO_ORIGIN

    def page(self, number: int) -> int:
        """The PDF page of 1-based line `number`; 0 for a format without pages."""
        return self.origin(number).page

    @property
    def doc_id(self) -> str:
        return self.entry.doc_id

    @property
    def path(self) -> Path:
        return self.entry.path

    def raw_line(self, number: int) -> str:
        """The raw text of 1-based line `number`."""
        return self.raw_lines[number - 1]

    @property
    def normalized_lines(self) -> list[str]:
        """Matching-only copies of the raw lines, same count and order."""
        if self._normalized is None:
            self._normalized = normalize_lines(self.raw_lines, self.entry.script)
        return self._normalized

    def paragraphs(self) -> list["Paragraph"]:
        return join_paragraphs(self.normalized_lines)

    def error(self, message: str, line: int | None = None) -> RensheError:
        return RensheError(message, self.path, line)


def read_document(entry: DocumentEntry, verify: bool = True) -> Document:
    """Read a raw document as published (.txt, .pdf, .docx, .html: renshe.ingest.formats), checking
    its bytes against the registry's sha256."""
    if not entry.path.is_file():
        raise RensheError(f"document {entry.doc_id}: raw file is missing", entry.path)
    data = entry.path.read_bytes()
    if verify:
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.sha256:
            raise RensheError(
                f"document {entry.doc_id} changed: sha256 is {digest}, the registry expects "
                f"{entry.sha256}. Raw files are immutable; if the new text is intended, "
                "update sha256 in data/sources.yaml",
                entry.path,
            )
    read = read_file(entry.path, data, name=entry.doc_id)
    return Document(entry, read.lines, origins=read.origins, left_out=read.left_out, format=read.format)


# --- normalisation for matching -------------------------------------------------------

# The patterns never cross a line end, so they give the same result on one line and on a
# whole document (which is how Document.normalized_lines applies them, for speed).
_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>\n]*>")
_EMPHASIS = re.compile(r"\*\*|__")
_HEADING = re.compile(r"^[^\S\n]*#{1,6}[^\S\n]*", re.MULTILINE)
# NFKC folds full-width digits, Latin letters and most punctuation; these are the
# dash-like and bracket characters it leaves alone but that the parsers should see as one.
_EXTRA_FOLD = str.maketrans({"―": "—", "－": "-", "～": "~", "　": " "})


def _char_class(code_points: set[int]) -> str:
    """A regex character class of `code_points` (as ranges) plus every non-BMP character."""
    ranges, start, previous = [], None, None
    for cp in sorted(code_points):
        if previous is not None and cp == previous + 1:
            previous = cp
            continue
        if start is not None:
            ranges.append((start, previous))
        start = previous = cp
    if start is not None:
        ranges.append((start, previous))
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                   for a, b in ranges)
    return f"[{body}\U00010000-\U0010ffff]"


@lru_cache(maxsize=1)
def _fold_pattern() -> re.Pattern:
    """Characters the fold changes (NFKC alone, or _EXTRA_FOLD) or that may combine with
    the character before them (combining marks, second halves of compositions, Hangul
    vowels and finals, and anything whose decomposition starts with one of those).
    Non-BMP characters count as both (rare; safe)."""
    combining = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V and T jamo
    bmp = [chr(cp) for cp in range(0x10000) if not 0xD800 <= cp <= 0xDFFF]
    for char in bmp:
        decomposition = unicodedata.decomposition(char)
        if unicodedata.combining(char):
            combining.add(ord(char))
        elif decomposition and not decomposition.startswith("<") and len(decomposition.split()) == 2:
            combining.add(int(decomposition.split()[1], 16))
    changed = set(_EXTRA_FOLD)
    for char in bmp:
        if unicodedata.normalize("NFKC", char) != char:
            changed.add(ord(char))
        if ord(unicodedata.normalize("NFKD", char)[0]) in combining:
            combining.add(ord(char))
    return re.compile(_char_class(changed | combining)), frozenset(map(chr, combining))


def fold_width(text: str) -> str:
    """unicodedata.normalize("NFKC", text).translate(_EXTRA_FOLD), fast on long text.

    A document has a few hundred thousand characters but only a handful of distinct ones
    that NFKC changes (full-width comma, colon, brackets, digits), so each of those is
    replaced throughout at once. That is exact as long as no character can combine with
    its neighbour; text with such a character goes through NFKC as a whole.
    """
    pattern, combining = _fold_pattern()
    position = 0
    while (found := pattern.search(text, position)) is not None:
        char = found.group()
        if char in combining or len(char) != 1 or ord(char) > 0xFFFF:
            return unicodedata.normalize("NFKC", text).translate(_EXTRA_FOLD)
        text = text.replace(char, unicodedata.normalize("NFKC", char).translate(_EXTRA_FOLD))
        position = found.start()  # nothing before it changed; the replacement is already folded
    return text


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: only Traditional documents need it

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def normalize_line(line: str, script: str = "hans") -> str:
    """Remove conversion artefacts and fold width and script, for matching only.
    Also used on a whole document (lines joined by "\n"): nothing here crosses a line end."""
    text = _BOOKMARK.sub("", line) if "[bookmark:" in line else line
    text = _HTML_TAG.sub("", text) if "<" in text else text
    text = _EMPHASIS.sub("", text) if "**" in text or "__" in text else text
    text = _HEADING.sub("", text) if "#" in text else text
    text = fold_width(text)
    if script == "hant":
        text = to_simplified(text)
    return text


def normalize_lines(lines: list[str], script: str = "hans") -> list[str]:
    """normalize_line of every line, done on the joined text (one pass instead of one per line)."""
    normalized = normalize_line("\n".join(lines), script).split("\n")
    if len(normalized) != len(lines):  # a converter changed a line end: fall back, line by line
        return [normalize_line(line, script) for line in lines]
    return normalized


# --- prose re-joined across page breaks -------------------------------------------------

_SENTENCE_END = ("。", "！", "？", "；", "!", "?", ";", "”", "」", ":")
_MIN_BROKEN_LINE = 20  # headings are short; a line cut by a page break is a full text line
# a line that starts a numbered heading (一、 （二） 第三章 4.) is never the rest of a cut sentence
_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十\d]+[章节部分篇])")


@dataclass
class Paragraph:
    """Prose re-joined across blank lines and page breaks, with a map back to raw lines."""

    text: str
    starts: list[int]  # offset in `text` where each joined raw line begins
    lines: list[int]  # the 1-based raw line number of each of those pieces

    def line_at(self, offset: int) -> int:
        return self.lines[bisect.bisect_right(self.starts, offset) - 1]

    @property
    def first_line(self) -> int:
        return self.lines[0]


# a document's or a part's title ends with what the text is (…统计公报, …规划(摘要)): never a cut sentence
_TITLE_END = re.compile(r"(?:公报|规划|方案|纲要|报告|意见|通知|办法)(?:\([^()]*\))?$")


def _continues(line: str) -> bool:
    stripped = line.rstrip()
    if not stripped or stripped.endswith(_SENTENCE_END) or _TITLE_END.search(stripped):
        return False
    return len(stripped) >= _MIN_BROKEN_LINE or stripped.endswith((",", "、", "，"))


_PAGE_NUMBER = re.compile(r"^ *[-—–－]+ *\d{1,3} *[-—–－]+ *$")


def is_page_number(line: str) -> bool:
    """A page number left by the conversion ("- 6 -", "— 2 —"), in a table or inside a sentence."""
    return bool(_PAGE_NUMBER.match(line.rstrip("\r\n")))


def join_paragraphs(normalized_lines: list[str]) -> list[Paragraph]:
    """Group lines into paragraphs; a line cut mid-sentence joins the next non-blank line
    (over a page number the conversion left between them)."""
    paragraphs: list[Paragraph] = []
    current: Paragraph | None = None
    for number, line in enumerate(normalized_lines, start=1):
        stripped = line.strip()
        if not stripped or is_page_number(stripped):
            continue
        if current is not None and _continues(current.text) and not _HEADING_START.match(stripped):
            current.starts.append(len(current.text))
            current.lines.append(number)
            current.text += stripped
        else:
            current = Paragraph(stripped, [0], [number])
            paragraphs.append(current)
    return paragraphs


def load_documents(paths: ProjectPaths | None = None, doc_ids: list[str] | None = None,
                   verify: bool = True) -> list[Document]:
    registry = load_registry(paths)
    entries = [registry.document(d) for d in doc_ids] if doc_ids else list(registry.documents)
    return [read_document(entry, verify=verify) for entry in entries]
