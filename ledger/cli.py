"""The `ledger` command: thin glue over the library. Exit codes: 0 ok, 1 error findings, 2 usage or unreadable file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

FORMATS = ("text", "json", "github", "markdown")


def _layout(claims, papers):
    from .layout import Layout

    return Layout.find(claims=claims, papers=papers)


claims_option = click.option("--claims", type=click.Path(path_type=Path), default=None,
                              help="Claims file (default: ./claims.csv). Side tables are found next to it.")
papers_option = click.option("--papers", type=click.Path(path_type=Path), default=None,
                             help="Papers file (default: papers.csv next to the claims file).")


class _Main(click.Group):
    """The command group: a file that cannot be written ends any command with one line naming it, exit 2."""

    def invoke(self, ctx):
        from .atomic import OutputError

        try:
            return super().invoke(ctx)
        except OutputError as e:
            name = ctx.invoked_subcommand or ctx.info_name
            click.echo(f"ledger {name}: {e}", err=True)
            ctx.exit(2)


def _append_summary(text: str) -> None:
    from .atomic import append_text

    append_text(Path(os.environ["GITHUB_STEP_SUMMARY"]), text)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="claims-ledger")
def main():
    """Claims ledger: quote-anchored numbers from research papers, checked."""


@main.command()
@claims_option
@papers_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: github under GitHub Actions, else text).")
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option("--dask", "dask_dir", type=click.Path(path_type=Path, exists=True), default=None,
              help="Validate a Parquet ledger written by `ledger parquet` with Dask instead of the CSV files.")
@click.option("--scheduler", default=None, help="With --dask: address of a running Dask scheduler (tcp://host:8786).")
@click.option("--workers", type=int, default=None, help="With --dask: start a local cluster of this many worker processes.")
def validate(claims, papers, fmt, strict, dask_dir, scheduler, workers):
    """Check the ledger: load, schema, provenance, ranges, implied values, conflicts."""
    from .engine import validate as run
    from .findings import Severity
    from .report import RENDERERS, render_markdown

    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    if dask_dir is not None:
        from .distributed import run_on_cluster

        result = run_on_cluster(dask_dir, scheduler, workers)
    else:
        from .progress import for_terminal

        progress = for_terminal(fmt)
        result = _or_exit_2(run, claims, papers, **({"progress": progress} if progress else {}))
        if progress:
            progress.done()
    summary = result.summary()
    click.echo(RENDERERS[fmt](result.findings, summary), nl=False)
    if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        _append_summary(render_markdown(result.findings, summary))
    failing = not result.ok or (strict and any(f.severity is Severity.WARNING for f in result.findings))
    sys.exit(1 if failing else 0)


@main.command("checks")
@click.option("--markdown", is_flag=True, help="Print the catalogue as the Markdown of docs/checks.md.")
def checks_cmd(markdown):
    """List every finding code with its rule."""
    from .catalogue import render_catalogue
    from .catalogue import catalogue

    if markdown:
        click.echo(render_catalogue(), nl=False)
    else:
        for r in catalogue():
            click.echo(f"{r.code} {r.name:28} {r.severity.value:8} {r.summary}")


@main.command("tables")
def tables_cmd():
    """Print the column tables of docs/data-dictionary.md, made from the declaration of the tables."""
    from .catalogue import render_tables

    click.echo(render_tables(), nl=False)


@main.command("datapackage")
@click.argument("root", required=False, type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if ROOT/datapackage.json is missing or not current.")
def datapackage_cmd(root, check):
    """Write ROOT/datapackage.json: the declaration of the tables, for the files the ledger has, so that
    `frictionless validate ROOT/datapackage.json` checks its structure."""
    import json

    from .atomic import write_atomic
    from .layout import ledger_descriptor

    path = root / "datapackage.json"
    text = json.dumps(ledger_descriptor(root), indent=2, ensure_ascii=False) + "\n"
    current = path.is_file() and path.read_text(encoding="utf-8") == text
    if check:
        click.echo(f"{path}: {'current' if current else 'not current: run ledger datapackage'}")
        sys.exit(0 if current else 1)
    if not current:
        write_atomic(path, text.encode("utf-8"))
    click.echo(f"{path}: {'unchanged' if current else 'written'}")


@main.command("fmt")
@click.option("--check", is_flag=True, help="Change nothing; list the files that would be rewritten and exit 1 if any.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def fmt_cmd(check, paths):
    """Rewrite the ledger's CSV files in canonical form (column order, sorted rows, LF, minimal quoting).

    PATHS default to every table of the ledger in the current folder. Values are never changed; a file
    that does not load cleanly is refused and its findings printed; writes are atomic."""
    from .fmt import exit_code, format_paths, render_results

    try:
        results = format_paths(paths or None, check=check)
    except ValueError as e:
        raise click.UsageError(str(e))
    click.echo(render_results(results, check), nl=False)
    sys.exit(exit_code(results, check))


@main.command("diff")
@click.argument("base", required=False)
@click.argument("head", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", help="Output format.")
@click.option("--exit-code", "want_exit_code", is_flag=True, help="Exit 1 when the ledgers differ.")
def diff_cmd(base, head, fmt, want_exit_code):
    """Semantic diff keyed by claim_id: claims and papers added, removed, changed, and findings that appear or disappear.

    BASE and HEAD are git revisions (default: the merge base with the default branch, against the
    working tree) or two ledger folders."""
    from .diff import RENDERERS, DiffError, render_markdown, resolve_diff

    try:
        d = resolve_diff(base, head)
    except DiffError as e:
        click.echo(f"ledger diff: {e}", err=True)
        sys.exit(2)
    click.echo(RENDERERS[fmt](d), nl=False)
    if os.environ.get("GITHUB_STEP_SUMMARY") and os.environ.get("GITHUB_ACTIONS") == "true":
        _append_summary(render_markdown(d))
    sys.exit(1 if want_exit_code and not d.empty else 0)


@main.command()
@claims_option
@papers_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("build/report.html"), show_default=True,
              help="Where to write the HTML report.")
@click.option("--charts", type=click.Path(path_type=Path), default=None,
              help="Also export every chart as SVG and PNG into this folder.")
def report(claims, papers, out, charts):
    """Validate, then write one self-contained HTML page: charts, findings, and a searchable claims table.

    The page loads nothing from the network. Exits 1 when the ledger has error findings (the report is
    written all the same)."""
    from .engine import validate as run
    from .atomic import make_dirs
    from .html_report import write_charts, write_report
    from .report import summary_line

    result = _or_exit_2(run, claims, papers)
    if charts:
        make_dirs(charts)  # a charts folder that cannot be made fails before the report is written
    path = write_report(Path("."), out, result=result)
    click.echo(f"{summary_line(result.summary())}\nreport: {path}")
    if charts:
        write_charts(result, charts)
        click.echo(f"charts: {charts}/")
    sys.exit(0 if result.ok else 1)


@main.command("export")
@claims_option
@papers_option
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "parquet"]), default="json", show_default=True,
              help="json for programs, csv for spreadsheets (formula prefixes neutralised), parquet for analysts.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="File to write (atomically).")
@click.option("--force", is_flag=True, help="Export even when the ledger has error findings.")
def export_cmd(claims, papers, fmt, out, force):
    """Export the claims with their paper and typed value (number and rounding interval)."""
    from .engine import validate as run
    from .export import export
    from .report import render_text

    result = _or_exit_2(run, claims, papers)
    if not result.ok and not force:
        errors = [f for f in result.findings if f.severity.value == "error"]
        click.echo(render_text(errors, result.summary()), err=True, nl=False)
        click.echo("ledger export: the ledger has errors; fix them or pass --force", err=True)
        sys.exit(1)
    path = export(result.ledger, fmt, out)
    click.echo(f"{len(result.ledger.claims)} claims -> {path}")


@main.command("parquet")
@claims_option
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--partitions", type=int, default=None, help="Number of paper buckets (default: one per 200k claims).")
def parquet_cmd(claims, out, partitions):
    """Write the ledger folder as Parquet partitioned by paper, for `ledger validate --dask OUT` (needs the dask extra)."""
    from .distributed import write_parquet

    root = claims.parent if claims else Path(".")
    path = _or_exit_2(lambda layout: write_parquet(root, out, partitions), claims, None)
    click.echo(f"wrote {path}")


def _or_exit_2(job, claims, papers, **options):
    """Run job(layout, **options); a ledger file that cannot be opened at all prints its finding and exits 2."""
    from .engine import UnreadableFile
    from .report import text_line

    try:
        return job(_layout(claims, papers), **options)
    except UnreadableFile as e:
        click.echo(text_line(e.finding), err=True)  # one line: the run cannot go on
        sys.exit(2)


def _load_or_exit(claims, papers):
    from .engine import load

    return _or_exit_2(load, claims, papers)


@main.command()
@claims_option
@papers_option
@click.option("--all", "show_all", is_flag=True, help="List every number, not only the ones that need a curator.")
def coverage(claims, papers, show_all):
    """Show, paper by paper, which numbers of each abstract are claims, skipped, or missing."""
    from .coverage import number_uses, unused_skips
    from .spans import entity_names

    ledger, _ = _load_or_exit(claims, papers)
    papers_rows, skips = ledger["papers"].to_dict("records"), ledger["skips"].to_dict("records")
    names = entity_names(ledger)
    uses = number_uses(papers_rows, ledger.claims.to_dict("records"), skips, names)
    by_paper: dict[str, list] = {}
    for u in uses:
        by_paper.setdefault(u.paper_id, []).append(u)
    missing = 0
    for pid in ledger["papers"]["paper_id"]:
        mine = by_paper.get(pid, [])
        todo = [u for u in mine if not u.covered_by and u.skipped_by is None]
        missing += len(todo)
        claimed = sum(1 for u in mine if u.covered_by)
        click.echo(f"{pid}: {len(mine)} numbers, {claimed} claimed, {len(mine) - claimed - len(todo)} skipped, {len(todo)} missing")
        for u in mine if show_all else todo:
            state = ("claim " + ",".join(u.covered_by)) if u.covered_by else (f"skipped: {u.skipped_by}" if u.skipped_by else "MISSING")
            click.echo(f"  {u.printed!r:>14} at {u.start + 1:>5}  {state}")
    stale = unused_skips(papers_rows, skips, names)
    for s in stale:
        click.echo(f"stale skip: {s['paper_id']} {s['number']!r} in {s['context']!r}")
    click.echo(f"{'FAILED' if missing or stale else 'ok'}: {len(uses)} numbers, {missing} missing, {len(stale)} stale skips")
    sys.exit(1 if missing or stale else 0)


@main.command()
@claims_option
@papers_option
def derive(claims, papers):
    """List the values the ledger implies (baseline levels, ratios from relative changes) with their intervals."""
    from .derive import derivations
    from .intervals import Interval

    ledger, _ = _load_or_exit(claims, papers)
    d = derivations(ledger)
    for r in d.itertuples():
        target = f"{r.target} vs {r.baseline}" if r.baseline else r.target
        click.echo(f"{r.kind:20} {target:28} {r.metric:16} {r.context or '-':24} {str(Interval(r.lo, r.hi)):>22} {r.unit:8} "
                   f"width {r.width:.3g}  from {r.how}")
    click.echo(f"{len(d)} derived values")
    from .formula import FormulaError, holds, parse_relation, refs

    relations = ledger["relations"]
    for rid, formula in zip(relations["relation_id"], relations["formula"]):
        try:
            rel = parse_relation(formula)
            ok, left, right = holds(rel, {ref: ledger.interval(ledger.rows_by_id[ref]) for ref in refs(rel)})
        except (FormulaError, KeyError, ZeroDivisionError, OverflowError) as e:
            click.echo(f"relation {rid}: cannot be evaluated ({e})")
            continue
        click.echo(f"relation {rid}: {'holds' if ok else 'FAILS'}: left {left} (width {left.width:.3g}), "
                   f"right {right} (width {right.width:.3g})")


if __name__ == "__main__":
    main()
