"""`pptaxonomy build`: freshness of the committed artefacts, determinism, atomic writes, CSV safety.

Each artefact family is checked by its own ecosystem's validator in test_artefacts.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pptaxonomy.export import atomic
from pptaxonomy.export.atomic import TEMP_PREFIX, atomic_write_bytes
from pptaxonomy.export.crosswalk import CSV_COLUMNS, FORMULA_PREFIXES, write_csv
from tests.build_support import REPO, built_tree, tree, variant_taxonomy

BUILD = "from pptaxonomy.cli import main; main()"


def run_build(out: Path, seed: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-c", BUILD, "build", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=out.parent,
        check=False,
    )


def test_the_build_writes_every_artefact_family():
    files = tree(built_tree())
    expected = {
        "artefacts/pptaxonomy.schema.json",
        "artefacts/pptaxonomy.json",
        "artefacts/pptaxonomy.owl.ttl",
        "artefacts/pptaxonomy.shacl.ttl",
        "artefacts/pptaxonomy.ttl",
        "artefacts/pptaxonomy.jsonld",
        "mappings/pptaxonomy.codesystem.json",
        "mappings/csv-metadata.json",
    }
    assert expected <= set(files)
    for system in ("nhs-occupation-code", "sds-job-role", "soc-2020", "isco-08", "esco-occupation"):
        for suffix in (".csv", ".sssom.tsv", ".conceptmap.json"):
            assert f"mappings/{system}{suffix}" in files


# -- freshness ----------------------------------------------------------------------------------


def test_committed_artefacts_are_fresh():
    """Rebuild into a temporary folder; every committed artefact must be byte-identical."""
    fresh, committed = tree(built_tree()), tree(REPO)
    missing = sorted(set(fresh) - set(committed))
    stale = sorted(rel for rel in set(fresh) & set(committed) if fresh[rel] != committed[rel])
    orphans = sorted(set(committed) - set(fresh))
    problems = [f"{rel}: not committed" for rel in missing]
    problems += [f"{rel}: differs from a fresh build" for rel in stale]
    problems += [f"{rel}: no longer produced by the build; delete it" for rel in orphans]
    assert not problems, (
        "run `make check` (it validates and regenerates these) and commit:\n  "
        + "\n  ".join(problems)
    )


# -- determinism ----------------------------------------------------------------------------


def test_two_builds_under_different_hash_seeds_are_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    runs = [run_build(a, "1"), run_build(b, "4242")]
    for run in runs:
        assert run.returncode == 0, run.stderr
        # LinkML's deprecation warnings are silenced by explicit generator flags.
        assert run.stderr == "", run.stderr
    ta, tb = tree(a), tree(b)
    assert ta and set(ta) == set(tb)
    assert [rel for rel in ta if ta[rel] != tb[rel]] == []
    # ... and identical to a build in this process (another hash seed again).
    in_process = tree(built_tree())
    assert [rel for rel in ta if ta[rel] != in_process.get(rel)] == []


def _text(rel: str, data: bytes) -> str:
    """An artefact as text; a workbook (a zip of XML parts) or a FHIR package (a gzipped tar
    of JSON files) as its parts' text; a Parquet file as its key-value metadata."""
    if rel.endswith(".tgz"):
        import io
        import tarfile

        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            return "\n".join(tar.extractfile(m).read().decode("utf-8") for m in tar.getmembers())
    if rel.endswith(".parquet"):
        import tempfile

        import duckdb

        with tempfile.NamedTemporaryFile(suffix=".parquet") as fh:
            fh.write(data)
            fh.flush()
            kv = duckdb.sql(f"SELECT key, value FROM parquet_kv_metadata('{fh.name}')").fetchall()
        return "\n".join(f"{k.decode()}: {v.decode()}" for k, v in kv)
    if rel.endswith(".xlsx"):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(z.read(n).decode("utf-8") for n in z.namelist())
    return data.decode("utf-8")


def test_no_artefact_carries_a_build_date():
    for rel, data in tree(built_tree()).items():
        text = _text(rel, data)
        for key in ("mapping_date", "publication_date", "generation_date", "lastUpdated"):
            assert key not in text, f"{rel} carries {key}"


