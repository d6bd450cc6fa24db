"""Replay the HL7 terminology ecosystem test cases (../shared/fhir-tx-tests, CC0) on a server.

Each test's setup resources are sent as ``tx-resource`` parameters with its request; the answer
is compared with the expected template by ``compare`` (the rules of the suite's README: ``$..$``
placeholders, ``$optional$``, ``$optional-properties$``, array order never matters; any other
property of the answer is a difference, as in the official runner).

Run as a script to print per-suite figures (starts its own server on 127.0.0.1)::

    .venv/bin/python -m tests.tx_replay [-v] [--scrub-extensions] [--dump=FOLDER] [suite ...]

By default the answer is compared as org.hl7.fhir.core runs the reference server against these
cases (``ExternalTerminologyServiceTests``: ``new TxTester(..., tight=true, ...)``), so no
extension of the answer is removed first. ``--scrub-extensions`` compares as the runner's
command line does without ``-tight``: extensions it does not list are removed first.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CANDIDATES = (REPO.parent / "shared" / "fhir-tx-tests", Path("/work/shared/fhir-tx-tests"))
GENERAL_SUITES = (
    "simple-cases", "parameters", "validation", "translate", "errors", "inactive",
    "deprecated", "case", "exclude", "search",
)  # fmt: skip
OPERATION_PATH = {
    "expand": "/ValueSet/$expand",
    "validate-code": "/ValueSet/$validate-code",
    "cs-validate-code": "/CodeSystem/$validate-code",
    "lookup": "/CodeSystem/$lookup",
    "translate": "/ConceptMap/$translate",
    "batch-validate": "/ValueSet/$batch-validate-code",
}


def tests_folder() -> Path | None:
    """The test-case folder: ``../shared/fhir-tx-tests`` beside the clone (as in CI)."""
    for path in CANDIDATES:
        if (path / "test-cases.json").is_file():
            return path
    return None


# -- the comparator --------------------------------------------------------------------------

MODES = frozenset({"general"})
"""The runner modes this replay runs in: ``general`` only. The runner takes its modes from the
command line (``-modes``), and ``flat`` is for "a server that does not - and can not - return a
hierarchical expansion" (the test set's readme). This server nests an expansion as the reference
server does (TerminologyCapabilities ``expansion.hierarchical`` true), so it is tested, as the
reference server tests itself (FHIRsmith tx/tests/test-runner.js: modes without ``flat``),
against the ``response`` files, not ``response:flat``."""
FHIR_VERSION = "4.0.1"

_PATTERNS = {
    "$instant$": r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):"
    r"[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
    "$uuid$": r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "$id$": r"[A-Za-z0-9\-\.]{1,64}",
    "$date$": r"\d{4}(-\d\d(-\d\d)?)?",
    "$semver$": r"\d+\.\d+\.\d+(-[0-9A-Za-z\-\.]+)?(\+[0-9A-Za-z\-\.]+)?",
    "$url$": r"(https?|urn):\S+",
    "$token$": r"\S+",
    "$string$": r"\S(.*\S)?",
}
# Extensions the runner keeps when it scrubs an answer (TxTesterScrubbers, non-tight mode);
# any other extension with an absolute URL is removed before the comparison.
_KEPT_EXTENSIONS = frozenset(
    "http://hl7.org/fhir/StructureDefinition/" + name
    for name in (
        "codesystem-alternate", "codesystem-conceptOrder", "codesystem-label",
        "coding-sctdescid", "itemWeight", "rendering-style", "rendering-xhtml", "translation",
        "valueset-concept-definition", "valueset-conceptOrder", "valueset-deprecated",
        "valueset-label", "valueset-supplement", "alternate-code-use", "alternate-code-status",
    )
) | frozenset(
    "http://hl7.org/fhir/test/" + name
    for name in (
        "CodeSystem/de-multi", "CodeSystem/en-multi",
        "StructureDefinition/unknown-extension-1", "StructureDefinition/unknown-extension-3",
        "StructureDefinition/unknown-extension-4", "StructureDefinition/unknown-extension-5",
        "ValueSet/extensions-bad-supplement", "ValueSet/simple-all",
        "ValueSet/simple-enumerated", "ValueSet/simple-filter-isa",
    )
)  # fmt: skip


def _fragments_ok(spec: str, actual: str) -> bool:
    return all(f.lower() in actual.lower() for f in spec.split("|"))


def _string_ok(expected: str, actual: Any) -> bool:
    """Does ``actual`` fit the template string ``expected`` (the runner's placeholders)?"""
    if not isinstance(actual, str):
        return False
    if expected.startswith("$") and expected.endswith("$") and len(expected) > 1:
        body = expected[1:-1]
        if expected == "$$":
            return True
        if expected in _PATTERNS:
            return re.fullmatch(_PATTERNS[expected], actual) is not None
        if expected == "$version$":
            return actual == FHIR_VERSION
        if body.startswith("choice:"):
            return actual in body[len("choice:") :].split("|")
        if body.startswith("fragments:"):
            return _fragments_ok(body[len("fragments:") :], actual)
        if body.startswith("external:"):
            # No externals file: $external:N$ accepts any text, $external:N:a|b$ needs the
            # fragments a and b (case-insensitive), as the runner does without -externals.
            parts = body.split(":", 2)
            return len(parts) < 3 or _fragments_ok(parts[2], actual)
    if "$version$" in expected:
        return actual == expected.replace("$version$", FHIR_VERSION)
    return expected == actual


def _flag_applies(flag: Any) -> bool:
    """Whether an ``$optional$`` / ``$only$`` filter holds for this run (R4, ``MODES``)."""
    if flag is True:
        return True
    if not isinstance(flag, str):
        return False
    if flag.startswith("warning:"):
        return True
    if flag.startswith("version:"):
        return FHIR_VERSION.startswith(flag[len("version:") :])
    if flag.startswith("!"):
        return flag[1:] not in MODES
    return flag in MODES


def _optional(value: Any) -> bool:
    return isinstance(value, dict) and "$optional$" in value and _flag_applies(value["$optional$"])


def _excluded(value: Any) -> bool:
    """An ``$only$`` item whose filter fails: it must not be in the answer at all."""
    return isinstance(value, dict) and "$only$" in value and not _flag_applies(value["$only$"])


def compare(expected: Any, actual: Any, path: str = "", pattern: bool = False) -> str | None:
    """None when ``actual`` fits the template ``expected``, else the first difference.

    ``pattern`` is the runner's pattern mode (``CompareUtilities.setPatternMode``, which it
    uses for /metadata and TerminologyCapabilities only): properties the template does not
    name are allowed, and an array need only hold an item for each of the template's."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {actual!r:.60}"
        optional = set(expected.get("$optional-properties$", []))
        counted = set(expected.get("$count-arrays$", []))
        for key in actual:
            # A name in $optional-properties$ that the template leaves out may still be sent
            # (e.g. an expansion's compose): it is not compared.
            if key not in expected and key not in optional and not pattern:
                return f"{path}.{key}: unexpected property"
        for key, value in expected.items():
            if key.startswith("$") and key.endswith("$"):
                continue
            if key not in actual:
                if key in optional or "*" in optional:
                    continue
                if isinstance(value, list) and all(_optional(v) for v in value):
                    continue  # only optional items: FHIR JSON leaves the empty array out
                return f"{path}.{key}: missing"
            if key in counted:
                if not isinstance(actual[key], list) or len(actual[key]) != len(value):
                    return f"{path}.{key}: array item count differs"
                continue
            why = compare(value, actual[key], f"{path}.{key}", pattern)
            if why:
                return why
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected an array"
        return _compare_arrays(expected, actual, path, pattern)
    if isinstance(expected, str):
        return None if _string_ok(expected, actual) else f"{path}: {actual!r} != {expected!r}"
    if isinstance(expected, bool) or isinstance(actual, bool):
        ok = isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
        return None if ok else f"{path}: {actual!r} != {expected!r}"
    return None if expected == actual else f"{path}: {actual!r} != {expected!r}"


def _label(item: Any) -> str:
    if isinstance(item, dict):
        for key in ("name", "code", "url", "severity"):
            if isinstance(item.get(key), str):
                return f"{key}={item[key]}"
    return repr(item)[:40]


def _compare_arrays(expected: list, actual: list, path: str, pattern: bool = False) -> str | None:
    """Array order never matters (the test cases' readme); every answer item must be used."""
    expected = [e for e in expected if not _excluded(e)]
    required = [e for e in expected if not _optional(e)]
    if (len(actual) > len(expected) and not pattern) or len(actual) < len(required):
        return (
            f"{path}: {len(actual)} items, expected {len(required)}"
            + (f" to {len(expected)}" if len(expected) != len(required) else "")
            + f" (answer: {', '.join(_label(a) for a in actual)})"
        )
    used: set[int] = set()
    fits = [
        [j for j, a in enumerate(actual) if compare(item, a, pattern=pattern) is None]
        for item in expected
    ]
    # Required items first, the most constrained first, so a loose item cannot take the only
    # answer a strict one fits.
    order = sorted(range(len(expected)), key=lambda i: (_optional(expected[i]), len(fits[i])))
    for i in order:
        item = expected[i]
        hit = next((j for j in fits[i] if j not in used), None)
        if hit is None:
            if _optional(item):
                continue
            return _nearest_miss(item, actual, f"{path}[{_label(item)}]", pattern)
        used.add(hit)
    extra = [j for j in range(len(actual)) if j not in used]
    if extra and not pattern:
        return f"{path}[{_label(actual[extra[0]])}]: unexpected array item"
    return None


def _nearest_miss(item: Any, actual: list, path: str, pattern: bool = False) -> str:
    same = [a for a in actual if _label(a) == _label(item)] or actual
    reasons = [compare(item, a, path, pattern) for a in same]
    return reasons[0] if len(reasons) == 1 else f"{path}: no match in array"


def scrub(resource: Any, tight: bool = False) -> Any:
    """The answer as the runner compares it (TxTesterScrubbers and TxTesterSorters): no
    narrative or meta, unmanaged extensions dropped from a ValueSet or OperationOutcome (none
    when ``tight``, the runner's -tight mode), an OperationOutcome without ``diagnostics``, and
    a validate-code message's "; "-joined parts sorted."""
    if not isinstance(resource, dict):
        return resource
    out = {k: v for k, v in resource.items() if k not in ("text", "meta")}
    rtype = out.get("resourceType")
    if rtype in ("ValueSet", "OperationOutcome") and not tight:
        out = _drop_extensions(out)
    if rtype == "OperationOutcome":
        issues = [i for i in out.get("issue", []) if "details" in i or "diagnostics" not in i]
        out["issue"] = [{k: v for k, v in i.items() if k != "diagnostics"} for i in issues]
    if rtype == "Parameters":
        # TxTesterSorters.sortParameters: the nested Parameters of a batch answer likewise.
        out["parameter"] = [
            {**p, "resource": scrub(p["resource"], tight)}
            if isinstance(p, dict)
            and isinstance(p.get("resource"), dict)
            and p["resource"].get("resourceType") == "Parameters"
            else _sorted_message(p)
            for p in out.get("parameter", [])
        ]
    return out


def _drop_extensions(node: Any, key: str = "") -> Any:
    if isinstance(node, list):
        return [_drop_extensions(n, key) for n in node]
    if not isinstance(node, dict) or key == "compose":
        return node
    out = {}
    for k, v in node.items():
        if k == "extension" and isinstance(v, list):
            v = [e for e in v if _kept_extension(e)]
            if not v:
                continue
        out[k] = _drop_extensions(v, k)
    return out


def _kept_extension(ext: Any) -> bool:
    url = ext.get("url", "") if isinstance(ext, dict) else ""
    return not re.match(r"^[a-z][a-z0-9+.-]*:", url) or url in _KEPT_EXTENSIONS


def _sorted_message(p: Any) -> Any:
    if isinstance(p, dict) and p.get("name") == "message" and "; " in p.get("valueString", ""):
        return {**p, "valueString": "; ".join(sorted(p["valueString"].split("; ")))}
    return p


# -- the runner ------------------------------------------------------------------------------


@dataclass
class SuiteResult:
    name: str
    passed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    not_applicable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        run = len(self.passed) + len(self.failed)
        return 100.0 * len(self.passed) / run if run else 0.0


def _load(folder: Path, rel: str) -> Any:
    return json.loads((folder / rel).read_text(encoding="utf-8-sig"))


def _choose(test: dict[str, Any], name: str) -> str | None:
    """``request`` / ``response``, or its ``name:mode`` variant for a mode of this run."""
    for mode in sorted(MODES):
        if f"{name}:{mode}" in test:
            return test[f"{name}:{mode}"]
    return test.get(name)


def _skip_reason(test: dict[str, Any]) -> str | None:
    if test.get("mode") and test["mode"] not in MODES:
        return f"mode {test['mode']} only"
    version = test.get("version")
    if version and FHIR_VERSION.startswith(version.lstrip("!")) == version.startswith("!"):
        return f"FHIR version {version} only"
    if test["operation"] not in (*OPERATION_PATH, "metadata", "term-caps"):
        return f"operation {test['operation']} is not implemented"
    return None


def run_suite(
    client: Any,
    folder: Path,
    suite: dict[str, Any],
    dump: Path | None = None,
    tight: bool = True,
) -> SuiteResult:
    """Run one suite's tests through ``client`` (an httpx.Client on the server).

    As the official runner does: the suite's setup resources go with each request as
    ``tx-resource``, then the test's profile (``parameters-default.json`` when it names none);
    the answer is scrubbed (``scrub``) and compared with ``compare``. With ``dump``, the
    scrubbed answer of each failing test is written there under the expected file's name.
    ``tight`` (the default) keeps every extension of the answer (the runner's -tight mode).
    """
    result = SuiteResult(suite["name"])
    setup = [_load(folder, rel) for rel in suite.get("setup", []) if (folder / rel).is_file()]
    for test in suite["tests"]:
        name, op = test["name"], test["operation"]
        why_not = _skip_reason(test)
        if why_not:
            result.not_applicable.append((name, why_not))
            continue
        rel = _choose(test, "response")
        if not (folder / rel).is_file():
            result.not_applicable.append((name, f"expected response {rel} is not in the test set"))
            continue
        headers = {"Accept": "application/fhir+json"}
        if test.get("Accept-Language"):
            headers["Accept-Language"] = test["Accept-Language"]
        header = test.get("header")
        if isinstance(header, dict) and header.get("mode", "general") in MODES:
            headers[header["name"]] = header["value"]
        if op in ("metadata", "term-caps"):
            params = {"mode": "terminology"} if op == "term-caps" else {}
            response = client.get("/metadata", params=params, headers=headers)
        else:
            body = _load(folder, _choose(test, "request"))
            body = {**body, "parameter": list(body.get("parameter", []))}
            body["parameter"] += [{"name": "tx-resource", "resource": r} for r in setup]
            profile = test.get("profile") or "parameters-default.json"
            body["parameter"] += _load(folder, profile).get("parameter", [])
            if "lenient-display" in test:
                body["parameter"].append(
                    {"name": "lenient-display-validation", "valueBoolean": test["lenient-display"]}
                )
            response = client.post(OPERATION_PATH[op], json=body, headers=headers)
        expected = _load(folder, rel)
        want = str(test.get("http-code", "200"))
        got = str(response.status_code)
        if not (got == want or (want.endswith("xx") and got[0] == want[0])):
            result.failed.append((name, f"HTTP {got}, expected {want}: {response.text[:300]}"))
            continue
        try:
            actual = scrub(response.json(), tight)
        except ValueError:
            result.failed.append((name, "answer is not JSON"))
            continue
        why = compare(expected, actual, pattern=op in ("metadata", "term-caps"))
        if why:
            result.failed.append((name, why))
            if dump is not None:
                target = dump / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(actual, indent=2, ensure_ascii=False))
        else:
            result.passed.append(name)
    return result


def run_all(
    base_url: str,
    folder: Path,
    suites: list[str] | None = None,
    dump: Path | None = None,
    tight: bool = True,
) -> list[SuiteResult]:
    import httpx

    cases = _load(folder, "test-cases.json")
    results = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for suite in cases["suites"]:
            if suites and suite["name"] not in suites:
                continue
            if suite.get("mode") not in (None, "general"):
                continue
            if not all((folder / rel).is_file() for rel in suite.get("setup", [])):
                continue  # removed from the shared copy (big/)
            results.append(run_suite(client, folder, suite, dump, tight))
    return results


def report(results: list[SuiteResult], verbose: bool = False) -> str:
    lines = [f"{'suite':26} {'passed':>6} {'failed':>6} {'n/a':>4} {'rate':>7}"]
    for r in results:
        lines.append(
            f"{r.name:26} {len(r.passed):6} {len(r.failed):6} {len(r.not_applicable):4} "
            f"{r.rate:6.1f}%"
        )
        if verbose:
            lines += [f"    FAIL {n}: {why[:300]}" for n, why in r.failed]
            lines += [f"    N/A  {n}: {why}" for n, why in r.not_applicable]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from tests.serve_support import running_server

    folder = tests_folder()
    if folder is None:
        print("fhir-tx-tests not found beside the clone (../shared/fhir-tx-tests)", file=sys.stderr)
        return 2
    verbose = "-v" in argv
    dump = next((Path(a.split("=", 1)[1]) for a in argv if a.startswith("--dump=")), None)
    tight = "--scrub-extensions" not in argv
    suites = [a for a in argv if not a.startswith("-")] or None
    with running_server() as base:
        results = run_all(base, folder, suites, dump, tight)
    print(report(results, verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
