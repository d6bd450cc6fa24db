"""The ``pptaxonomy`` command. Subcommands import their modules lazily so ``--help`` is fast."""

from __future__ import annotations

import os
import sys

import click

EPILOG = """\b
Examples:
  pptaxonomy validate                 check the packaged taxonomy
  pptaxonomy validate taxonomy/       check a working copy
  pptaxonomy lookup PWP               find a profession by a name or acronym
  pptaxonomy codes cbt-therapist trainee
"""


# Set by commands after which the console script may skip the interpreter's teardown.
_fast_exit = False


def run() -> None:
    """The console script: ``main``, then, after an audit, exit without tearing the
    interpreter down (freeing everything an audit of a large extract built takes longer
    than writing its reports). Every file is written and closed by then; the standard
    streams are flushed here."""
    try:
        main()
    except SystemExit as exc:
        if not _fast_exit:
            raise
        code = exc.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class _OneLineErrors(click.Group):
    """A group whose errors are one ``error: ...`` line on stderr: exit 2 for a bad command
    line, 130 for Ctrl-C, never a traceback or click's multi-line usage block."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            see = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            click.echo(f"error: {exc.format_message()}{see}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(2)
        except click.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(
    cls=_OneLineErrors,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="pptaxonomy", message="%(prog)s %(version)s")
def main() -> None:
    """Reference taxonomy of the UK psychological professions."""


@main.command()
@click.argument("label")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def lookup(label: str, as_json: bool) -> None:
    """Find the profession that has LABEL as its name, acronym or other label.

    \b
    Example:
      pptaxonomy lookup "High intensity therapist"
    """
    import json

    import pptaxonomy

    tax = pptaxonomy.load()
    try:
        p = tax.lookup(label)
    except LookupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "id": p.id,
                    "name": p.name,
                    "group": p.group,
                    "status": p.status,
                    "levels": list(p.level_ids),
                }
            )
        )
        return
    click.echo(f"{p.id}\t{p.name}\t({tax.groups[p.group].name}; {p.status})")


@main.command()
@click.argument("profession")
@click.argument("level", required=False)
@click.option(
    "--system",
    "code_system",
    default="nhs-occupation-code",
    show_default=True,
    help="Code system to list codes from.",
)
def codes(profession: str, level: str | None, code_system: str) -> None:
    """List the occupation codes expected for PROFESSION (at LEVEL).

    \b
    Example:
      pptaxonomy codes cbt-therapist trainee
    """
    import pptaxonomy

    tax = pptaxonomy.load()
    if code_system not in tax.code_systems:
        known = ", ".join(sorted(tax.code_systems))
        click.echo(f"error: unknown code system {code_system!r}; known: {known}", err=True)
        sys.exit(2)
    try:
        rows = tax.mappings_for(profession, level, code_system)
    except LookupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    for m in rows:
        target = "(no code)" if m.no_match else m.code
        name = ""
        if m.code and (oc := tax.occupation_code(m.code, code_system)):
            name = oc.name
        click.echo(f"{m.level or '*':16} {target:6} {m.predicate:12} {m.confidence:10} {name}")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one 'file:line:col: rule-id: message (hint)' per problem; json: records.",
)
def validate(paths: tuple[str, ...], fmt: str) -> None:
    """Validate taxonomy files: the schema (closed), integrity rules and YAML safety.

    PATHS are taxonomy directories or files; by default the packaged taxonomy. Every problem
    is reported, not only the first. Exit 0 when clean, 1 when problems were found, 2 for a
    usage or I/O error.

    \b
    Examples:
      pptaxonomy validate
      pptaxonomy validate taxonomy/ --format json
    """
    from .validate import run_cli

    sys.exit(run_cli(paths, fmt))


@main.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Folder to write artefacts/ and mappings/ under (`make all` uses the repository).",
)
def build(out: str) -> None:
    """Write every published artefact: JSON Schema, JSON, OWL, SHACL, SKOS, CSV, SSSOM, FHIR.

    One process, byte-identical output, each file written atomically (a failed build leaves the
    previous artefacts in place). Needs the build extra (LinkML, rdflib).

    \b
    Example:
      pptaxonomy build --out .
    """
    from .export.build import run_cli

    sys.exit(run_cli(out))


def _status_list(ctx, param, value):
    from .audit import FAIL_ON  # only the audit command gets here

    out = []
    for part in value or ():
        for s in part.split(","):
            s = s.strip()
            if s and s not in FAIL_ON:
                choices = ", ".join(FAIL_ON)
                raise click.BadParameter(f"{s!r} is not a status; choose from {choices}")
            if s:
                out.append(s)
    return tuple(out)


@main.command("match")
@click.argument("titles", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per title.")
@click.option(
    "--titles",
    "local_titles",
    type=click.Path(dir_okay=False),
    help="CSV of local titles (title,profession_id[,level_id]) that win over the matcher.",
)
def match_cmd(titles: tuple[str, ...], as_json: bool, local_titles: str | None) -> None:
    """Read job TITLES: the profession and level each names, or why it names none.

    Give "-" to read titles from standard input, one a line.

    \b
    Examples:
      pptaxonomy match "Snr Clin Psych - CAMHS" "Trainee PWP" "Staff Nurse"
      pptaxonomy match --json "High Intensity Therapist (Band 7)"
      pptaxonomy match --titles local.csv "Step 3 Practitioner"
    """
    from .matcher import cli_match
    from .matcher.cli import read_lines

    if titles == ("-",):
        titles = tuple(read_lines(getattr(sys.stdin, "buffer", sys.stdin)))
    sys.exit(cli_match(titles, as_json, local_titles))


@main.command("audit")
@click.argument("file", nargs=-1, required=True)
@click.option("--title-column", help="Column holding the job or position title.")
@click.option("--code-column", help="Column holding the NHS occupation code.")
@click.option("--key-column", help="Column identifying a row; the report quotes it.")
@click.option("--band-column", help="Pay band (AfC, Soulbury or a medical grade).")
@click.option("--fte-column", help="Full-time equivalent of the assignment.")
@click.option("--person-column", help="Person identifier: headcount counts distinct persons.")
@click.option("--org-column", help="Organisation.")
@click.option("--area-column", help="Area of Work.")
@click.option("--date-column", help="Census date (several monthly snapshots in one file).")
@click.option(
    "--profile",
    metavar="NAME|PATH",
    help="Column profile naming the columns: esr-staff-in-post, nhs-workforce-statistics, "
    "or a YAML file. A column flag wins over it.",
)
@click.option(
    "--titles",
    "local_titles",
    type=click.Path(dir_okay=False),
    help="CSV of local titles (title,profession_id[,level_id]) that win over the matcher.",
)
@click.option(
    "--baseline",
    "baselines",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Workforce baseline, .csv/.xlsx/.json (repeatable): headcount and FTE by date, "
    "organisation, profession and level.",
)
@click.option(
    "--fixes",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Fix list, .csv/.xlsx/.json (repeatable): one suggested code per contradicting "
    "(title, code).",
)
@click.option(
    "--reconciliation",
    "reconciliations",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="FTE and headcount by occupation code x profession, .csv/.xlsx/.json (repeatable).",
)
@click.option(
    "--suppress-below",
    type=int,
    metavar="N",
    help="In the HTML report, show headcounts under N as '<N' (for reports that leave you).",
)
@click.option(
    "--comparators",
    metavar="NAME|FILE",
    help="National figures to show beside the baseline in the HTML report, marked as other "
    "definitions: 'england' (shipped) or a comparator YAML file.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Row-level output, .csv or .xlsx (every cell text): input columns plus pp_* columns.",
)
@click.option(
    "--excel-csv",
    is_flag=True,
    help="Start the .csv output with a UTF-8 BOM, so that Excel reads it as UTF-8.",
)
@click.option(
    "--report",
    "reports",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Summary report, .json or .html (repeatable).",
)
@click.option("--encoding", help="Input encoding (default: UTF-8, UTF-8/16 BOM, else cp1252).")
@click.option("--sheet", help="XLSX sheet to read (default: the first).")
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    callback=_status_list,
    metavar="STATUS[,STATUS]",
    help="Exit 1 when any row has one of these statuses, or 'skipped' (for pipelines).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the summary as JSON instead of a table."
)
@click.option("--keep-order", is_flag=True, help="Write output rows in the input's order (slower).")
@click.option(
    "--temp-dir",
    type=click.Path(file_okay=False),
    help="Folder for the private copy made of non-UTF-8 or XLSX input (default: TMPDIR).",
)
def audit_cmd(**options) -> None:
    """Audit a staff extract (CSV, XLSX or Parquet): profession, level and code check for
    every row. Give several FILEs or a quoted glob ("esr-2026-*.csv") to audit monthly
    snapshots as one table (same columns in each).

    Output rows are written in parallel and may come in another order than the input's
    (--keep-order keeps it). Exit 0 when the audit ran, whatever it found; 1 when
    --fail-on statuses were found; 2 for an unusable file or argument, or when every row
    was skipped; 130 when interrupted.

    \b
    Examples:
      pptaxonomy audit extract.csv --title-column "Position Title" \\
          --code-column "Occupation Code" --key-column "Assignment Number" \\
          --output audited.csv --report audit.html --report audit.json
      pptaxonomy audit "snapshots/esr-*.parquet" --title-column "Position Title" \\
          --output audited.xlsx
      pptaxonomy audit extract.csv --profile esr-staff-in-post \\
          --baseline baseline.csv --fixes fixes.xlsx --reconciliation recon.csv
    """
    from .audit import cli_audit

    global _fast_exit
    _fast_exit = True
    sys.exit(cli_audit(**options))


@main.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json", "tsv"]),
    default="md",
    show_default=True,
    help="md: release notes for people; json: records; tsv: one change a row.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to a file.")
def diff_cmd(old: str, new: str, fmt: str, output: str | None) -> None:
    """Semantic changes from OLD to NEW, each a taxonomy directory or a git ref.

    Exit 0 when the change keeps the identifier policy (docs/policy.md), 1 when it breaks it
    (id-removed, id-reused, id-reactivated; named on stderr), 2 for a usage error.

    \b
    Examples:
      pptaxonomy diff main taxonomy/
      pptaxonomy diff v0.1.0 HEAD --format json
    """
    from .diff import run_cli

    sys.exit(run_cli(old, new, fmt, output))


@main.command("title-index")
@click.argument("titles", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False),
    help="The index to write: OUT.csv or OUT.parquet (the columns of mappings/title-index).",
)
@click.option(
    "--title-column",
    help="Read the titles from this column of CSV files (default: one title a line).",
)
def title_index_cmd(titles: tuple[str, ...], output: str, title_column: str | None) -> None:
    """Write the SQL path's title index for your own distinct titles.

    TITLES are files of distinct titles (no row-level data): one title a line, or a CSV
    column with --title-column. The output has the rows of mappings/title-index for their
    keys (what the matcher answers), so it can be made outside a secure environment and
    loaded back next to the shipped index (docs/scale.md). Titles that are not printable
    ASCII have no SQL key and are left out (counted on stderr).

    \b
    Examples:
      pptaxonomy title-index our-titles.txt -o our-title-index.csv
      pptaxonomy title-index posts.csv --title-column "Position Title" -o idx.parquet
    """
    from pathlib import Path

    from .export.title_index import TitlesFileError, read_titles, write_index

    out = Path(output)
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise click.UsageError(f"--output {output}: must end in .csv or .parquet")
    paths = [Path(t) for t in titles]
    for p in paths:
        if p.resolve() == out.resolve():
            raise click.UsageError(f"--output {output} is an input file: it would be overwritten")
    found: dict[str, None] = {}
    try:
        for p in paths:
            found.update(dict.fromkeys(read_titles(p, title_column)))
    except TitlesFileError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    from .loader import load

    keys, no_key = write_index(load(), list(found), out)
    click.echo(
        f"{output}: {keys} keys from {len(found)} distinct titles"
        + (
            f"; {no_key} titles have no SQL key (not printable ASCII, or too long)"
            if no_key
            else ""
        ),
        err=True,
    )


@main.command("release-ids")
@click.argument("taxonomy", required=False, type=click.Path(file_okay=False))
@click.option(
    "--output",
    "-o",
    default="releases/released-ids.tsv",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The released-identifiers file to update.",
)
@click.option("--version", "version", help="Release to stamp new rows with (default: VERSION).")
@click.option("--check", is_flag=True, help="Exit 1 when identifiers are not yet listed.")
def release_ids_cmd(taxonomy: str | None, output: str, version: str | None, check: bool) -> None:
    """Add the taxonomy's identifiers to the released-identifiers file (run when releasing).

    Rows already listed are never changed or removed; the validator checks that every listed
    identifier is still defined (released-id-missing) with the same kind (released-id-kind).
    """
    from .diff import run_release_ids

    sys.exit(run_release_ids(taxonomy, output, version, check))


@main.command("rules")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "text"]),
    default="text",
    show_default=True,
    help="md: the page docs/rules.md is generated from.",
)
def rules_cmd(fmt: str) -> None:
    """List every validation rule with its id, severity and fix hint.

    \b
    Example:
      pptaxonomy rules --format md > docs/rules.md
    """
    from .validate import rules_text

    sys.stdout.write(rules_text(fmt))


@main.command("site")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write the site to (replaced if an earlier build wrote it).",
)
@click.option(
    "--taxonomy",
    "taxonomy",
    type=click.Path(exists=True, file_okay=False),
    help="Taxonomy directory (default: the packaged taxonomy).",
)
@click.option(
    "--artefacts",
    "artefacts",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder holding artefacts/ and mappings/ (copied into the site's downloads).",
)
def site_cmd(out: str, taxonomy: str | None, artefacts: str) -> None:
    """Build the static, self-contained browsable site (open OUT/index.html; no server).

    \b
    Example:
      pptaxonomy site --out site
    """
    import pptaxonomy

    from .site import SiteError, build_site

    try:
        files = build_site(pptaxonomy.load(taxonomy), out, artefacts)
    except (SiteError, pptaxonomy.PPTaxonomyError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"error: {out}: cannot write the site ({exc.strerror or exc})", err=True)
        sys.exit(2)
    click.echo(f"site: {len(files)} files in {out}; open {out}/index.html")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
def serve_cmd(host: str, port: int) -> None:
    """Run a read-only FHIR R4 terminology server over the taxonomy (needs the serve extra).

    \b
    Examples:
      pptaxonomy serve
      curl 'http://127.0.0.1:8080/CodeSystem/$lookup?system=https://w3id.org/pptaxonomy/fhir/CodeSystem/pptaxonomy&code=clinical-psychologist'
    """
    try:
        import re2  # noqa: F401  (google-re2: regex filters in linear time)
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401

        from .serve import run
    except ModuleNotFoundError as exc:
        raise click.ClickException(
            f"pptaxonomy serve needs the serve extra ({exc.name} is missing): "
            "pip install 'pptaxonomy[serve]'"
        ) from None
    click.echo(f"pptaxonomy serve: FHIR R4 terminology server on http://{host}:{port}/", err=True)
    run(host, port)
