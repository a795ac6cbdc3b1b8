"""The `ledger` command: thin glue over the library. Exit codes: 0 ok, 1 error findings, 2 usage or unreadable file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

FORMATS = ("text", "json", "github", "markdown", "sarif")


def _layout(root, claims, papers):
    """Where the ledger is: the folder ROOT, or the --claims file (side tables beside it), or the current
    folder; --papers overrides the papers file in any case. ROOT and --claims both name the folder, so
    giving both is a usage error rather than a silent choice."""
    from .layout import Layout

    if root is not None and claims is not None:
        raise click.UsageError("give the ledger folder ROOT or --claims, not both")
    return Layout.find(claims=claims, papers=papers, root=root)


claims_option = click.option("--claims", type=click.Path(path_type=Path), default=None,
                              help="Claims file (default: ROOT/claims.csv). Side tables are found next to it.")
papers_option = click.option("--papers", type=click.Path(path_type=Path), default=None,
                             help="Papers file (default: papers.csv next to the claims file).")
root_argument = click.argument("root", required=False, type=click.Path(path_type=Path, file_okay=False, exists=True))


def ledger_location(command):
    """[ROOT] [--claims P] [--papers P]: the ledger folder (default: the current one) or its files."""
    return root_argument(claims_option(papers_option(command)))


select_option = click.option("--select", multiple=True, metavar="CODES",
                             help="Report only these finding codes or prefixes (L2, L202, L5,L6); repeatable. Checks not selected do not run.")
ignore_option = click.option("--ignore", multiple=True, metavar="CODES",
                             help="Do not report these codes or prefixes (wins over --select); repeatable.")


class _Main(click.Group):
    """The command group: a file that cannot be written, or an extra that is not installed, ends any command
    with one line naming it, exit 2."""

    def invoke(self, ctx):
        from .atomic import OutputError
        from .extras import MissingExtra

        try:
            return super().invoke(ctx)
        except (OutputError, MissingExtra) as e:
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
@ledger_location
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: github under GitHub Actions, else text); sarif is SARIF 2.1.0 for code scanning.")
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@select_option
@ignore_option
@click.option("--dask", "dask_dir", type=click.Path(path_type=Path, exists=True), default=None,
              help="Validate a Parquet ledger written by `ledger parquet` with Dask instead of the CSV files.")
@click.option("--scheduler", default=None, help="With --dask: address of a running Dask scheduler (tcp://host:8786).")
@click.option("--workers", type=int, default=None, help="With --dask: start a local cluster of this many worker processes.")
def validate(root, claims, papers, fmt, strict, select, ignore, dask_dir, scheduler, workers):
    """Check the ledger in ROOT (default: the current folder): load, schema, provenance, ranges, implied
    values, conflicts."""
    from .engine import validate as run
    from .report import RENDERERS, render_markdown
    from .selection import Selection, UnknownCode

    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    try:
        selection = Selection.of(select, ignore)
    except UnknownCode as e:
        raise click.BadParameter(e.detail, param_hint=f"--{e.option}")
    if dask_dir is not None:
        from .distributed import run_on_cluster

        if root is not None or claims is not None or papers is not None:
            raise click.UsageError("--dask reads the Parquet folder it names: give no ROOT, --claims or --papers")
        result = run_on_cluster(dask_dir, scheduler, workers, selection)
    else:
        from .progress import for_terminal

        progress = for_terminal(fmt)
        result = _or_exit_2(run, _layout(root, claims, papers), select=selection.select, ignore=selection.ignore,
                            **({"progress": progress} if progress else {}))
        if progress:
            progress.done()
    summary = result.summary(strict)
    click.echo(RENDERERS[fmt](result.findings, summary), nl=False)
    if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        _append_summary(render_markdown(result.findings, summary))
    sys.exit(1 if summary["failed"] else 0)


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

    PATHS are table files or ledger folders (a folder: every table in it); default: the current folder.
    Values are never changed; a file
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
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "github"]), default="text",
              help="Output format (github: the lifecycle errors as annotations, then the text).")
@click.option("--exit-code", "want_exit_code", is_flag=True, help="Exit 1 when the ledgers differ.")
@click.option("--check", "check", is_flag=True,
              help="Exit 1 when the change breaks the claim lifecycle (L8xx) or adds error findings.")
def diff_cmd(base, head, fmt, want_exit_code, check):
    """Semantic diff keyed by claim_id: claims and papers added, removed, renamed, changed, and findings that appear or
    disappear.

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
    if check and d.check_errors:
        added = len(d.check_errors) - len(d.lifecycle)
        click.echo(f"ledger diff --check: FAILED: {len(d.lifecycle)} lifecycle errors, {added} new error findings",
                   err=True)
    sys.exit(1 if (want_exit_code and not d.empty) or (check and d.check_errors) else 0)


