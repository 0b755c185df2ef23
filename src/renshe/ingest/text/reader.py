"""Reading one document's running text: paragraph -> sentence -> clause -> figures."""
from __future__ import annotations

from dataclasses import dataclass, field

from renshe.ingest.documents import Document
from renshe.ingest.text.parallel import read_paragraphs
from renshe.ingest.text.places import places_for
from renshe.ingest.text.anchor import anchor_year
from renshe.ingest.text.config import Scope, TextConfig, config_for, scope_for
from renshe.ingest.text.readings import Context, _ASSERTION
from renshe.ingest.text.repeats import repeated_lines, set_aside_repeats
from renshe.ingest.text.rows import Rows
from renshe.ingest.text.sections import scoped_paragraphs, section_ranges
from renshe.ingest.text.sentence_reading import SentenceReading
from renshe.ingest.text.subjects import SubjectCleaner
from renshe.ingest.text.time_words import TimeWords


class DocumentReader(TimeWords, SentenceReading, Rows):
    def __init__(self, document: Document, config: TextConfig, scope: Scope):
        self.document = document
        self.config = config
        self.scope = scope
        entry = document.entry
        span = entry.reference_period.split("-")
        plan = span if len(span) == 2 and all(s.isdigit() and len(s) == 4 for s in span) else [str(entry.year)] * 2
        self.context = Context(entry.year, entry.reference_period, plan[0], plan[1], anchor_year(document, config))
        chosen = tuple(i for i, m in enumerate(config.markers) if not m.doc_types or entry.doc_type in m.doc_types)
        self.markers = [config.markers[i] for i in chosen]
        self.clean = self._cleaner(config, chosen)
        self.context_free = [not _ASSERTION.search(m.pattern.pattern) for m in self.markers]
        self.paragraph_markers = self.markers  # narrowed to those present, paragraph by paragraph
        self.values = self.context.values()
        self.default_period: str | None = None  # the scope's default period, filled in when first asked
        self.carried_period = ""  # set by a carrying marker, reset at each paragraph
        self.paragraph_topic = ""  # the last subject read in the paragraph, for the next sentence
        self.line_numbers: dict[int, tuple] = {}  # _numbers_on, by line
        self.set_aside: list[dict] = []  # figures read with doubt, with the reason (unparsed.csv)
        self.places = places_for(entry.path, entry.region, entry.year)  # sub-regions named in the text

    @staticmethod
    def _cleaner(config: TextConfig, chosen: tuple[int, ...]) -> SubjectCleaner:
        """One cleaner per configuration and choice of markers, shared by the documents that use it."""
        key = ("cleaner", chosen)
        if key not in config.derived:
            config.derived[key] = SubjectCleaner(config, [config.markers[i].pattern for i in chosen])
        return config.derived[key]


@dataclass
class TextFigures:
    observations: list[dict] = field(default_factory=list)
    set_aside: list[dict] = field(default_factory=list)  # unparsed.csv rows, each with its reason


def read_text(document: Document, config: TextConfig | None = None,
              skip_lines: set[int] | frozenset[int] = frozenset()) -> TextFigures:
    """Every figure stated in the document's text sections (its text_sections entry, else its
    doc_type's defaults): observation rows, and the figures set aside because their subject,
    period or measure could not be decided. `skip_lines` (the document's tables) are not prose."""
    config = config or config_for(document)
    scope = scope_for(config, document.entry)
    if scope is None:
        return TextFigures()
    reader = DocumentReader(document, config, scope)
    ranges = section_ranges(document, scope, config.path)
    # a news report's headline is its first line; a bulletin's title never holds its figures' subjects either
    paragraphs = scoped_paragraphs(document, ranges, config.item_heading, skip_lines, config.break_lines,
                                   break_first=bool(config.break_lines))
    observations = read_paragraphs(reader, paragraphs)  # a yearbook-sized text on every core
    observations, repeated = set_aside_repeats(observations, repeated_lines(document.normalized_lines, skip_lines))
    reader.set_aside.extend(repeated)
    return TextFigures(*reader.distinct(observations))


def extract_text_figures(document: Document, config: TextConfig | None = None,
                         skip_lines: set[int] | frozenset[int] = frozenset()) -> list[dict]:
    """The observation rows of `read_text`."""
    return read_text(document, config, skip_lines).observations
