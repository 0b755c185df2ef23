"""The `renshe` command. Each subcommand is a thin wrapper over one library function.

Every error a user can cause is one line on stderr (what is wrong, what to do) and exit code 2;
`--debug` shows the traceback instead.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from renshe.errors import RensheError
from renshe.paths import ProjectPaths


def project(args: argparse.Namespace) -> ProjectPaths:
    """The project the command works on (--root, $RENSHE_ROOT or the folder above), or a one-line error."""
    if args.root is not None:
        root = Path(args.root)
        if not root.is_dir():
            raise RensheError(f"--root {args.root}: no such folder; give the project folder (the one "
                              "holding data/sources.yaml)")
        if not (root / "data" / "sources.yaml").is_file():
            raise RensheError(f"--root {args.root}: not a renshe project (no data/sources.yaml there); "
                              "give the project folder")
        return ProjectPaths.at(root)
    try:
        return ProjectPaths.at()
    except FileNotFoundError as exc:
        raise RensheError(f"not inside a renshe project: {exc}") from None


def _cmd_extract(args: argparse.Namespace) -> int:
    from renshe.commands import due_line, extract_alone
    from renshe.ingest.extract import document_report, format_documents, format_summary

    paths = project(args)
    output = extract_alone(paths, doc_ids=args.docs or None, out=args.out)
    print(format_summary(output.summary))
    print()
    print(format_documents(output))
    print(f"wrote {args.out or paths.clean}")
    if args.out is None:
        print(due_line(paths))
    _lines, warnings = document_report(args.out or paths.clean)
    return _warn(warnings, args.strict)


def _warn(warnings: list[str], strict: bool) -> int:
    """Print the warnings; with --strict they make the exit code 1 (the outputs are written)."""
    for warning in warnings:
        print(warning, file=sys.stderr)
    if strict and warnings:
        print(f"--strict: {len(warnings)} document warning(s)", file=sys.stderr)
        return 1
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from renshe.checks.validate import format_results
    from renshe.commands import due_line, validate_alone

    paths = project(args)
    results = validate_alone(paths, rules=args.rules)
    print(format_results(results))
    print(due_line(paths))
    if args.strict and results.failed_errors:
        print(f"--strict: {results.failed_errors} error check(s) failed", file=sys.stderr)
        return 1
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    from renshe.commands import site_alone

    paths = project(args)
    code, report = site_alone(paths, renderer=args.renderer)
    print(report)
    return code


def _cmd_build(args: argparse.Namespace) -> int:
    from renshe.build import run_build

    paths = project(args)
    return run_build(paths, force=args.force, jobs=args.jobs, scheduler=args.scheduler, strict=args.strict)


def _cmd_status(args: argparse.Namespace) -> int:
    from renshe.build import due_steps

    paths = project(args)
    due = due_steps(paths)
    if not due:
        print("up to date: data/clean, the pages and the site agree with their inputs; no step is due")
        return 0
    for name, why in due:
        print(f"{name:10} due: {why}")
    print("run `renshe build` to run them and publish the result")
    return 0


def _cmd_codebook_suggest(args: argparse.Namespace) -> int:
    from renshe.ingest.suggest import run_suggest

    paths = project(args)
    print(run_suggest(paths, docs=args.docs or None, top=args.top, min_score=args.min_score))
    return 0


def _cmd_codebook_accept(args: argparse.Namespace) -> int:
    from renshe.ingest.aliases import accept_alias

    paths = project(args)
    print(accept_alias(paths.codebook, args.phrase, args.indicator_id, force=args.force))
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    from renshe.ingest.add import FIELDS, add_document, ask_on_terminal

    paths = project(args)
    options = {name: getattr(args, name) for name in FIELDS}
    ask = ask_on_terminal if sys.stdin.isatty() and sys.stdout.isatty() else None
    print(add_document(paths, args.file, options, dry_run=args.dry_run, ask=ask))
    return 0


def _add_add_command(commands) -> None:
    add = commands.add_parser("add", help="register a document: copy it into data/raw, its entry into data/sources.yaml",
                              description="Infer the registry entry from the document itself (title, issuer, "
                                          "doc_type, region and level, reference period, published date, script), "
                                          "compute its sha256, show what the build would read from it, then copy "
                                          "it unchanged into data/raw/ and add the entry to data/sources.yaml "
                                          "(comments and layout kept). Every inferred field can be given.")
    add.add_argument("file", type=Path, help="the document (.txt, or any format the build reads)")
    add.add_argument("--dry-run", action="store_true", help="show what would be registered and read; write nothing")
    add.add_argument("--doc-id", help="the document's id (default: region_period_kind, e.g. kunming_2023_bulletin)")
    add.add_argument("--doc-type", help="statistical_bulletin, statistical_communique, five_year_plan, action_plan, "
                                        "press_briefing, news_report or yearbook_table")
    add.add_argument("--region", help="the region it is about (a name or short name of the region tree)")
    add.add_argument("--reference-period", help="2023, 2023-Q1, 2023-H1, 2023-01/09, 2023-06 or 2021-2025")
    add.add_argument("--published", help="the date printed on it, YYYY-MM-DD")
    add.add_argument("--title", help="its title as printed")
    add.add_argument("--issuer", help="the body that issued it")
    add.add_argument("--script", help="hans (Simplified) or hant (Traditional)")
    add.set_defaults(handler=_cmd_add)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is below 1; give at least 1 (or leave it out for one per core)")
    return value


def scheduler_option(text: str) -> str:
    """An argparse type: a Dask scheduler address (tcp://HOST:PORT), checked at once."""
    from renshe.publish.cluster import check_address

    try:
        return check_address(text)
    except RensheError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_codebook_commands(commands) -> None:
    codebook = commands.add_parser("codebook", help="phrases without an indicator id: suggestions, and adding aliases",
                                   description="Grow data/codebook.yaml from the phrases the extraction could "
                                               "not map (data/clean/unmapped.csv).")
    actions = codebook.add_subparsers(dest="action", required=True)
    suggest = actions.add_parser("suggest", help="each unmapped phrase with the closest indicators, score and reason",
                                 description="Match the extracted observations again with the codebook as it is "
                                             "now and list every phrase still without an id, best suggestion first.")
    suggest.add_argument("--docs", nargs="*", help="only these doc_ids (default: all)")
    suggest.add_argument("--top", type=int, default=3, help="candidates shown per phrase (default 3)")
    suggest.add_argument("--min-score", type=float, default=0.3,
                         help="list phrases whose best suggestion scores at least this (default 0.3; 0 lists all)")
    suggest.set_defaults(handler=_cmd_codebook_suggest)
    accept = actions.add_parser("accept", help="add PHRASE to the aliases of INDICATOR_ID in data/codebook.yaml",
                                description="Add PHRASE to the entry's aliases, keeping the file's comments and "
                                            "layout; refuses an alias another entry already claims.")
    accept.add_argument("phrase", help="the phrase as listed by `renshe codebook suggest` (or unmapped.csv)")
    accept.add_argument("indicator_id", help="the codebook id it names")
    accept.add_argument("--force", action="store_true",
                        help="accept a pair the matcher scores below its threshold (says what it overrides)")
    accept.set_defaults(handler=_cmd_codebook_accept)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (what is wrong, where to look)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="renshe",
        description="Turn Chinese labour and social-security documents into tidy, checked, published data.",
    )
    parser.add_argument("--root", type=Path, default=None,
                        help="project folder (default: the folder above holding data/sources.yaml)")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True)

    extract = commands.add_parser("extract", help="documents in data/raw -> data/clean (tables and text)",
                                  description="Extract every table and every figure stated in the text "
                                              "of the registered documents into data/clean.")
    extract.add_argument("--docs", nargs="*", help="only these doc_ids (default: all registered)")
    extract.add_argument("--out", type=Path, default=None, help="output folder (default: data/clean)")
    extract.add_argument("--strict", action="store_true",
                         help="exit non-zero (after writing the outputs) when a document has a table not read "
                              "or nothing taken")
    extract.set_defaults(handler=_cmd_extract)

    validate = commands.add_parser("validate", help="run the Great Expectations suites -> data/clean/checks.csv",
                                   description="Run the schema suite and the cross-check rules once and write "
                                               "data/clean/checks.csv, the GX results and Data Docs.")
    validate.add_argument("--rules", type=Path, default=None, help="rules file (default: expectations/rules.yaml)")
    validate.add_argument("--strict", action="store_true", help="exit non-zero when an error check fails")
    validate.set_defaults(handler=_cmd_validate)

    site = commands.add_parser("site", help="render the website from the executed notebooks",
                               description="Render site/ with quarto when it is on PATH, else with the "
                                           "built-in renderer, into site/_site.")
    site.add_argument("--renderer", choices=["auto", "quarto", "builtin"], default="auto")
    site.set_defaults(handler=_cmd_site)

    build = commands.add_parser("build", help="the whole pipeline: extract, validate, notebooks, site",
                                description="Run every step whose inputs changed: extract, validate, the "
                                            "papermill notebook grid and the site.")
    build.add_argument("--force", action="store_true", help="rebuild every step even if nothing changed")
    build.add_argument("--strict", action="store_true",
                       help="exit non-zero (after building) when a document has a table not read or nothing taken")
    build.add_argument("--jobs", type=positive_int, default=None, help="parallel notebook runs (default: cores)")
    build.add_argument("--scheduler", type=scheduler_option, default=None, metavar="tcp://HOST:PORT",
                       help="run the per-document extraction and the notebook runs on this Dask cluster "
                            "(default: $RENSHE_SCHEDULER, else this machine; needs pip install -e .[dask])")
    build.set_defaults(handler=_cmd_build)

    status = commands.add_parser("status", help="which steps are due, and why",
                                 description="Compare the published outputs with their inputs: which steps a "
                                             "build would run, and why. Reads only.")
    status.set_defaults(handler=_cmd_status)

    _add_codebook_commands(commands)
    _add_add_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except RensheError as exc:
        if args.debug:
            raise
        print(f"renshe: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outside a publishing command (those stop through renshe.lifecycle)
        print("renshe: interrupted; nothing was published", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug or an environment problem: one line, the details on --debug
        if args.debug:
            raise
        print(f"renshe: error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
              "(run again with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
