"""Web pages (.html, .htm) with BeautifulSoup and lxml: the main content read, block elements and
<br> as line breaks, tables as tab rows (colspan and rowspan repeated); navigation, breadcrumbs,
page headers and footers, sidebars, scripts and styles left out with their reason. The charset is
the one the page declares (GBK and GB2312 pages read as GB18030, their superset), else UTF-8."""
from __future__ import annotations

import re
from pathlib import Path

from renshe.errors import RensheError
from renshe.ingest.formats.model import Cell, Origin, ReadResult, cell_text

BLOCKS = frozenset("""address article aside blockquote caption center dd details div dl dt fieldset figcaption
figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td th thead
tfoot tr ul""".split())
NEVER_TEXT = {"script": "script", "style": "style", "noscript": "script", "template": "script",
              "iframe": "embedded frame", "svg": "figure graphics", "canvas": "figure graphics"}
FURNITURE_TAGS = {"nav": "site navigation", "aside": "sidebar", "footer": "page footer", "header": "page header"}
# class or id words that name furniture on Chinese government sites (面包屑 breadcrumbs, 导航, 页脚, 分享)
_FURNITURE_NAME = re.compile(
    r"(?:^|[-_ ])(breadcrumb|crumbs?|position|location|weizhi|nav|navbar|menu|topbar|header|head|footer|foot|"
    r"sidebar|side|share|copyright|banner|bottom|toolbar)(?:$|[-_ ])", re.I)
_REASONS = {"breadcrumb": "breadcrumb", "crumb": "breadcrumb", "crumbs": "breadcrumb", "position": "breadcrumb",
            "location": "breadcrumb", "weizhi": "breadcrumb", "nav": "site navigation", "navbar": "site navigation",
            "menu": "site navigation", "topbar": "site navigation", "header": "page header", "head": "page header",
            "banner": "page header", "footer": "page footer", "foot": "page footer", "bottom": "page footer",
            "copyright": "page footer", "sidebar": "sidebar", "side": "sidebar", "share": "sharing links",
            "toolbar": "sharing links"}
_MAIN = ("article", "main", "[role=main]", "#content", "#zoom", ".article", ".content", "#main", ".main")
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.I)
_CHINESE = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "gb_2312-80": "gb18030"}


def decode_html(data: bytes, path: Path) -> tuple[str, str]:
    """(text, charset): the charset a <meta> declares in the first 4 kB, else UTF-8; strict."""
    found = _DECLARED.search(data[:4096])
    declared = found.group(1).decode("ascii").lower() if found else "utf-8"
    charset = _CHINESE.get(declared, declared)
    if data.startswith(b"\xef\xbb\xbf"):
        charset, data = "utf-8", data[3:]
    try:
        return data.decode(charset), charset
    except LookupError as exc:
        raise RensheError(f"the page declares an unknown charset {declared!r}", path, 1) from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RensheError(f"not {declared} as the page declares (byte 0x{data[exc.start]:02x} at offset "
                          f"{exc.start})", path, line) from exc


def read_html(path: Path, data: bytes) -> ReadResult:
    from bs4 import BeautifulSoup

    text, _ = decode_html(data, path)
    soup = BeautifulSoup(text, "lxml")
    result = ReadResult("html")
    for element in soup.find_all(list(NEVER_TEXT)):
        result.leave_out(element.get_text(" ", strip=True)[:200], NEVER_TEXT[element.name], Origin(element=_path(element)))
        element.decompose()
    main = _main_content(soup)
    if main is not None:
        _leave_out_outside(main, result)
    root = main or soup.body or soup
    _leave_out_inside(root, result)
    _Walker(result).walk(root)
    return result


def _leave_out_inside(element, result: ReadResult) -> None:
    """Furniture inside the main content (a breadcrumb, a sharing bar, the article's footer)."""
    for child in list(element.find_all(True, recursive=False)):
        reason = _furniture(child, inside_main=True)
        if reason:
            result.leave_out(child.get_text(" ", strip=True), reason, Origin(element=_path(child)))
            child.extract()
        else:
            _leave_out_inside(child, result)


def _furniture(element, inside_main: bool) -> str:
    """Why `element` is page furniture, or ''. Inside the main content a <header> is the
    article's own title and stays."""
    if element.name in FURNITURE_TAGS and not (inside_main and element.name == "header"):
        return FURNITURE_TAGS[element.name]
    if element.name in ("body", "html", "article", "main", "table", "tr", "td", "th", "tbody"):
        return ""
    names = " ".join([*(element.get("class") or []), element.get("id") or "", element.get("role") or ""])
    found = _FURNITURE_NAME.search(names)
    if found and not (inside_main and found.group(1).lower() in ("header", "head")):
        return _REASONS[found.group(1).lower()]
    return ""


