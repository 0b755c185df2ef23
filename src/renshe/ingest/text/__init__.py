"""Figures stated in running text: one observation per figure, pointing at its raw line.

Which parts of a document are read, and how time words set a figure's period, is data
(data/text_sections.yaml). Reading goes paragraph -> sentence -> clause:

* a figure is a number with a unit (or a 万/亿 scale): `116.32 万人`, `近 100%`, `2.3 万余份`;
  numbers that are dates (2023年), ordinals (第2, 01 …), serial numbers (〔2023〕28号),
  inside quotes or book titles (“1311”服务, “35项攻坚举措”) or parts of a name (115人才工程,
  1+3+N) are not figures;
* its subject is the phrase around it in its clause, cleaned of time words and fillers; a count
  printed before its noun counts that noun (为28.39万名劳动者解决工资等待遇 -> 解决工资等待遇劳动者),
  and a subject stated twice in a paragraph takes its sentence's topic (电子社保卡累计访问量);
* 分别 lists map in order (基本养老、失业、工伤保险参保人数分别为 A、B、C), 其中 makes parts
  of the figure before it, 比上年末增加/减少 is a change of the figure before it, 占…的 X%
  a share of it, and a bare 基金支出 takes the topic of the figure before it.
"""
from renshe.ingest.text.config import CONFIG_NAME, TEXT_TABLE_ID, Scope, Section, TextConfig, config_for, load_text_config
from renshe.ingest.text.figures import _OPENERS, _depths, enclosures, find_figures
from renshe.ingest.text.reader import DocumentReader, TextFigures, extract_text_figures, read_text

__all__ = ["_OPENERS", "_depths", "CONFIG_NAME", "TEXT_TABLE_ID", "DocumentReader", "Scope", "Section", "TextConfig", "config_for",
           "enclosures", "extract_text_figures", "find_figures", "load_text_config", "read_text", "TextFigures"]
