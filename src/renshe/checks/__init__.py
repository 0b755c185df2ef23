"""Stage 2, checks: observations in, findings out.

Entry point: `renshe.checks.validate.run_validation(paths)`. It reads data/clean/observations.parquet,
the codebook, the registry and the rules (expectations/rules.yaml), builds one Great
Expectations suite per rule (expectations/gx/) and writes data/clean/checks.csv and the Data Docs.

One module per idea: `rules` (the declarative rules file), `crosschecks` (the derived frames each
rule type checks), `validate` (Great Expectations runs and the results).
"""
