"""Every table of the documents -> a wide frame (as printed) and tidy observations.

The documents print their tables in two flattened layouts:

* ``cell_lines`` (Zhejiang plan): one cell per line, each cell starting with a tab, a
  line without a leading tab continuing the cell above (header cells broken over two
  lines, "2015年" / "基数"), and a blank line between rows.
* ``tab`` (Quzhou plan, Shaoxing action plan): one row per line, cells separated by tabs.

Documents converted from PDF, web pages or markdown print two more, read by ``aligned``: ``pipe``
rows and ``spaced`` columns (space-aligned as pdftotext -layout writes them, or single spaces).
A table found from its layout whose rows contradict its header is reported as not read
(``Table.not_read``) with every figure in it set aside; it never stops the other documents.

What each column means (period, measure, unit) is not in the text in a form a parser can
trust, so it is written down as data, one table layout per table in data/tables.yaml. The printed
header is checked against the spec, so a changed column layout fails loudly instead of
filing figures under the wrong year.

Decisions, recorded here so an analyst can find them:

* ``indicator_zh`` is the row label without its numbering ("1．"), without the unit in
  brackets and without the "其中：" ("of which") prefix; a bracketed note that is not a
  unit ("（含在管理岗位的专技人才）") stays. Brackets and colons are printed full-width.
  The wide table keeps the label as printed.
* A "其中：" row that prints no unit inherits the unit of the row it belongs to
  (专栏2 "其中：高级职称人才数量" is 万人 like 专业技术人才总量 above it).
* 〔 〕 marks a five-year cumulative figure (the tables' footnote says so): its period is the
  column's five-year span and basis is 'cumulative'. A footnote "X为五年累计数之和" makes every
  figure of row X cumulative. The attribute 年均预期 makes the row's target a yearly
  average over the plan period (basis 'per_year').
* Cells that are not figures (ratios, missing markers, attributes, words, the cells of
  the list-style text tables) are kept in the wide table and listed in `Table.unparsed`
  with the reason; `Table.numeric_cells` counts the cells that became observations.
"""
from renshe.ingest.tables.cells import clean_label, extract_table, extract_tables
from renshe.ingest.tables.layouts import Column, TableSpec, load_table_layouts
from renshe.ingest.tables.printed import Cell, Row, header_names

__all__ = ["Cell", "Column", "Row", "TableSpec", "clean_label", "extract_table", "extract_tables",
           "header_names", "load_table_layouts"]
