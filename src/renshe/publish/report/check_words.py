"""A check of checks.csv in a reader's words, Chinese and English: the figures as printed, the regions
and indicators by name (English names in English), gaps and tolerances as a reader says them
("相差4个百分点，超出舍入所能解释的范围" / "differs by 4 percentage points, more than rounding
explains"), never the check's id, the rule's id or the validation library's expectation names."""
from __future__ import annotations

import re

import pandas as pd

from renshe.checks.crosschecks.nesting import expected_range
from renshe.ingest.numbers import format_value, trim_number
from renshe.publish.report.data import ReportData
from renshe.publish.report.formatting import difference_text, english_figure
from renshe.publish.report.names import COLUMN_WORDS

RULE_TYPE_WORDS = {  # what each kind of rule checks, for readers
    "schema": "观测值的结构 the observations' structure", "sum_of_parts": "分项之和等于合计 parts add up to totals",
    "level_nesting": "占上级地区的比重 share of the parent region", "consistency": "印了两次的数字 figures printed twice",
    "stated_ratio": "文中写出的比率 ratios the text states", "targets": "规划目标 plan targets",
    "growth_rate": "增长率与增量 growth rates and changes",
}
STATUS_COLUMNS = {"pass": "通过 passed", "warn": "警告 warning", "fail": "未通过 failed"}
STATUS_WORDS = {"pass": ("通过", "passed"), "warn": ("警告", "warning"), "fail": ("未通过", "failed")}
SCHEMA = re.compile(r"^schema\.(expect_\w+):?([\w+]*)")
EXPECTATION_WORDS = {  # what a schema test asks, in words
    "expect_column_to_exist": ("这一列存在", "the column exists"),
    "expect_column_values_to_not_be_null": ("没有空值", "has no empty values"),
    "expect_column_values_to_be_in_set": ("只取允许的值", "takes only allowed values"),
    "expect_column_values_to_be_of_type": ("类型正确", "has the right type"),
    "expect_column_values_to_be_between": ("数值在允许范围内", "stays within its range"),
    "expect_column_values_to_match_regex": ("格式正确", "is well formed"),
    "expect_column_values_to_be_unique": ("没有重复", "has no repeats"),
    "expect_compound_columns_to_be_unique": ("组合起来没有重复", "together have no repeats"),
    "expect_table_row_count_to_be_between": ("行数在允许范围内", "has a plausible number of rows"),
}


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _figures(check: pd.Series, key: str) -> tuple[str, str]:
    value = _number(check.get(f"value_{key}"))
    if value is None:
        return "", ""
    unit = str(check.get(f"unit_{key}") or "")
    return format_value(value, unit), english_figure(value, unit)


def gap_words(gap: float, tolerance: float | None, unit: str) -> tuple[str, str]:
    """'相差4个百分点，超出舍入所能解释的范围' / 'differs by 4 percentage points, more than rounding explains'."""
    zh, en = difference_text(abs(gap), unit)
    if gap == 0:
        return "完全一致", "exactly the same"
    if tolerance is not None and abs(gap) <= tolerance:
        return f"相差{zh}，在舍入范围内", f"differs by {en}, within rounding"
    return f"相差{zh}，超出舍入所能解释的范围", f"differs by {en}, more than rounding explains"


def _regions(check: pd.Series) -> list[str]:
    return [r for r in re.split(r"\s*(?:/|\+|→)\s*", str(check.get("regions") or "")) if r]


def _periods(check: pd.Series) -> str:
    text = str(check.get("periods") or "")
    return re.sub(r"\s*\((?:per[- ]year|final-year)\)|\s*\([a-z_]+\)", "", text)


