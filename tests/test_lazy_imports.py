"""The IRI grammar jsonschema would compile at import is deferred to its first use, with the same answers."""
import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_importing_the_report_stack_does_not_compile_the_iri_grammar():
    out = _run("""
        import sys
        import renshe, altair, nbformat, jsonschema
        print("rfc3987_syntax.syntax_helpers" in sys.modules)
    """)
    assert out == "False"


def test_iri_format_checks_give_the_real_modules_answers():
    check = """
        import jsonschema
        checker = jsonschema.Draft7Validator.FORMAT_CHECKER
        schema = {"type": "string", "format": "iri"}
        values = ["http://例子.com/路径?q=1", "https://www.mohrss.gov.cn/", "not an iri ::", "http://a b"]
        print([jsonschema.Draft7Validator(schema, format_checker=checker).is_valid(v) for v in values])
    """
    assert _run("import renshe\n" + textwrap.dedent(check)) == _run(check) == "[True, True, False, False]"
