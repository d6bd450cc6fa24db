"""The HL7 terminology test replay: its comparator, and a replay of suites on a real server."""

from __future__ import annotations

import copy

import pytest

from tests.serve_support import running_server
from tests.tx_replay import compare, run_all
from tests.tx_replay import tests_folder as hl7_tests_folder

FOLDER = hl7_tests_folder()
needs_cases = pytest.mark.skipif(
    FOLDER is None, reason="../shared/fhir-tx-tests (the HL7 test cases) is absent"
)


def test_comparator_placeholders_optional_and_order():
    expected = {
        "$optional-properties$": ["date"],
        "id": "$id$",
        "ts": "$instant$",
        "items": [{"code": "a"}, {"code": "b"}, {"$optional$": True, "code": "c"}],
    }
    actual = {
        "id": "x1",
        "ts": "2026-01-01T00:00:00+00:00",
        "items": [{"code": "b"}, {"code": "a"}],
    }
    assert compare(expected, actual) is None
    broken = copy.deepcopy(actual)
    broken["items"][0]["code"] = "z"
    assert compare(expected, broken) is not None
    assert compare(expected, {**actual, "extra": 1}) == ".extra: unexpected property"
    assert compare(expected, {**actual, "ts": "yesterday"}) is not None


@needs_cases
def test_replay_runs_every_case_of_a_suite_on_a_real_server():
    with running_server() as base:
        (result,) = run_all(base, FOLDER, ["case"])
    assert len(result.passed) + len(result.failed) + len(result.not_applicable) == 6
    # Floor measured when the replay was written (docs/serve.md); a regression fails here.
    assert len(result.passed) == 6, result.failed  # 6 of 6 on 2 December 2026


# Floors measured on 3 December 2026 (docs/serve.md); a regression below one fails here.
FLOORS = {
    "simple-cases": 15,
    "parameters": 34,
    "validation": 52,
    "errors": 7,
    "deprecated": 11,
    "inactive": 12,
    "translate": 2,
    "exclude": 8,
    "search": 6,
    "version": 167,
    "regex-bad": 2,
    "language": 25,
    "notSelectable": 49,
    "batch": 1,
}
# With the runner's command-line scrubber (extensions it does not list removed) two fewer pass:
# parameters' enum-definitions3 and deprecated's vs-deprecation want a standards-status
# extension that scrubber removes.
SCRUBBED_FLOORS = {"parameters": 33, "deprecated": 10}


@needs_cases
def test_replay_keeps_each_suite_at_or_above_its_floor():
    with running_server() as base:
        results = run_all(base, FOLDER, list(FLOORS))
    assert {r.name for r in results} == set(FLOORS)
    below = {r.name: r.failed for r in results if len(r.passed) < FLOORS[r.name]}
    assert not below, below


@needs_cases
def test_replay_with_scrubbed_extensions_keeps_its_floors():
    with running_server() as base:
        results = run_all(base, FOLDER, list(SCRUBBED_FLOORS), tight=False)
    below = {r.name: r.failed for r in results if len(r.passed) < SCRUBBED_FLOORS[r.name]}
    assert not below, below


def test_tight_scrub_keeps_every_extension_and_pattern_mode_allows_more():
    from tests.tx_replay import scrub

    vs = {
        "resourceType": "ValueSet",
        "extension": [{"url": "http://example.org/x", "valueString": "y"}],
    }
    assert "extension" not in scrub(vs)  # not on the runner's kept list
    assert scrub(vs, tight=True)["extension"] == vs["extension"]
    expected = {"a": 1, "items": [{"code": "x"}]}
    actual = {"a": 1, "b": 2, "items": [{"code": "y"}, {"code": "x", "more": True}]}
    assert compare(expected, actual) is not None
    assert compare(expected, actual, pattern=True) is None  # /metadata is compared so
    assert compare(expected, {"a": 1, "items": [{"code": "y"}]}, pattern=True) is not None


def test_scrub_drops_what_the_runner_drops_and_sorts_message_parts():
    from tests.tx_replay import scrub

    oo = {
        "resourceType": "OperationOutcome",
        "text": {"status": "generated"},
        "extension": [{"url": "http://example.org/x", "valueString": "y"}, {"url": "local"}],
        "issue": [
            {"severity": "error", "code": "invalid", "details": {"text": "a"}, "diagnostics": "d"},
            {"severity": "information", "code": "informational", "diagnostics": "only"},
        ],
    }
    assert scrub(oo) == {
        "resourceType": "OperationOutcome",
        "extension": [{"url": "local"}],
        "issue": [{"severity": "error", "code": "invalid", "details": {"text": "a"}}],
    }
    params = {
        "resourceType": "Parameters",
        "parameter": [{"name": "message", "valueString": "b; a"}],
    }
    assert scrub(params)["parameter"][0]["valueString"] == "a; b"


def test_optional_filters_follow_mode_and_fhir_version():
    expected = {
        "items": [
            {"$optional$": "version:5", "code": "r5"},
            {"$optional$": "version:4", "code": "r4"},
            {"$optional$": "!tx.fhir.org", "code": "tx"},
        ]
    }
    assert compare(expected, {"items": [{"code": "r5"}]}) is None
    assert compare(expected, {"items": [{"code": "r4"}]}) is not None  # version:5 is required
    assert compare({"t": "$external:1:Display 1X$"}, {"t": "wrong display 'display 1x'"}) is None
    assert compare({"t": "$external:1:Display 1X$"}, {"t": "wrong display"}) is not None