def _mid(name: str) -> str:
    """'Urban new jobs' -> 'urban new jobs' inside a sentence (acronyms stay)."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def check_sentence(data: ReportData, check: pd.Series) -> tuple[str, str]:
    """What one check compared and found, in a sentence each language."""
    kind = str(check.get("computed_kind") or "")
    indicator = str(check.get("indicator_id") or "")
    # a ratio's check names both of its indicators ("electronic_card_holders / social_security_card_holders")
    name_zh = " / ".join(data.indicator_name(i) for i in indicator.split(" / ")) if indicator else ""
    name_en = " / ".join(data.indicator_name_en(i) for i in indicator.split(" / ")) if indicator else ""
    regions = _regions(check)
    regions_en = [data.region_name_en(r) for r in regions]
    a_zh, a_en = _figures(check, "a")
    b_zh, b_en = _figures(check, "b")
    period = _periods(check)
    gap, tolerance = _number(check.get("gap")), _number(check.get("tolerance"))
    unit = str(check.get("unit_a") or check.get("unit_b") or "")
    if kind == "no_instance":
        return ("这条规则在数据中没有找到可以核查的数字，因此没有核查任何内容。",
                "This rule found no figures to compare in the data, so nothing was checked.")
    if kind == "unexpected_rows" or str(check.get("rule_type")) == "schema":
        return _schema_sentence(check)
    if kind in ("share", "target_share") and len(regions) == 2:
        share = _number(check.get("computed")) or 0.0
        band = expected_range(str(check.get("message") or ""))
        inside = str(check.get("status")) == "pass"
        band_zh = band_en = ""
        if band:
            low, high = trim_number(band[0], 2), trim_number(band[1], 2)
            band_zh = f"，在预期的 {low}%–{high}% 之内" if inside else f"，超出预期的 {low}%–{high}%"
            band_en = f", {'within' if inside else 'outside'} the expected {low}%–{high}%"
        return (f"{regions[0]}{name_zh} {a_zh} 占{regions[1]} {b_zh} 的 {trim_number(share, 2)}%（{period}）{band_zh}。",
                f"{regions_en[0]}'s {_mid(name_en)}, {a_en}, is "
                f"{trim_number(share, 2)}% of {regions_en[1]}'s {b_en} ({period}){band_en}.")
    where_zh, where_en = "".join(regions[:1]), ", ".join(regions_en[:1])
    if kind == "share":  # a share the document states against the ratio of its own figures
        computed = _number(check.get("computed"))
        gap_zh, gap_en = gap_words(gap or 0.0, tolerance, "%")
        return (f"{where_zh}{name_zh}（{period}）：文件写 {a_zh}，按文件自己的数字算得 {trim_number(computed or 0, 1)}%，{gap_zh}。",
                f"{where_en}, {name_en} ({period}): the document states {a_en}; its own figures give "
                f"{trim_number(computed or 0, 1)}%, which {gap_en}.")
    if kind == "sum":
        gap_zh, gap_en = gap_words(gap or 0.0, tolerance, unit)
        total_zh, total_en = regions[-1:] or [""], regions_en[-1:] or [""]
        return (f"{total_zh[0]}{name_zh}（{period}）：各部分之和 {a_zh}，合计印为 {b_zh}，{gap_zh}。",
                f"{total_en[0]}, {name_en} ({period}): the parts add up to {a_en} and the total is printed as "
                f"{b_en}, which {gap_en.replace('exactly the same', 'is exactly the same')}.")
    if kind == "gap":
        gap_zh, gap_en = gap_words(gap or 0.0, tolerance, unit)
        return (f"{where_zh}{name_zh}（{period}）在两处印为 {a_zh} 和 {b_zh}，{gap_zh}。",
                f"{where_en}, {name_en} ({period}) is printed twice, as {a_en} and {b_en}: {gap_en}.")
    if kind == "revision":
        return _revision_sentence(data, check, (where_zh, where_en), (name_zh, name_en), period, (a_zh, a_en), (b_zh, b_en))
    if kind == "expected_by_now":
        status_zh, status_en = {"achieved": ("已达到", "reached"), "on track": ("按进度", "on track"),
                                "behind": ("落后", "behind")}.get(str(check.get("assessment")), ("", ""))
        return (f"{where_zh}{name_zh}：最新实际值 {a_zh}，目标 {b_zh}（{period.replace(' vs target ', '，目标年份 ')}）：{status_zh}。",
                f"{where_en}, {name_en}: latest actual {a_en} against the target of {b_en} "
                f"({period.replace(' vs target ', ', target year ')}): {status_en}.")
    if kind == "per_year":
        return (f"{where_zh}{name_zh}：每年目标 {a_zh} 与末年目标 {b_zh}（{period}）不能同时成立："
                f"末年的数字像是整个规划期的合计。",
                f"{where_en}, {name_en}: the yearly target of {a_en} and the final-year target of {b_en} ({period}) "
                f"cannot both hold: the final-year figure reads as a total for the whole plan period.")
    if kind == "per_year_x_years":
        gap_zh, gap_en = gap_words(gap or 0.0, tolerance, unit)
        return (f"{where_zh}{name_zh}：每年目标乘以年数为 {b_zh}，而规划表中相应数字的变化为 {a_zh}，{gap_zh}。",
                f"{where_en}, {name_en}: the yearly target times the years gives {b_en}, while the plan's table "
                f"changes by {a_en}; the two {gap_en.replace('differs', 'differ')}.")
    if kind == "implied_base":
        return (f"{where_zh}{name_zh}（{period}）：由文件所写比率推算的基数 {b_zh}，与印出的 {a_zh} 比较。",
                f"{where_en}, {name_en} ({period}): the base implied by the stated ratio, {b_en}, against the "
                f"printed {a_en}.")
    if kind.startswith("implied_previous_"):  # periods: 'the year stated → the year before'
        stated, _, before = (part.strip() for part in period.partition("→"))
        how_zh, how_en = (("减去所报增量", "less its stated change") if kind.endswith("_change")
                          else ("按所报增长率还原", "taken back by its stated growth rate"))
        gap_zh, gap_en = gap_words(gap or 0.0, tolerance, unit)
        return (f"{where_zh}{name_zh}：{stated}年的数字{how_zh}，推算出{before}年为 {a_zh}；{before}年印出的是 {b_zh}，{gap_zh}。",
                f"{where_en}, {name_en}: the {stated} figure {how_en} gives {a_en} for {before}; {before} is printed "
                f"as {b_en}, which {gap_en.replace('exactly the same', 'is exactly the same')}.")
    if kind == "growth_rate":  # b: the rate two levels give, to the hundredth of a point
        gap_zh, gap_en = gap_words(gap or 0.0, tolerance, "%")
        period, computed = period.replace(" → ", "–"), f"{trim_number(_number(check.get('value_b')) or 0.0, 2)}%"
        return (f"{where_zh}{name_zh}（{period}）：所报增长率 {a_zh}，由两年的数字算得 {computed}，{gap_zh}。",
                f"{where_en}, {name_en} ({period}): the stated growth of {a_en} against {computed} from the two years' "
                f"figures, which {gap_en.replace('exactly the same', 'is exactly the same')}.")
    if a_zh and b_zh:
        return (f"{where_zh}{name_zh}（{period}）：{a_zh} 对 {b_zh}。", f"{where_en}, {name_en} ({period}): {a_en} against {b_en}.")
    return (f"{where_zh}{name_zh}（{period}）。", f"{where_en} {name_en} ({period}).")


def _revision_sentence(data: ReportData, check: pd.Series, where: tuple[str, str], name: tuple[str, str],
                       period: str, before: tuple[str, str], after: tuple[str, str]) -> tuple[str, str]:
    """A figure printed again by a later document (a revision), or by a later edition of its own
    document ('revised in the edition of 2013-06-20: 19100万人 → 19010万人', the figures as printed)."""
    from renshe.publish.report.editions import revised_figures, revision_words

    earlier, _, later = str(check.get("level_pair") or "").partition("→")
    subject_zh, subject_en = f"{where[0]}{name[0]}（{period}）", f"{where[1]}, {name[1]} ({period})"
    entry = data.registry.document(later) if later in {d.doc_id for d in data.registry.documents} else None
    date = str((entry.published or entry.reference_period) if entry else later)
    agrees = str(check.get("assessment")) == "agrees"
    if data.replaced_by().get(earlier) == later:  # an earlier edition of the same document
        if agrees:
            return (f"{subject_zh}：在{date}的版本中未变：{after[0]}。",
                    f"{subject_en}: unchanged in the edition of {date}: {after[1]}.")
        found = revised_figures(data, indicator_id=str(check.get("indicator_id")))
        found = found[(found["period"].astype(str) == period) & (found["region"].astype(str) == where[0])]
        zh, en = (found.iloc[0]["zh"], found.iloc[0]["en"]) if len(found) else \
            revision_words(date, before[0], after[0])
        return f"{subject_zh}：{zh}。", f"{subject_en}: {en}."
    if agrees:
        return (f"{subject_zh}：两份文件都印为 {after[0]}。", f"{subject_en}: both documents print {after[1]}.")
    return (f"{subject_zh}：后来的文件（{date}）改印为 {after[0]}，原为 {before[0]}。",
            f"{subject_en}: revised by a later document ({date}) from {before[1]} to {after[1]}.")


def _schema_sentence(check: pd.Series) -> tuple[str, str]:
    match = SCHEMA.match(str(check.get("rule_id") or ""))
    if not match:
        return "观测值符合结构要求。", "The observations meet their structure."
    zh, en = EXPECTATION_WORDS.get(match.group(1), ("符合结构要求", "meets the structure"))
    columns = [c for c in match.group(2).split("+") if c]
    names_zh = "、".join(COLUMN_WORDS.get(c, (c, c))[0] for c in columns) or "观测表"
    names_en = ", ".join(COLUMN_WORDS.get(c, (c, c))[1] for c in columns) or "the table"
    return f"观测值的“{names_zh}”{zh}。", f"The observations' {names_en}: {en}."


def checks_in_words(data: ReportData, checks: pd.DataFrame) -> pd.DataFrame:
    """The checks as a reader's table: what was compared and found, the result, the sources."""
    rows = []
    for _, check in checks.iterrows():
        zh, en = check_sentence(data, check)
        status_zh, status_en = STATUS_WORDS.get(str(check.get("status")), (str(check.get("status")), ""))
        rows.append({"核查 check": f"{zh} {en}", "结果 result": f"{status_zh} {status_en}".strip(),
                     "sources": check.get("sources", ""), "_source_text": check.get("source_text", "")})
    return pd.DataFrame(rows, columns=["核查 check", "结果 result", "sources", "_source_text"])


