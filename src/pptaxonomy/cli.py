"""The ``pptaxonomy`` command. Subcommands import their modules lazily so ``--help`` is fast."""

from __future__ import annotations

import sys

import click

EPILOG = """\b
Examples:
  pptaxonomy validate                 check the packaged taxonomy
  pptaxonomy validate taxonomy/       check a working copy
  pptaxonomy lookup PWP               find a profession by a name or acronym
  pptaxonomy codes cbt-therapist trainee
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
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
        click.echo(json.dumps({"id": p.id, "name": p.name, "group": p.group,
                               "status": p.status, "levels": list(p.level_ids)}))
        return
    click.echo(f"{p.id}\t{p.name}\t({tax.groups[p.group].name}; {p.status})")


@main.command()
@click.argument("profession")
@click.argument("level", required=False)
@click.option("--system", "code_system", default="nhs-occupation-code", show_default=True,
              help="Code system to list codes from.")
def codes(profession: str, level: str | None, code_system: str) -> None:
    """List the occupation codes expected for PROFESSION (at LEVEL).

    \b
    Example:
      pptaxonomy codes cbt-therapist trainee
    """
    import pptaxonomy

    tax = pptaxonomy.load()
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
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: file:line:col: rule-id: message (hint); json: one record per problem.")
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
