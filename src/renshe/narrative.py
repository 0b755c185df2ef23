"""Figures stated in running text (issue #3 replaces this with the full extractor)."""
from __future__ import annotations


def extract_text_figures(document) -> list[dict]:
    return []
