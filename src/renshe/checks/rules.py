"""The declarative cross-check rules (expectations/rules.yaml).

An analyst adds a check by adding a rule: no Python. This module reads the file and
refuses, with a message naming the rule, its file and line, anything it could not run:
an unknown rule type, an indicator id the codebook does not define, a malformed band.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from renshe.errors import RensheError
from renshe.yamlfiles import list_item_lines, load_yaml
from renshe.schema import LEVELS, MEASURES

RULE_TYPES = ("sum_of_parts", "level_nesting", "share_of_parent", "consistency", "stated_ratio", "targets",
              "growth_rate", "cross_year")
SEVERITIES = ("error", "warning")
# Targets are findings about plans, not defects in the data: warning unless a rule says otherwise.
DEFAULT_SEVERITY = {"targets": "warning"}
TARGET_CHECKS = ("progress", "cumulative_vs_per_year", "child_vs_parent", "per_year_vs_change")
CROSS_YEAR_CHECKS = ("implied_previous", "growth_vs_levels")
CONSISTENCY_SCOPES = ("same_document", "across_documents", "editions")
SELECTOR_KEYS = ("indicator", "indicator_zh", "doc_id", "table_id", "region", "period", "measure",
                 "unit", "near", "basis")
# Keys each rule type understands beyond the common ones; anything else is a typo.
COMMON_KEYS = ("id", "type", "severity", "description")
TYPE_KEYS = {
    "sum_of_parts": ("table", "total_region", "relations", "measures", "same_document"),
    "level_nesting": ("child_level", "parent_level", "indicators", "measures", "climb_to",
                      "max_period_gap_months"),
    "share_of_parent": ("child_level", "parent_level", "indicators", "measures", "climb_to",
                        "max_period_gap_months", "population_indicator", "range_factor", "min_siblings"),
    "consistency": ("indicators", "measures", "scope"),
    "stated_ratio": ("where", "numerator", "denominator", "stated", "same_base_as", "shares"),
    "targets": ("check", "indicators", "lower_is_better", "child_level", "parent_level", "flows",
                "population_indicator", "range_factor", "min_siblings"),
    "growth_rate": ("indicators",),
    "cross_year": ("check", "indicators"),
}


@dataclass(frozen=True)
class Rule:
    id: str
    type: str
    severity: str
    spec: dict[str, Any]
    description: str = ""
    path: str = ""
    line: int | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.spec.get(key, default)

    def error(self, message: str) -> RensheError:
        return RensheError(f"rule {self.id!r}: {message}", self.path, self.line)


@dataclass
class RuleSet:
    path: Path
    rules: list[Rule] = field(default_factory=list)
    schema: dict[str, Any] = field(default_factory=dict)  # settings of the observations' schema suite

    def of_type(self, rule_type: str) -> list[Rule]:
        return [r for r in self.rules if r.type == rule_type]


def load_rules(path: Path, indicator_ids: set[str] | None = None,
               region_names: set[str] | None = None) -> RuleSet:
    """Read and check the rules file. `indicator_ids`: the codebook's ids (None: not checked)."""
    path = Path(path)
    if not path.is_file():
        raise RensheError("rules file does not exist", path)
    data, text = load_yaml(path)
    raw_rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RensheError("the rules file needs a non-empty `rules:` list", path)
    lines = list_item_lines(text, "rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        line = lines[index] if index < len(lines) else None
        rule = _parse_rule(raw, index, path, line)
        if rule.id in seen:
            raise rule.error("duplicated rule id")
        seen.add(rule.id)
        _check_rule(rule, indicator_ids, region_names)
        rules.append(rule)
    schema = data.get("schema") or {}
    if not isinstance(schema, dict):
        raise RensheError("`schema:` must be a mapping (allowed_units, required_columns...)", path)
    return RuleSet(path, rules, schema)


def _parse_rule(raw: Any, index: int, path: Path, line: int | None) -> Rule:
    if not isinstance(raw, dict):
        raise RensheError(f"rule #{index + 1} is not a mapping", path, line)
    rule_id = str(raw.get("id") or "").strip()
    if not rule_id:
        raise RensheError(f"rule #{index + 1} has no id", path, line)
    rule_type = raw.get("type")
    if rule_type not in RULE_TYPES:
        raise RensheError(f"rule {rule_id!r}: unknown rule type {rule_type!r}; known types: "
                          f"{', '.join(RULE_TYPES)}", path, line)
    severity = raw.get("severity", DEFAULT_SEVERITY.get(rule_type, "error"))
    if severity not in SEVERITIES:
        raise RensheError(f"rule {rule_id!r}: severity {severity!r} is not one of {SEVERITIES}", path, line)
    unknown = sorted(set(raw) - set(COMMON_KEYS) - set(TYPE_KEYS[rule_type]))
    if unknown:
        raise RensheError(f"rule {rule_id!r}: unknown key(s) {', '.join(unknown)} for type {rule_type}; "
                          f"allowed: {', '.join(TYPE_KEYS[rule_type])}", path, line)
    spec = {k: v for k, v in raw.items() if k not in COMMON_KEYS}
    return Rule(rule_id, rule_type, severity, spec, str(raw.get("description", "")), str(path), line)


# --- checks on one rule ----------------------------------------------------------------

def _check_rule(rule: Rule, indicator_ids: set[str] | None, region_names: set[str] | None) -> None:
    for indicator in _named_indicators(rule):
        if indicator_ids is not None and indicator not in indicator_ids:
            raise rule.error(f"unknown indicator id {indicator!r} (not in data/codebook.yaml)")
    for region in _named_regions(rule):
        if region_names is not None and region not in region_names:
            raise rule.error(f"unknown region {region!r} (not in data/sources.yaml regions)")
    for measure in rule.get("measures") or []:
        if measure not in MEASURES:
            raise rule.error(f"measure {measure!r} is not one of {MEASURES}")
    for key in ("child_level", "parent_level"):
        if rule.get(key) is not None and rule.get(key) not in LEVELS:
            raise rule.error(f"{key} {rule.get(key)!r} is not one of {LEVELS}")
    checker = _TYPE_CHECKS.get(rule.type)
    if checker:
        checker(rule)


def climb_levels(rule: Rule) -> list[str]:
    """The ancestor levels a nesting or share rule compares a region with, nearest first:
    `parent_level`, then each level of `climb_to` (a county against its province when its city
    reports no such figure)."""
    levels = [rule.get("parent_level")]
    climb = rule.get("climb_to") or []
    if isinstance(climb, str):
        climb = [climb]
    if not isinstance(climb, list):
        raise rule.error("`climb_to` must list levels above parent_level, e.g. [province]")
    parent_rank = LEVELS.index(rule.get("parent_level"))
    for level in sorted(climb, key=lambda name: -LEVELS.index(name) if name in LEVELS else 0):
        if level not in LEVELS or LEVELS.index(level) >= parent_rank:
            raise rule.error(f"climb_to: {level!r} is not a level above parent_level "
                             f"{rule.get('parent_level')!r} ({', '.join(LEVELS[:parent_rank])})")
        levels.append(level)
    return levels


def parse_bands(rule: Rule) -> dict[str, None]:
    """{level: None} for each level `climb_levels` names (kept for the report's pairing scope:
    shares have no fixed band; their expected range comes from the data)."""
    return {level: None for level in climb_levels(rule)}


def _selectors(rule: Rule) -> list[dict]:
    found = []
    for key in ("where", "numerator", "denominator", "stated"):
        if isinstance(rule.get(key), dict):
            found.append(rule.get(key))
    same_base = rule.get("same_base_as")
    if isinstance(same_base, dict):
        found.extend(v for v in same_base.values() if isinstance(v, dict))
    return found


def _named_indicators(rule: Rule) -> list[str]:
    names: list[str] = []
    indicators = rule.get("indicators")
    if isinstance(indicators, list):
        names.extend(str(i) for i in indicators)
    names.extend(str(i) for i in rule.get("lower_is_better") or [])
    relations = rule.get("relations")
    if isinstance(relations, list):
        for relation in relations:
            if isinstance(relation, dict):
                names.append(str(relation.get("total")))
                names.extend(str(p) for p in relation.get("parts") or [])
    names.extend(str(s["indicator"]) for s in _selectors(rule) if s.get("indicator"))
    for key in ("shares", "flows"):  # lists of {role: indicator id}
        for item in rule.get(key) if isinstance(rule.get(key), list) else []:
            if isinstance(item, dict):
                names.extend(str(value) for value in item.values())
    return names


def _named_regions(rule: Rule) -> list[str]:
    regions = [str(rule.get("total_region"))] if rule.get("total_region") else []
    regions.extend(str(s["region"]) for s in _selectors(rule) if s.get("region"))
    return regions


def _check_selector(rule: Rule, name: str, selector: Any, required: bool = True) -> None:
    if selector is None and not required:
        return
    if not isinstance(selector, dict) or not selector:
        raise rule.error(f"`{name}` must be a mapping of filters, e.g. {{indicator: skilled_talent}}")
    unknown = sorted(set(selector) - set(SELECTOR_KEYS))
    if unknown:
        raise rule.error(f"`{name}` has unknown filter(s) {', '.join(unknown)}; allowed: {', '.join(SELECTOR_KEYS)}")
    if selector.get("near") not in (None, "numerator"):
        raise rule.error(f"`{name}.near` can only be 'numerator' (the figure on the same line)")


def _check_sum_of_parts(rule: Rule) -> None:
    has_table = rule.get("table") is not None
    relations = rule.get("relations")
    if has_table == (relations is not None):
        raise rule.error("give either `table` (+ `total_region`) or `relations` (a list, or 'codebook')")
    if has_table:
        table = rule.get("table")
        if not isinstance(table, dict) or not table.get("doc_id") or not table.get("table_id"):
            raise rule.error("`table` needs doc_id and table_id")
        if not rule.get("total_region"):
            raise rule.error("`table` rules need `total_region` (the region of the total row)")
    elif relations != "codebook":
        if not isinstance(relations, list) or not relations:
            raise rule.error("`relations` must be 'codebook' or a list of {total, parts}")
        for relation in relations:
            if not isinstance(relation, dict) or not relation.get("total") or len(relation.get("parts") or []) < 2:
                raise rule.error(f"malformed relation {relation!r}: need total and at least two parts")


def _check_level_nesting(rule: Rule) -> None:
    for key in ("child_level", "parent_level"):
        if not rule.get(key):
            raise rule.error(f"`{key}` is required")
    if LEVELS.index(rule.get("parent_level")) >= LEVELS.index(rule.get("child_level")):
        raise rule.error(f"parent_level {rule.get('parent_level')!r} is not above child_level "
                         f"{rule.get('child_level')!r}")
    indicators = rule.get("indicators", "additive_stocks")
    if not (indicators in ("additive_stocks", "additive") or isinstance(indicators, list)):
        raise rule.error("`indicators` must be 'additive_stocks', 'additive' or a list of indicator ids")
    if rule.type in ("level_nesting", "share_of_parent"):
        climb_levels(rule)
        gap = rule.get("max_period_gap_months", 0)
        if not isinstance(gap, int) or isinstance(gap, bool) or gap < 0:
            raise rule.error(f"max_period_gap_months {gap!r} must be a whole number of months >= 0")


def _check_all_or_list(rule: Rule) -> None:
    indicators = rule.get("indicators", "all")
    if not (indicators == "all" or isinstance(indicators, list)):
        raise rule.error("`indicators` must be 'all' or a list of indicator ids")


SHARE_ROLES = ("share", "numerator", "denominator")
FLOW_ROLES = ("flow", "stock")


def _check_roles(rule: Rule, key: str, roles: tuple[str, ...], example: str) -> None:
    """`key` is a non-empty list of mappings, each naming an indicator for every role."""
    items = rule.get(key)
    if not isinstance(items, list) or not items:
        raise rule.error(f"`{key}` must be a non-empty list, e.g. [{example}]")
    for item in items:
        if not isinstance(item, dict) or set(item) != set(roles) or not all(item.values()):
            raise rule.error(f"malformed `{key}` item {item!r}: give exactly {', '.join(roles)}, e.g. {example}")


def _check_stated_ratio(rule: Rule) -> None:
    if rule.get("shares") is not None:
        if any(rule.get(key) is not None for key in ("where", "numerator", "denominator", "stated", "same_base_as")):
            raise rule.error("give either `shares` (every document that states them) or the selectors "
                             "(numerator, denominator or same_base_as, stated), not both")
        _check_roles(rule, "shares", SHARE_ROLES,
                     "{share: highly_skilled_share_of_skilled, numerator: highly_skilled_talent, "
                     "denominator: skilled_talent}")
        return
    _check_selector(rule, "where", rule.get("where"), required=False)
    _check_selector(rule, "numerator", rule.get("numerator"))
    _check_selector(rule, "stated", rule.get("stated"))
    has_denominator = rule.get("denominator") is not None
    has_base = rule.get("same_base_as") is not None
    if has_denominator == has_base:
        raise rule.error("give either `denominator` (share = numerator / denominator) or `same_base_as` "
                         "(another numerator + stated share that imply the same base)")
    if has_denominator:
        _check_selector(rule, "denominator", rule.get("denominator"))
    else:
        other = rule.get("same_base_as")
        if not isinstance(other, dict) or set(other) != {"numerator", "stated"}:
            raise rule.error("`same_base_as` needs exactly `numerator` and `stated`")
        _check_selector(rule, "same_base_as.numerator", other["numerator"])
        _check_selector(rule, "same_base_as.stated", other["stated"])


def _check_targets(rule: Rule) -> None:
    check = rule.get("check")
    if check not in TARGET_CHECKS:
        raise rule.error(f"`check` {check!r} is not one of {TARGET_CHECKS}")
    if check == "child_vs_parent":
        _check_level_nesting(rule)
    if (check == "per_year_vs_change") != (rule.get("flows") is not None):
        raise rule.error("`flows` ({flow, stock} pairs) goes with check per_year_vs_change, and only with it")
    if check == "per_year_vs_change":
        _check_roles(rule, "flows", FLOW_ROLES, "{flow: new_highly_skilled_talent, stock: highly_skilled_talent}")


def _check_consistency(rule: Rule) -> None:
    _check_all_or_list(rule)
    if rule.get("scope", "same_document") not in CONSISTENCY_SCOPES:
        raise rule.error(f"`scope` {rule.get('scope')!r} is not one of {CONSISTENCY_SCOPES}")


def _check_cross_year(rule: Rule) -> None:
    _check_all_or_list(rule)
    if rule.get("check") not in CROSS_YEAR_CHECKS:
        raise rule.error(f"`check` {rule.get('check')!r} is not one of {CROSS_YEAR_CHECKS}")


_TYPE_CHECKS = {
    "sum_of_parts": _check_sum_of_parts,
    "level_nesting": _check_level_nesting,
    "share_of_parent": _check_level_nesting,
    "cross_year": _check_cross_year,
    "consistency": _check_consistency,
    "stated_ratio": _check_stated_ratio,
    "targets": _check_targets,
    "growth_rate": _check_all_or_list,
}