@main.command()
@ledger_location
@click.option("--out", type=click.Path(path_type=Path), default=Path("build/report.html"), show_default=True,
              help="Where to write the HTML report (relative to the current folder, not ROOT).")
@click.option("--charts", type=click.Path(path_type=Path), default=None,
              help="Also export every chart as SVG and PNG into this folder.")
def report(root, claims, papers, out, charts):
    """Validate the ledger in ROOT (default: the current folder), then write one self-contained HTML page:
    charts, findings, and a searchable claims table.

    The page loads nothing from the network. Exits 1 when the ledger has error findings (the report is
    written all the same)."""
    from .engine import validate as run
    from .atomic import make_dirs
    from .html_report import write_charts, write_report
    from .report import summary_line

    layout = _layout(root, claims, papers)
    result = _or_exit_2(run, layout)
    if charts:
        make_dirs(charts)  # a charts folder that cannot be made fails before the report is written
    path = write_report(layout.root, out, result=result)
    click.echo(f"{summary_line(result.summary())}\nreport: {path}")
    if charts:
        write_charts(result, charts)
        click.echo(f"charts: {charts}/")
    sys.exit(0 if result.ok else 1)


@main.command("export")
@ledger_location
@click.option("--format", "fmt", type=click.Choice(["json", "ndjson", "csv", "parquet", "datapackage"]), default="json",
              show_default=True, help="See the formats above.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="File to write, or with datapackage the folder; written whole or not at all.")
@click.option("--descriptor", is_flag=True,
              help="json, ndjson, csv: also write OUT.resource.json, a Frictionless Data Resource with the column "
                   "types (paper_id and value are strings) and the ledger metadata.")
@click.option("--replace", is_flag=True,
              help="datapackage: replace OUT if it holds an earlier export and nothing else (a folder with other "
                   "files is never replaced).")
@click.option("--force", is_flag=True, help="Export even when the ledger has error findings (the metadata counts them).")
def export_cmd(root, claims, papers, fmt, out, descriptor, replace, force):
    """Export the claims of the ledger in ROOT (default: the current folder) with their paper and
    typed value (number and rounding interval).

    \b
    Formats:
      json         an array of records; pandas: read_json(OUT, dtype=False)
      ndjson       one record per line; pandas: read_json(OUT, lines=True, dtype=False)
      csv          for spreadsheets: a cell that starts like a formula (= + - @) gets
                   a leading apostrophe, so cells are not the data verbatim
      parquet      typed columns, the ledger metadata in the file's key-value metadata
      datapackage  OUT is a folder, for programs: the ledger's tables, claims_export.csv
                   verbatim (no apostrophes, RFC 4180 quoting) and datapackage.json
                   with every file's hash, for `frictionless validate OUT/datapackage.json`

    Empty cells are null (empty in CSV); value stays the printed decimal string ("52.30")
    beside its float64 bounds, and paper_id a string. Refuses a ledger with errors unless --force."""
    from .engine import validate as run
    from .export import SIDECAR_FORMATS, check_out, export
    from .report import render_text

    if descriptor and fmt not in SIDECAR_FORMATS:
        raise click.UsageError(f"--descriptor is for {', '.join(SIDECAR_FORMATS)}; {fmt} carries its metadata inside")
    if replace and fmt != "datapackage":
        raise click.UsageError("--replace is for --format datapackage (a file export always replaces its file)")
    check_out(fmt, out, descriptor=descriptor, replace=replace)  # fail before the slow validation
    result = _or_exit_2(run, _layout(root, claims, papers))
    errors = [f for f in result.findings if f.severity.value == "error"]
    if errors and not force:
        click.echo(render_text(errors, result.summary()), err=True, nl=False)
        click.echo("ledger export: the ledger has errors; fix them or pass --force", err=True)
        sys.exit(1)
    path = export(result.ledger, fmt, out, error_findings=len(errors), descriptor=descriptor, replace=replace)
    click.echo(f"{len(result.ledger.claims)} claims -> {path}{'/' if fmt == 'datapackage' else ''}")


@main.command("parquet")
@claims_option
@click.argument("paths", nargs=-1, required=True, metavar="[ROOT] OUT", type=click.Path(path_type=Path))
@click.option("--partitions", type=int, default=None, help="Number of paper buckets (default: one per 200k claims).")
def parquet_cmd(claims, paths, partitions):
    """Write the ledger folder ROOT (default: the current folder) as Parquet in OUT, partitioned by paper,
    for `ledger validate --dask OUT` (which needs the dask
    extra; writing the Parquet needs only the base install). As with `cp`, the last path is the output."""
    from .distributed import write_parquet

    if len(paths) > 2:
        raise click.UsageError("give at most a ledger folder ROOT and the output folder OUT")
    *given, out = paths
    root = given[0] if given else None
    if root is not None and not root.is_dir():
        raise click.BadParameter(f"{root}: not a folder", param_hint="ROOT")
    layout = _layout(root, claims, None)
    path = _or_exit_2(lambda layout: write_parquet(layout.root, out, partitions), layout)
    click.echo(f"wrote {path}")


def _or_exit_2(job, layout, **options):
    """Run job(layout, **options); a ledger file that cannot be opened at all prints its finding and exits 2."""
    from .engine import UnreadableFile
    from .report import text_line

    try:
        return job(layout, **options)
    except UnreadableFile as e:
        click.echo(text_line(e.finding), err=True)  # one line: the run cannot go on
        sys.exit(2)


def _load_or_exit(root, claims, papers):
    from .engine import load

    return _or_exit_2(load, _layout(root, claims, papers))


@main.command()
@ledger_location
@click.option("--all", "show_all", is_flag=True, help="List every number, not only the ones that need a curator.")
def coverage(root, claims, papers, show_all):
    """Show, paper by paper, which numbers of each abstract of the ledger in ROOT (default: the current
    folder) are claims, skipped, or missing."""
    from .coverage import number_uses, unused_skips
    from .spans import entity_names

    ledger, _ = _load_or_exit(root, claims, papers)
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
@ledger_location
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one line per value and per relation; json: an object with `derived` and `relations` lists.")
def derive(root, claims, papers, fmt):
    """List the values the ledger in ROOT (default: the current folder) implies (baseline levels, ratios
    from relative changes) with their intervals, then every relation of relations.csv with its verdict
    (holds, violated, cannot be checked and why), its kind and its description."""
    from .derive import derivations
    from .intervals import Interval
    from .relations import verdicts

    ledger, _ = _load_or_exit(root, claims, papers)
    d = derivations(ledger)
    judged = verdicts(ledger)
    if fmt == "json":
        import json
        import math

        def plain(x):  # JSON has no inf: an unbounded side is written "inf" / "-inf"
            if isinstance(x, float) and not math.isfinite(x):
                return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
            if isinstance(x, dict):
                return {k: plain(v) for k, v in x.items()}
            if isinstance(x, list):
                return [plain(v) for v in x]
            return x

        derived = [{"kind": r.kind, "target": r.target, "baseline": r.baseline, "metric": r.metric, "context": r.context,
                    "unit": r.unit, "lo": float(r.lo), "hi": float(r.hi), "how": r.how} for r in d.itertuples()]
        click.echo(json.dumps(plain({"derived": derived, "relations": [v.as_dict() for v in judged]}), indent=2, allow_nan=False))
        return
    for r in d.itertuples():
        target = f"{r.target} vs {r.baseline}" if r.baseline else r.target
        click.echo(f"{r.kind:20} {target:28} {r.metric:16} {r.context or '-':24} {str(Interval(r.lo, r.hi)):>22} {r.unit:8} "
                   f"width {r.width:.3g}  from {r.how}")
    click.echo(f"{len(d)} derived values")
    alt = derivations(ledger, alt=True)  # ambiguous claims read with their alternative_unit
    for r in alt.itertuples():
        target = f"{r.target} vs {r.baseline}" if r.baseline else r.target
        click.echo(f"{r.kind:20} {target:28} {r.metric:16} {r.context or '-':24} {str(Interval(r.lo, r.hi)):>22} {r.unit:8} "
                   f"width {r.width:.3g}  from {r.how}  [alternative reading]")
    if len(alt):
        click.echo(f"{len(alt)} derived values under the alternative readings (ambiguous claims read with their alternative_unit)")
    for v in judged:
        click.echo(f"relation {v.relation_id} ({v.kind}): {v.verdict.upper() if v.verdict == 'violated' else v.verdict}")
        click.echo(f"  formula: {v.formula}")
        if v.outcome is not None:
            for s in v.outcome.comparisons:
                mark = "ok" if s.possible else "fails"
                click.echo(f"  {mark:5} {s.text}: left {s.left} (width {s.left.width:.3g}), right {s.right} (width {s.right.width:.3g})")
        if v.verdict != "holds":
            click.echo(f"  why: {v.reason}")
        click.echo(f"  description: {v.description or '(none)'}")
    counts = {k: sum(v.verdict == k for v in judged) for k in ("holds", "violated", "cannot be checked")}
    click.echo(f"{len(judged)} relations: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@main.command("extract")
@click.argument("paper_ids", nargs=-1)
@click.option("--all", "all_papers", is_flag=True, help="Draft for every paper of papers.csv.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="csv: the table's columns, canonical quoting; json: a list of row objects.")
@click.option("--table", type=click.Choice(["claims", "skips", "relations"]), default="claims", show_default=True,
              help="Which drafts to print: claims.csv rows, coverage_skips.csv rows or relations.csv rows.")
@click.option("--write", is_flag=True, help="Also append every draft (claims, skips, relations) to the ledger's files; "
              "existing rows are never changed.")
@claims_option
@papers_option
def extract_cmd(paper_ids, all_papers, fmt, table, write, claims, papers):
    """Draft rows for every number of the papers' abstracts that no claim or skip accounts for yet.

    Claims are drafted with status `draft` (unit, value, qualifier, metric, subject, baseline, context and
    quote guessed from the text and the vocabularies; empty where the text does not say); numbers that are
    not claims become coverage_skips.csv drafts, arithmetic the text implies relations.csv drafts. The
    chosen table goes to stdout, a summary to stderr. With --write the drafts are appended through the
    canonical atomic writer (a table that is not in canonical form is refused: run `ledger fmt` first)."""
    from .append import AppendRefused
    from .extract import extract, ledger_tables, render, write_drafts

    if not paper_ids and not all_papers:
        raise click.UsageError("name one or more PAPER_IDs, or pass --all")
    if paper_ids and all_papers:
        raise click.UsageError("PAPER_IDs and --all exclude each other")
    ledger, _ = _load_or_exit(None, claims, papers)
    tables = ledger_tables(ledger)
    known = {p["paper_id"] for p in tables["papers"]}
    unknown = [p for p in paper_ids if p not in known]
    if unknown:
        raise click.UsageError(f"not in papers.csv: {', '.join(unknown)}")
    drafts = extract(tables, list(paper_ids) or None)
    click.echo(render(getattr(drafts, table), table, fmt), nl=False)
    summary = f"{len(drafts.claims)} claims, {len(drafts.skips)} skips, {len(drafts.relations)} relations drafted"
    if write:
        try:
            written = write_drafts(ledger.layout, drafts)
        except AppendRefused as e:
            click.echo(f"ledger extract: {e}", err=True)
            sys.exit(1)
        summary += "; appended to " + (", ".join(str(ledger.layout.paths[n]) for n in written) or "nothing")
    click.echo(f"ledger extract: {summary}", err=True)


@main.command("add-paper")
@click.argument("arxiv_id")
@click.option("--atom", "atom_file", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="Read this saved arXiv API response (Atom XML) instead of asking arXiv.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for arXiv.")
@claims_option
@papers_option
def add_paper_cmd(arxiv_id, atom_file, timeout, claims, papers):
    """Add an arXiv paper to papers.csv (title, year, URL and abstract from arXiv's API) and print the
    claims `ledger extract` drafts for it.

    ARXIV_ID is a new-style (2407.12117, 2407.12117v2) or old-style (hep-th/9901001) id; the row keeps it
    without the version. The abstract is stored as the feed gives it, each line break and the white space
    around it folded into one space. Exit 1 when the paper is already in papers.csv, 2 when arXiv cannot be
    reached or has no such paper."""
    from .append import AppendRefused, append_rows
    from .arxiv import ArxivError, fetch_atom, paper_row, parse_atom, split_id
    from .extract import extract, ledger_tables, render
    from .layout import PAPERS

    try:
        base_id, _ = split_id(arxiv_id)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="ARXIV_ID")
    ledger, _ = _load_or_exit(None, claims, papers)
    if base_id in set(ledger["papers"]["paper_id"]):
        click.echo(f"ledger add-paper: {base_id} is already in {ledger.layout.paths['papers']}", err=True)
        sys.exit(1)
    try:
        xml = atom_file.read_bytes() if atom_file else fetch_atom(arxiv_id, timeout)
        row = paper_row(parse_atom(xml, arxiv_id), base_id)
    except (ArxivError, OSError) as e:
        click.echo(f"ledger add-paper: {e}", err=True)
        sys.exit(2)
    try:
        append_rows(ledger.layout.paths["papers"], PAPERS, [row])
    except AppendRefused as e:
        click.echo(f"ledger add-paper: {e}", err=True)
        sys.exit(1)
    click.echo(f"ledger add-paper: added {base_id} ({row['year']}) {row['title']}", err=True)
    ledger, _ = _load_or_exit(None, claims, papers)
    drafts = extract(ledger_tables(ledger), [base_id])
    click.echo(render(drafts.claims, "claims", "csv"), nl=False)


if __name__ == "__main__":
    main()
