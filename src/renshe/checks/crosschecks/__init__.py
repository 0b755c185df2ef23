"""Derived check frames: one row per check instance, built from the observations and a rule;
one module per rule type. `build` builds a rule's frame, `build_all` every rule's."""
from __future__ import annotations

from typing import Callable

from renshe.checks.rules import Rule
from renshe.checks.crosschecks.consistency import build_consistency
from renshe.checks.crosschecks.frames import CHECK_COLUMNS, CheckInputs, DerivedFrame, prepare
from renshe.checks.crosschecks.growth import build_growth_rate
from renshe.checks.crosschecks.nesting import build_level_nesting
from renshe.checks.crosschecks.ratios import build_stated_ratio
from renshe.checks.crosschecks.shares import build_share_of_parent
from renshe.checks.crosschecks.sums import build_sum_of_parts
from renshe.checks.crosschecks.targets import build_targets
from renshe.checks.crosschecks.years import build_cross_year


BUILDERS: dict[str, Callable[[Rule, CheckInputs], DerivedFrame]] = {
    "sum_of_parts": build_sum_of_parts,
    "level_nesting": build_level_nesting,
    "share_of_parent": build_share_of_parent,
    "consistency": build_consistency,
    "stated_ratio": build_stated_ratio,
    "targets": build_targets,
    "growth_rate": build_growth_rate,
    "cross_year": build_cross_year,
}


def build(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    return BUILDERS[rule.type](rule, inputs)


def build_all(rules: list[Rule], inputs: CheckInputs) -> list[DerivedFrame]:
    return [build(rule, inputs) for rule in rules]


__all__ = ["CHECK_COLUMNS", "CheckInputs", "DerivedFrame", "build", "build_all", "prepare"]