def test_every_artefact_carries_the_data_version_and_source_checksums():
    from pptaxonomy.export.provenance import sha256_file

    schema_sha = sha256_file(REPO / "schema" / "pptaxonomy.yaml")
    version = (REPO / "taxonomy" / "VERSION").read_text(encoding="utf-8").strip()
    files = tree(built_tree())
    csvw = json.loads(files["mappings/csv-metadata.json"])
    for rel, data in files.items():
        text = _text(rel, data)
        if not rel.endswith("title-index.csv"):  # a lookup table: its metadata says it
            assert version in text, f"{rel} lacks the data version"
        if rel.endswith(".csv"):
            # A CSV has no header to hold it: its CSVW metadata file carries the provenance.
            assert {"url": Path(rel).name} in [{"url": t["url"]} for t in csvw["tables"]]
            text = files["mappings/csv-metadata.json"].decode("utf-8")
        assert schema_sha in text, f"{rel} lacks the schema checksum"
        if "schema" not in rel and "owl" not in rel and "shacl" not in rel:
            assert "taxonomy/VERSION" in text, f"{rel} lacks the taxonomy file checksums"


# -- atomic writes ----------------------------------------------------------------------------


def _temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(f"{TEMP_PREFIX}*")]


def test_atomic_write_keeps_the_old_file_when_the_rename_fails(tmp_path, monkeypatch):
    target = tmp_path / "a.csv"
    target.write_bytes(b"old, complete\n")

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new" * 100_000)
    assert target.read_bytes() == b"old, complete\n"
    assert _temp_files(tmp_path) == []


def test_a_build_failing_while_generating_replaces_nothing(tmp_path, monkeypatch):
    """Generation happens in memory; a failure there leaves the previous tree untouched."""
    from pptaxonomy._data import schema_path
    from pptaxonomy.export import build as build_mod
    from pptaxonomy.export import fhir

    variant_tax, _ = variant_taxonomy()
    out = tmp_path / "out"
    before = tree(built_tree())
    for rel, data in before.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    calls = {"n": 0}
    real = fhir.conceptmap

    def fail_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("generator failed mid-build")
        return real(*args, **kwargs)

    monkeypatch.setattr(fhir, "conceptmap", fail_on_third)
    with pytest.raises(RuntimeError, match="mid-build"):
        build_mod.build(out, taxonomy_root=variant_tax, schema_file=schema_path())
    assert calls["n"] == 3
    assert tree(out) == before
    assert _temp_files(out) == []


def test_a_build_failing_while_writing_leaves_only_whole_files(tmp_path, monkeypatch):
    """A failure in the write phase leaves each artefact either the old or the new one."""
    from pptaxonomy._data import schema_path
    from pptaxonomy.export import build as build_mod

    variant_tax, variant_out = variant_taxonomy()
    new = tree(variant_out)
    out = tmp_path / "out"
    old = tree(built_tree())
    for rel, data in old.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    real_replace = os.replace
    calls = {"n": 0}

    def replace_then_fail(src, dst):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace_then_fail)
    with pytest.raises(OSError, match="disk full"):
        build_mod.build(out, taxonomy_root=variant_tax, schema_file=schema_path())
    now = tree(out)
    assert set(now) >= set(old)
    replaced = [rel for rel in now if now[rel] == new.get(rel) and now[rel] != old.get(rel)]
    assert len(replaced) == 4
    for rel, data in now.items():
        assert data in (old.get(rel), new.get(rel)), f"{rel} is neither the old nor the new file"
    assert _temp_files(out) == []


def test_the_cli_reports_a_failed_build_and_exits_2(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "artefacts").write_text("a file where a folder should be", encoding="utf-8")
    run = run_build(out, "0")
    assert run.returncode == 2
    assert run.stderr.startswith("error: build failed")
    assert not (out / "mappings").exists()  # nothing was written


# -- CSV safety ---------------------------------------------------------------------------------


def _csv_files() -> dict[str, list[dict[str, str]]]:
    out = {}
    for rel, data in tree(built_tree()).items():
        if rel.endswith(".csv") and not rel.endswith("title-index.csv"):
            out[rel] = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    return out


def test_no_csv_cell_starts_with_a_formula_character():
    for rel, data in tree(built_tree()).items():
        if not rel.endswith(".csv"):
            continue
        for line_no, row in enumerate(csv.reader(io.StringIO(data.decode(), newline="")), 1):
            for cell in row:
                assert not cell.startswith(FORMULA_PREFIXES), f"{rel}:{line_no}: {cell!r}"