def _main_content(soup):
    """The element holding the document: <article>, <main>, #content and their kin, else the
    element with the most text of its own paragraphs."""
    for selector in _MAIN:
        found = [e for e in soup.select(selector) if len(e.get_text(strip=True)) > 50]
        if found:
            return max(found, key=lambda e: len(e.get_text(strip=True)))
    best, best_size = None, 0
    for element in soup.find_all(["div", "section", "td", "body"]):
        size = sum(len(child.get_text(strip=True)) for child in element.find_all(["p", "table", "h1", "h2", "h3"],
                                                                                 recursive=False)
                   if child.name != "table" or not _layout_table(child))
        if size > best_size:
            best, best_size = element, size
    return best


def _leave_out_outside(main, result: ReadResult) -> None:
    """Every text outside the main content, listed under the furniture it sits in."""
    node = main
    while node.parent is not None:
        for sibling in node.parent.children:
            if sibling is node or not getattr(sibling, "name", None):
                if sibling is not node and str(sibling).strip() and type(sibling).__name__ == "NavigableString":
                    result.leave_out(str(sibling), "outside the main content", Origin(element=_path(node.parent)))
                continue
            reason = _furniture(sibling, inside_main=False) or "outside the main content"
            result.leave_out(sibling.get_text(" ", strip=True), reason, Origin(element=_path(sibling)))
        node = node.parent


def _path(element) -> str:
    parts = []
    while element is not None and element.name not in (None, "[document]"):
        parent = element.parent
        if parent is not None:
            same = [c for c in parent.find_all(element.name, recursive=False)]
            index = next((i for i, c in enumerate(same, start=1) if c is element), 1)
            parts.append(element.name + (f"[{index}]" if len(same) > 1 else ""))
        else:
            parts.append(element.name)
        element = parent
    return "/".join(reversed(parts))


class _Walker:
    """Lines from the main content: text joined until a block element or <br> ends the line."""

    def __init__(self, result: ReadResult) -> None:
        self.result = result
        self.pieces: list[str] = []
        self.origin: Origin | None = None

    def flush(self) -> None:
        line = " ".join("".join(self.pieces).split())
        if line:
            self.result.add(line, self.origin or Origin())
        self.pieces, self.origin = [], None

    def walk(self, element) -> None:
        for child in element.children:
            name = getattr(child, "name", None)
            if name is None:
                if type(child).__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction", "CData"):
                    continue
                text = str(child)
                if text.strip() and self.origin is None:
                    self.origin = Origin(element=_path(element))
                self.pieces.append(text)
            elif name == "br":
                self.flush()
            elif name == "pre":  # preformatted: its lines as printed, spaces kept (a space-aligned table)
                self.flush()
                origin = Origin(element=_path(child))
                for line in child.get_text().split("\n"):
                    if line.strip():
                        self.result.add(line.rstrip(), origin)
            elif name == "table" and _layout_table(child):
                self.flush()
                self.walk(child)
                self.flush()
            elif name == "table":
                self.flush()
                self.result.add_table(_table_cells(child, len(self.result.tables)),
                                      Origin(element=_path(child)))
            elif name in BLOCKS:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)


LAYOUT_CELL_TEXT = 200  # characters: a data cell is a label or a figure, a longer one is a page's text


def _layout_table(table) -> bool:
    """A table that lays out the page (older sites put the whole article in one): it holds another
    table, or a cell with paragraphs of text. Its content is read as blocks, not as rows."""
    if table.find("table") is not None:
        return True
    return any(len(cell.get_text(strip=True)) > LAYOUT_CELL_TEXT for cell in table.find_all(["td", "th"]))


def _table_cells(table, index: int) -> list[Cell]:
    """The table's cells placed in its grid: a cell goes to the first column its row leaves free
    after the rowspans above (the HTML table model)."""
    cells: list[Cell] = []
    taken: set[tuple[int, int]] = set()
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in taken:
                c += 1
            rowspan, colspan = _span(td.get("rowspan")), _span(td.get("colspan"))
            pieces = _cell_lines(td)
            cells.append(Cell(r, c, cell_text(pieces), rowspan, colspan,
                              Origin(element=_path(td), table=index, row=r, cell=c)))
            taken.update((r + i, c + j) for i in range(rowspan) for j in range(colspan))
            c += colspan
    return cells


def _cell_lines(td) -> list[str]:
    for br in td.find_all("br"):
        br.replace_with("\n")
    return td.get_text("\n").split("\n")


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip()), 100))
    except (TypeError, ValueError):
        return 1
