"""Replay the HL7 terminology ecosystem test cases (../shared/fhir-tx-tests, CC0) on a server.

Each test's setup resources are sent as ``tx-resource`` parameters with its request; the answer
is compared with the expected template by ``compare`` (the rules of the suite's README: ``$..$``
placeholders, ``$optional$``, ``$optional-properties$``, array order never matters; any other
property of the answer is a difference, as in the official runner).

Run as a script to print per-suite figures (starts its own server on 127.0.0.1)::

    .venv/bin/python -m tests.tx_replay [suite ...]
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
}


def tests_folder() -> Path | None:
    """The test-case folder: ``../shared/fhir-tx-tests`` beside the clone (as in CI)."""
    for path in CANDIDATES:
        if (path / "test-cases.json").is_file():
            return path
    return None


# -- the comparator --------------------------------------------------------------------------

_PATTERNS = {
    "$id$": r"[A-Za-z0-9\-\.]{1,64}",
    "$uuid$": r"urn:uuid:[0-9a-fA-F-]{36}",
    "$instant$": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)",
    "$date$": r"\d{4}(-\d\d(-\d\d)?)?",
    "$semver$": r"\d+\.\d+\.\d+.*",
    "$version$": r"\d+\.\d+.*",
    "$url$": r"(https?|urn):\S+",
    "$token$": r"\S+",
}


def _string_ok(expected: str, actual: Any) -> bool:
    if expected == "$$":
        return True
    if expected in _PATTERNS:
        return isinstance(actual, str) and re.fullmatch(_PATTERNS[expected], actual) is not None
    if expected == "$string$":
        return isinstance(actual, str)
    if expected.startswith("$external:"):
        return isinstance(actual, str) and bool(actual)
    if expected.startswith("$choice:"):
        return str(actual) in expected[len("$choice:") : -1].split("|")
    if expected.startswith("$fragments:"):
        parts = expected[len("$fragments:") : -1].split("|")
        return isinstance(actual, str) and all(p in actual for p in parts)
    return expected == actual


def _optional(value: Any) -> bool:
    return isinstance(value, dict) and "$optional$" in value


def compare(expected: Any, actual: Any, path: str = "") -> str | None:
    """None when ``actual`` fits the template ``expected``, else the first difference."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object"
        optional = set(expected.get("$optional-properties$", []))
        for key, value in expected.items():
            if key.startswith("$") and key.endswith("$"):
                continue
            if key not in actual:
                if key in optional or _optional(value):
                    continue
                if isinstance(value, list) and all(_optional(v) for v in value):
                    continue  # an array of optional items only: FHIR JSON omits it when empty
                return f"{path}.{key}: missing"
            why = compare(value, actual[key], f"{path}.{key}")
            if why:
                return why
        for key in actual:
            if key not in expected and key not in optional:
                return f"{path}.{key}: unexpected property"
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected an array"
        return _compare_arrays(expected, actual, path)
    if isinstance(expected, str):
        return None if _string_ok(expected, actual) else f"{path}: {actual!r} != {expected!r}"
    return None if expected == actual else f"{path}: {actual!r} != {expected!r}"


def _compare_arrays(expected: list, actual: list, path: str) -> str | None:
    used: set[int] = set()
    fits = [[j for j, a in enumerate(actual) if compare(item, a) is None] for item in expected]
    # Required items first, the most constrained first, so a loose item cannot take the only
    # answer a strict one fits.
    order = sorted(range(len(expected)), key=lambda i: (_optional(expected[i]), len(fits[i])))
    for i in order:
        item = expected[i]
        hit = next((j for j in fits[i] if j not in used), None)
        if hit is None:
            if _optional(item):
                continue
            near = [compare(item, a, f"{path}[{i}]") for a in actual]
            return near[0] if len(near) == 1 and near[0] else f"{path}[{i}]: no match in array"
        used.add(hit)
    extra = [j for j in range(len(actual)) if j not in used]
    if extra:
        return f"{path}[{extra[0]}]: unexpected array item"
    return None


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


def run_suite(client: Any, folder: Path, suite: dict[str, Any]) -> SuiteResult:
    """Run one suite's tests through ``client`` (an httpx.Client on the server)."""
    result = SuiteResult(suite["name"])
    setup = [_load(folder, rel) for rel in suite.get("setup", []) if (folder / rel).is_file()]
    for test in suite["tests"]:
        name, op = test["name"], test["operation"]
        if test.get("mode"):
            result.not_applicable.append((name, f"mode {test['mode']} only"))
            continue
        if op in ("metadata", "term-caps"):
            path, method, body = "/metadata", "GET", None
            params = {"mode": "terminology"} if op == "term-caps" else {}
        elif op in OPERATION_PATH:
            path, method, params = OPERATION_PATH[op], "POST", {}
            body = _load(folder, test["request"])
            body = {**body, "parameter": list(body.get("parameter", []))}
            if test.get("profile") and (folder / test["profile"]).is_file():
                body["parameter"] += _load(folder, test["profile"]).get("parameter", [])
            body["parameter"] += [{"name": "tx-resource", "resource": r} for r in setup]
        else:
            result.not_applicable.append((name, f"operation {op} is not implemented"))
            continue
        rel = test.get("response:flat") or test["response"]
        if not (folder / rel).is_file():
            result.not_applicable.append((name, "expected response file absent"))
            continue
        expected = _load(folder, rel)
        headers = {"Accept": "application/fhir+json"}
        if test.get("Accept-Language"):
            headers["Accept-Language"] = test["Accept-Language"]
        if method == "GET":
            response = client.get(path, params=params, headers=headers)
        else:
            response = client.post(path, json=body, headers=headers)
        want = str(test.get("http-code", "200"))
        got = str(response.status_code)
        if not (got == want or (want.endswith("xx") and got[0] == want[0])):
            result.failed.append((name, f"HTTP {got}, expected {want}"))
            continue
        try:
            actual = response.json()
        except ValueError:
            result.failed.append((name, "answer is not JSON"))
            continue
        why = compare(expected, actual)
        if why:
            result.failed.append((name, why))
        else:
            result.passed.append(name)
    return result


def run_all(base_url: str, folder: Path, suites: list[str] | None = None) -> list[SuiteResult]:
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
            results.append(run_suite(client, folder, suite))
    return results


def report(results: list[SuiteResult], verbose: bool = False) -> str:
    lines = [f"{'suite':26} {'passed':>6} {'failed':>6} {'n/a':>4} {'rate':>7}"]
    for r in results:
        lines.append(
            f"{r.name:26} {len(r.passed):6} {len(r.failed):6} {len(r.not_applicable):4} "
            f"{r.rate:6.1f}%"
        )
        if verbose:
            lines += [f"    FAIL {n}: {why[:160]}" for n, why in r.failed]
            lines += [f"    N/A  {n}: {why}" for n, why in r.not_applicable]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from tests.serve_support import running_server

    folder = tests_folder()
    if folder is None:
        print("fhir-tx-tests not found beside the clone (../shared/fhir-tx-tests)", file=sys.stderr)
        return 2
    verbose = "-v" in argv
    suites = [a for a in argv if not a.startswith("-")] or None
    with running_server() as base:
        results = run_all(base, folder, suites)
    print(report(results, verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
