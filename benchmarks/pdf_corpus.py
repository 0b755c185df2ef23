"""A corpus of generated text-layer PDFs for the PDF extraction benchmark (`run.py --only pdf`).

Each document is the format fixtures' sources (tests/fixtures/formats/sources/*.yaml) printed
again and again by their generator (make_fixtures.make_pdf: reportlab, running header and footer,
page numbers, ruled and aligned tables, charts) until it has `pages_per_document` pages.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "fixtures" / "formats"


def make_pdf_corpus(target: Path, pages: int = 240, pages_per_document: int = 24) -> list[Path]:
    """Write PDFs holding at least `pages` pages in all into `target`; returns their paths."""
    sys.path.insert(0, str(FIXTURES))
    import make_fixtures
    import pdfplumber  # noqa: F401  (only to fail early without it)

    # the bulletins; not the merged-header fixture (a two-row header is the table reader's to read)
    sources = [make_fixtures.load(p.stem) for p in sorted((FIXTURES / "sources").glob("*_bulletin.yaml"))]
    target.mkdir(parents=True, exist_ok=True)
    written, total, number = [], 0, 0
    while total < pages:
        source = sources[number % len(sources)]
        blocks: list[dict] = []
        document = dict(source, blocks=blocks)
        while True:
            blocks.extend(b for b in source["blocks"] if "page_break" not in b)
            data, count = make_fixtures.make_pdf_pages(document)
            if count >= pages_per_document:
                break
        path = target / f"{source['entry']['doc_id']}_{number:03d}.pdf"
        path.write_bytes(data)
        written.append(path)
        total += count
        number += 1
    return written


def _page_count(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


# Run in a process of its own by run.py: every PDF read (renshe.ingest.formats) and extracted
# (renshe.ingest.extract.extract_document) one after another on one core; prints JSON.
MEASURE = """
import json, sys, time
from pathlib import Path
from renshe.ingest.documents import DocumentEntry, read_document
from renshe.ingest.extract import extract_document
paths = [Path(p) for p in sys.argv[1:]]
pages = read_cpu = extract_cpu = 0.0
observations = 0
started = time.perf_counter()
for path in paths:
    entry = DocumentEntry(doc_id=path.stem, path=path, title_zh="", title_en="", issuer="", level="province",
                          region="四川省", region_code="510000", doc_type="statistical_bulletin", published=None,
                          reference_period="2022", script="hans", sha256="")
    cpu = time.process_time()
    document = read_document(entry, verify=False)
    read_cpu += time.process_time() - cpu
    cpu = time.process_time()
    result = extract_document(document)
    extract_cpu += time.process_time() - cpu
    pages += max(origin.page for origin in document.origins)
    observations += len(result.text_observations) + sum(len(t.observations) for t in result.tables)
print(json.dumps({"documents": len(paths), "pages": pages, "read_cpu": read_cpu, "extract_cpu": extract_cpu,
                  "wall": time.perf_counter() - started, "observations": observations}))
"""