def test_csv_codes_are_the_taxonomy_codes_as_text(tax):
    for rel, rows in _csv_files().items():
        system = Path(rel).name.removesuffix(".csv")
        expected = {m.code for m in tax.mappings if m.code_system == system and not m.no_match}
        assert {r["code"] for r in rows if r["no_match"] == "false"} == expected, rel
        assert list(rows[0]) == [c for c, _ in CSV_COLUMNS]


@pytest.mark.parametrize("code", ["001", "0123", "S8L", "R1310", "2229/09", "0A1", "1e5", "01/02"])
def test_codes_with_leading_zeros_or_letters_survive_a_csv_round_trip(code):
    data = write_csv(["code", "name"], [[code, "x"]])
    assert f'"{code}"'.encode() in data  # quoted: a spreadsheet import sees text
    (row,) = csv.DictReader(io.StringIO(data.decode(), newline=""))
    assert row["code"] == code


@pytest.mark.parametrize("cell", ["=1+1", "+44 20", "-5", "@SUM(A1)", "=HYPERLINK(1)", "\tx"])
def test_formula_like_cells_are_neutralised(cell):
    rows = list(csv.reader(io.StringIO(write_csv(["c"], [[cell]]).decode(), newline="")))
    written = rows[1][0]
    assert not written.startswith(FORMULA_PREFIXES)
    assert written.lstrip("'") == cell.strip()


def test_nhs_table_has_one_row_per_profession_level_and_code(tax):
    rows = _csv_files()["mappings/nhs-occupation-code.csv"]
    keys = [(r["profession_id"], r["level_id"], r["code"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r["level_id"] for r in rows)
    for p in tax:
        for r in (r for r in rows if r["profession_id"] == p.id):
            assert r["level_id"] in p.level_ids
    curated = {
        (m.profession, m.level, m.code)
        for m in tax.mappings
        if m.code_system == "nhs-occupation-code" and m.level and not m.no_match
    }
    assert curated <= set(keys)
    trainee_pwp = {
        r["code"]
        for r in rows
        if r["profession_id"] == "psychological-wellbeing-practitioner"
        and r["level_id"] == "trainee"
    }
    assert trainee_pwp == set(
        tax.occupation_codes_for("psychological-wellbeing-practitioner", "trainee")
    )


# -- the command line ---------------------------------------------------------------------------


def test_the_cli_module_does_not_import_linkml_or_rdflib():
    code = (
        "import sys; import pptaxonomy.cli; "
        "heavy = ('linkml', 'linkml_runtime', 'rdflib'); "
        "bad = [m for m in sys.modules if m.split('.')[0] in heavy]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout


def test_the_docs_describe_every_artefact_and_csv_column():
    docs = (REPO / "docs" / "artefacts.md").read_text(encoding="utf-8")
    for column, _ in CSV_COLUMNS:
        assert f"| `{column}` |" in docs, column
    for rel in tree(built_tree()):
        name = rel.split("/", 1)[1]
        name = re.sub(r"^[a-z0-9-]+\.valueset\.json$", "<id>.valueset.json", name)
        for system in ("nhs-occupation-code", "sds-job-role", "soc-2020", "isco-08"):
            name = name.replace(system, "<system>")
        name = name.replace("esco-occupation", "<system>")
        assert f"`{rel.split('/')[0]}/{name}`" in docs, rel


def test_the_build_needs_no_network(monkeypatch):
    """No remote JSON-LD context or import is fetched: every socket connection fails here."""
    import socket

    from pptaxonomy.export.build import generate
    from pptaxonomy.export.common import load_inputs

    def no_network(*_args, **_kwargs):
        raise OSError("network access attempted during the build")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    files = generate(load_inputs())
    assert files == tree(built_tree())


def test_every_profession_has_a_row_or_an_explicit_no_match_in_every_table(tax):
    """A consumer can tell "no code exists" (a no-match row) from "not yet mapped" (no row)."""
    tables = _csv_files()
    gaps = []
    for rel, rows in tables.items():
        covered = {(r["profession_id"], r["level_id"]) for r in rows}
        for p in tax:
            if p.is_deprecated:
                continue
            if rel.endswith("nhs-occupation-code.csv"):
                gaps += [
                    f"{rel}: {p.id} at {lv}" for lv in p.level_ids if (p.id, lv) not in covered
                ]
            elif not any(pid == p.id for pid, _ in covered):
                gaps.append(f"{rel}: {p.id}")
    assert not gaps, "add a mapping or a no_match row:\n  " + "\n  ".join(gaps)
