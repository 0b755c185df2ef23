"""Optional imports of our dependencies deferred to their first use.

jsonschema (imported by nbformat, papermill, Altair and Great Expectations) imports the optional
`rfc3987_syntax` when it is installed (Jupyter's event schemas ask for it) to check the `iri`
string format, and that module compiles its IRI grammar at import: about a second of CPU in
every process that imports jsonschema (the build, each notebook worker, each kernel), for a
format none of our schemas uses. Here it is a stand-in whose check imports the real module the
first time a schema asks for it: the same check, paid for only by a process that makes it.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types

DEFERRED = "rfc3987_syntax"


def defer_iri_grammar() -> None:
    """Install the stand-in for `rfc3987_syntax` unless it is imported already or not installed."""
    if DEFERRED in sys.modules or importlib.util.find_spec(DEFERRED) is None:
        return
    stand_in = types.ModuleType(DEFERRED, "stand-in for rfc3987_syntax until its first check (renshe.lazy_imports)")

    def is_valid_syntax(*args, **kwargs):
        if sys.modules.get(DEFERRED) is stand_in:  # the real module's own imports need its package
            del sys.modules[DEFERRED]
        return importlib.import_module(DEFERRED).is_valid_syntax(*args, **kwargs)

    stand_in.is_valid_syntax = is_valid_syntax
    sys.modules[DEFERRED] = stand_in
