"""Which rows of a text column name which regions and indicators, found in one pass over the text.

A page shows the checks naming its region (or indicator) anywhere in their text. Searching the
checks once per page costs the whole of checks.csv per page: a grid of pages over a corpus N
times larger costs N² in all. These indexes read every check once and answer each page with
its own rows, matching exactly what the searches match:

- `names_index`: rows whose text contains a name, anywhere (a region's name, `str.contains`
  with the name as literal text);
- `tokens_index`: rows where an identifier stands as a whole token, not inside a longer one
  (an indicator id: not preceded or followed by a letter, digit or underscore).
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

TOKEN = re.compile(r"[A-Za-z0-9_]+")


def names_index(texts: Iterable[str], names: Iterable[str]) -> dict[str, list[int]]:
    """{name: the rows whose text contains it}. A name found in a text ends at a character some
    name ends with: only there is it tried, once for each length such a name has."""
    names = {name for name in names if name}
    lengths: dict[str, set[int]] = defaultdict(set)
    for name in names:
        lengths[name[-1]].add(len(name))
    if not lengths:
        return {}
    ends = re.compile("[" + "".join(re.escape(character) for character in lengths) + "]")
    index: dict[str, list[int]] = defaultdict(list)
    for row, text in enumerate(texts):
        found = set()
        for match in ends.finditer(text):
            end = match.end()
            found.update(text[end - length:end] for length in lengths[match.group()] if length <= end)
        for name in found & names:
            index[name].append(row)
    return dict(index)


def tokens_index(texts: Iterable[str]) -> dict[str, list[int]]:
    """{token: the rows where it stands as a whole token}."""
    index: dict[str, list[int]] = defaultdict(list)
    for row, text in enumerate(texts):
        for token in set(TOKEN.findall(text)):
            index[token].append(row)
    return dict(index)


def token_pattern(term: str) -> str:
    """The regular expression of `term` standing as a whole token."""
    return rf"(?<![A-Za-z0-9_]){re.escape(term)}(?![A-Za-z0-9_])"


def is_token(term: str) -> bool:
    """Whether `term` can be looked up in a tokens_index (it is made of token characters only)."""
    return bool(TOKEN.fullmatch(term))
