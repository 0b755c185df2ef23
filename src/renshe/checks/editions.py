"""Editions of a document: a corrected re-issue is registered as a new document whose registry
entry says `supersedes: <doc_id of the earlier edition>` (its own file, sha256 and `published`).

The latest edition's figures are the published ones; an earlier edition's observations stay in
data/clean/observations.csv (the extraction reads every registered file), and `superseded_by`
names, for each of them, the edition that replaced it. The checks read the published figures
only (`published_observations`); the rule `consistency` with `scope: editions` reports each
figure the later edition revised ("revised in the edition of 2024-06-20: 4606.46万人 → 4607.01万人").
The report and the site should filter with `published_observations` (or drop the doc_ids of
`superseded_by`) wherever they show figures as published.

Which of two documents is later (a revision across documents): the one published later where
both print a date (`published`), else the one whose reference period ends later, else the one
registered later.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from renshe import periods


def superseded_by(entries: Iterable) -> dict[str, str]:
    """{doc_id of an earlier edition: doc_id of the latest edition that replaces it}."""
    successor = {entry.supersedes: entry.doc_id for entry in entries if getattr(entry, "supersedes", None)}
    latest: dict[str, str] = {}
    for doc_id in successor:
        seen, current = {doc_id}, successor[doc_id]
        while current in successor and successor[current] not in seen:  # a chain of re-issues
            seen.add(current)
            current = successor[current]
        latest[doc_id] = current
    return latest


def first_edition(entries: Iterable) -> dict[str, str]:
    """{doc_id: the doc_id of its first edition} (a document never re-issued is its own)."""
    entries = list(entries)
    earlier = {entry.doc_id: entry.supersedes for entry in entries if getattr(entry, "supersedes", None)}
    roots = {}
    for entry in entries:
        seen, current = {entry.doc_id}, entry.doc_id
        while current in earlier and earlier[current] not in seen:
            current = earlier[current]
            seen.add(current)
        roots[entry.doc_id] = current
    return roots


def published_observations(observations: pd.DataFrame, entries: Iterable) -> pd.DataFrame:
    """The observations of the latest editions only (the published figures)."""
    replaced = superseded_by(entries)
    if not replaced:
        return observations
    return observations[~observations["doc_id"].astype(str).isin(list(replaced))]


def document_order(entries: Iterable) -> dict[str, tuple]:
    """{doc_id: a sort key, later documents last}: published date where printed, then the end of
    the reference period, then the registry's order."""
    keys = {}
    for position, entry in enumerate(entries):
        try:
            end = periods.end_month(entry.reference_period)
        except Exception:  # a registry's period the vocabulary cannot read: ordered by the rest
            end = 0
        keys[entry.doc_id] = (str(entry.published or ""), end, position)
    return keys


def is_later(order: dict[str, tuple], a: str, b: str) -> bool:
    """Whether document `a` is later than `b`: by `published` when both print one, else by period, then registry."""
    ka, kb = order.get(a, ("", 0, 0)), order.get(b, ("", 0, 0))
    if ka[0] and kb[0] and ka[0] != kb[0]:
        return ka[0] > kb[0]
    return (ka[1], ka[2]) > (kb[1], kb[2])
