"""Stage 1, ingest: documents in, observations out.

Entry point: `renshe.ingest.extract.run_extract(paths)`. It reads the registry
(data/sources.yaml), the raw documents it lists (data/raw/), the codebook (data/codebook.yaml)
and the text configuration (data/text_sections.yaml), and writes data/clean/:
observations.parquet/.csv, unparsed.csv (cells set aside, with the reason), unmapped.csv
(phrases without an indicator id), tables/ (each table as printed) and extract_summary.csv.

One module per idea: `documents` (registry, reading, normalisation), `numbers` (figures,
scales, units, qualifiers), `tables` (tables as printed -> observations), `text` (figures in
running text), `codebook` (phrases -> indicator ids), `extract` (the run).
"""