def checks_overview(checks: pd.DataFrame) -> pd.DataFrame:
    """Counts by kind of check and result, in words."""
    if not {"rule_type", "status"} <= set(checks.columns):
        return pd.DataFrame()
    counts = pd.crosstab(checks["rule_type"].map(lambda t: RULE_TYPE_WORDS.get(t, t)), checks["status"])
    counts = counts.reindex(columns=[s for s in STATUS_COLUMNS if s in counts.columns]).rename(columns=STATUS_COLUMNS)
    counts.columns.name = None
    counts.index.name = "核查类别 kind of check"
    return counts.reset_index()


def status_words(checks: pd.DataFrame | None) -> str:
    """'231 项核查 checks: 223 通过 passed, 8 警告 warning'."""
    if checks is None or "status" not in checks.columns:
        return "尚未核查 no checks yet"
    counts = checks["status"].value_counts()
    return f"{len(checks)} 项核查 checks: " + ", ".join(
        f"{count} {STATUS_COLUMNS.get(status, status)}" for status, count in counts.items())


def shares_table(data: ReportData, checks: pd.DataFrame) -> pd.DataFrame:
    """Every share of a parent region the checks computed: who, what, when, the figures, the share."""
    shares = checks[checks["computed_kind"].isin(["share", "target_share"]) & (checks["rule_type"] != "stated_ratio")]
    rows = []
    for _, check in shares.iterrows():
        regions = _regions(check)
        a_zh, _ = _figures(check, "a")
        b_zh, _ = _figures(check, "b")
        rows.append({
            "地区 region": " / ".join(regions),
            "指标 indicator": data.indicator_name(str(check["indicator_id"])),
            "时期 period": _periods(check),
            "数值 figures": f"{a_zh} / {b_zh}",
            "比重 share": f"{trim_number(_number(check['computed']) or 0.0, 2)}%",
            "结果 result": " ".join(STATUS_WORDS.get(str(check["status"]), ("", ""))).strip(),
            "来源 sources": data.cite(check["sources"]),
        })
    return pd.DataFrame(rows)
