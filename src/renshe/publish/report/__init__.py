"""What the report notebooks show: frames, tables and charts for one region or one indicator.

Notebooks import the package (`from renshe.publish import report`) and call `report.<name>`;
the names live in one module per idea: `data` (loading, parameters), `formatting`, `region`,
`comparisons`, `indicator`, `charts`, `timeline` (values over time) with `series` (the longest series: printed, implied, revised), `editions` (figures a later
edition revised), `display`, `plans` (plan progress), `progress_chart` and `findings` (statements in words).

The notebooks in notebooks/ stay thin (load, validate the parameter, call a function here,
show the result); every computation lives here so it is tested and shared.

Everything that reaches HTML is escaped: document text is untrusted input (the Quzhou
plan already carries <b> tags). Tables go through `DataFrame.to_html(escape=True)`;
chart specs are embedded as JSON with <, > and & written as \\u escapes.
"""
from __future__ import annotations

from renshe.publish.report.data import (  # noqa: F401
    ASSETS_ENV, VEGA_BUNDLE, MEASURE_LABELS, LEVEL_LABELS, LEVEL_ORDER, FONT_STACK, ParameterError, ReportData, check_parameters, load_codebook_entries, load_checks, load_report_data, valid_regions, headline_indicators, valid_indicators, validate_region, validate_indicator,
)
from renshe.publish.report.formatting import (  # noqa: F401
    EXCERPT_CONTEXT, ELLIPSIS, CELL_SEPARATOR, excerpt, quoted_line, short_title, line_words, citation, cite, period_sort_key, period_rank, latest_row, period_end_year, sorted_periods, with_display_columns, UNIT_NAMES_EN, english_figure, difference_text,
)
from renshe.publish.report.region import (  # noqa: F401
    region_observations, region_summary, region_indicator_table,
)
from renshe.publish.report.comparisons import (  # noqa: F401
    is_additive, parent_shares, district_breakdown, checks_involving,
)
from renshe.publish.report.indicator import (  # noqa: F401
    indicator_definition, indicator_observations, cross_level_comparison,
)
from renshe.publish.report.display import (  # noqa: F401
    HTMLBlock, note, TITLE_PREFIX, NOWRAP_CELL, LONG_CELL, FLAGGED_STATUSES, BOOLEAN_TEXT, cell_text, LONG_TOKEN, TOKEN_BREAK, table_html, FOLD_ROWS, folded, table, CHECK_COLUMNS, compact_sources, checks_display, checks_table,
    SHOW_CHECKS, most_important, checks_block,
)
from renshe.publish.report.charts import (  # noqa: F401
    CHINESE_NUMBER_EXPR, MEASURE_SHAPES, VegaLiteChart, chinese_number_axis, district_chart, chart_html, _renderer,
    setup_charts,
)
from renshe.publish.report.timeline import (  # noqa: F401
    period_dates, time_frame, region_chart, indicator_chart, POINT_FIGURES, few_per_point,
)
from renshe.publish.report.plans import (  # noqa: F401
    STATUS_LABELS, STATUS_ORDER, plan_documents, plan_progress, region_target_progress, progress_label, progress_frame, validate_plan, status_counts, plan_summary, previous_plan_review, review_frame, targets_without_actual,
)
from renshe.publish.report.progress_chart import progress_chart_frame, progress_chart, plan_chart  # noqa: F401
from renshe.publish.report.findings import (  # noqa: F401
    Finding, all_findings, top_findings, findings_html, region_findings, indicator_findings, HOME_LIMITS, REGION_LIMITS,
)
from renshe.publish.report.cleaning import TABLE_PREVIEWS, document_counts, table_previews  # noqa: F401
from renshe.publish.report.editions import revised_figures, revision_notes  # noqa: F401
from renshe.publish.report.series import series_rows, series_findings  # noqa: F401
from renshe.ingest.numbers import format_value  # noqa: F401 (the report's way to print a figure)
from renshe.publish.report.check_words import (  # noqa: F401
    RULE_TYPE_WORDS, check_sentence, checks_in_words, checks_overview, shares_table, status_words,
)
