"""Builds shared by the artefact tests: each runs once per test session, into a temporary folder.

* ``built_tree()``: the artefacts of the shipped taxonomy.
* ``variant_taxonomy()``: a copy of the taxonomy with a different data version and one
  deprecated profession (with a replacement and crosswalk rows), and its built artefacts.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import textwrap
from functools import cache
from pathlib import Path

from pptaxonomy._data import schema_path, taxonomy_dir

REPO = Path(__file__).resolve().parents[1]
ARTEFACT_DIRS = ("artefacts", "mappings")

DEPRECATED_ID = "iapt-high-intensity-therapist"
REPLACEMENT_ID = "cbt-therapist"
VARIANT_VERSION = "9.9.9-test"

DEPRECATED_YAML = f"""
professions:
  - id: {DEPRECATED_ID}
    name: IAPT high intensity therapist (test entry)
    group: psychological-therapists
    core_twelve: false
    profession_status: deprecated
    deprecated: true
    replaced_by: {REPLACEMENT_ID}
    deprecation_reason: A test entry standing for a title withdrawn when IAPT was renamed.
    description: A test entry for a withdrawn profession title.
    regulation_kind: none
    levels_held:
      - level: qualified
        confidence: inferred
        sources: [hee-taxonomy]
    sources: [hee-taxonomy]
mappings:
  - {{profession: {DEPRECATED_ID}, level: qualified, code_system: nhs-occupation-code, code: S1M,
     predicate: broadMatch, justification: LogicalReasoning, confidence: inferred,
     sources: [ocm-v22-1]}}
  - {{profession: {DEPRECATED_ID}, code_system: sds-job-role, no_match: true,
     predicate: exactMatch, justification: ManualMappingCuration, confidence: inferred,
     sources: [uk-core-sds-job-role-name]}}
"""


def _tmpdir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@cache
def built_tree() -> Path:
    """Build the shipped taxonomy once, in this process."""
    from pptaxonomy.export.build import build

    out = _tmpdir("pptaxonomy-build-")
    build(out)
    return out


@cache
def variant_taxonomy() -> tuple[Path, Path]:
    """(taxonomy directory, built artefacts) of the variant taxonomy."""
    from pptaxonomy.export.build import build

    root = _tmpdir("pptaxonomy-variant-")
    tax = root / "taxonomy"
    shutil.copytree(taxonomy_dir(), tax)
    (tax / "VERSION").write_text(VARIANT_VERSION + "\n", encoding="utf-8")
    path = tax / "professions" / f"{DEPRECATED_ID}.yaml"
    path.write_text(textwrap.dedent(DEPRECATED_YAML).lstrip(), encoding="utf-8")
    out = root / "out"
    build(out, taxonomy_root=tax, schema_file=schema_path())
    return tax, out


def tree(root: Path) -> dict[str, bytes]:
    """Every artefact file under ``root`` (relative path -> bytes)."""
    files = {}
    for d in ARTEFACT_DIRS:
        for p in sorted((root / d).rglob("*")):
            if p.is_file():
                files[p.relative_to(root).as_posix()] = p.read_bytes()
    return files
