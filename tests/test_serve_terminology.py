"""``pptaxonomy serve``: concept extensions, supplements, FHIR core content, code system versions
and regex filters, on a real loopback server through httpx (the cases the HL7 suites found)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.serve_support import running_server

SD = "http://hl7.org/fhir/StructureDefinition/"
CP = "http://hl7.org/fhir/concept-properties#"
CS_URL = "http://example.org/cs/ext"


@pytest.fixture(scope="module")
def http():
    with running_server() as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


def _post(http, op: str, *params: dict, resources: tuple = ()) -> httpx.Response:
    body = {
        "resourceType": "Parameters",
        "parameter": [*params, *({"name": "tx-resource", "resource": r} for r in resources)],
    }
    return http.post(op, json=body)


def _by_name(resource: dict) -> dict:
    out: dict = {}
    for p in resource["parameter"]:
        value = next((v for k, v in p.items() if k.startswith("value") or k == "resource"), p)
        out.setdefault(p["name"], []).append(value)
    return out


CODESYSTEM = {
    "resourceType": "CodeSystem",
    "url": CS_URL,
    "version": "1.0.0",
    "status": "active",
    "content": "complete",
    "concept": [
        {
            "code": "a",
            "display": "A",
            "extension": [
                {"url": SD + "codesystem-label", "valueString": "a)"},
                {"url": SD + "itemWeight", "valueDecimal": 1.5},
                {"url": SD + "codesystem-conceptOrder", "valueInteger": 2},
                {"url": SD + "rendering-style", "valueString": "font-weight: bold"},
                {"url": "http://example.org/unknown-extension", "valueString": "not repeated"},
            ],
        },
        {
            "code": "b",
            "display": "B",
            "extension": [
                {"url": SD + "codesystem-conceptOrder", "valueInteger": 1},
                {"url": SD + "structuredefinition-standards-status", "valueCode": "deprecated"},
            ],
        },
    ],
}
SUPPLEMENT = {
    "resourceType": "CodeSystem",
    "url": "http://example.org/cs/ext-supplement",
    "version": "0.1.0",
    "status": "active",
    "content": "supplement",
    "supplements": CS_URL,
    "concept": [{"code": "a", "designation": [{"language": "nl", "value": "aa"}]}],
}


def test_concept_extensions_become_label_weight_order_and_status_properties(http):
    vs = {
        "resourceType": "ValueSet",
        "url": "http://example.org/vs/ext",
        "status": "active",
        "compose": {
            "include": [
                {
                    "system": CS_URL,
                    "concept": [
                        {
                            "code": "a",
                            "extension": [
                                {"url": SD + "valueset-label", "valueString": "(i)"},
                                {"url": SD + "valueset-deprecated", "valueBoolean": True},
                            ],
                        },
                        {"code": "b"},
                    ],
                }
            ]
        },
    }
    r = _post(http, "/ValueSet/$expand", {"name": "valueSet", "resource": vs},
              resources=(CODESYSTEM,))  # fmt: skip
    assert r.status_code == 200, r.text
    expansion = r.json()["expansion"]
    declared = {p["code"]: p["uri"] for p in expansion["property"]}
    assert declared == {"label": CP + "label", "weight": CP + "itemWeight",
                        "order": CP + "order", "status": CP + "status"}  # fmt: skip
    entries = {e["code"]: e for e in expansion["contains"]}
    props_a = {p["code"]: p for p in entries["a"]["property"]}
    assert props_a["label"] == {"code": "label", "valueString": "(i)"}  # the value set's wins
    assert props_a["weight"] == {"code": "weight", "valueDecimal": 1.5}
    assert props_a["order"] == {"code": "order", "valueDecimal": 2}
    assert [e["url"] for e in entries["a"]["extension"]] == [
        SD + "rendering-style",
        SD + "valueset-deprecated",
    ]  # copied; the unknown extension and the ones turned into properties are not
    assert {"code": "status", "valueCode": "deprecated"} in entries["b"]["property"]
    assert "extension" not in entries["b"]


def test_a_supplement_the_value_set_declares_is_applied(http):
    vs = {
        "resourceType": "ValueSet",
        "url": "http://example.org/vs/ext-supplemented",
        "status": "active",
        "extension": [{"url": SD + "valueset-supplement", "valueCanonical": SUPPLEMENT["url"]}],
        "compose": {"include": [{"system": CS_URL}]},
    }
    params = ({"name": "url", "valueUri": vs["url"]},
              {"name": "includeDesignations", "valueBoolean": True})  # fmt: skip
    r = _post(http, "/ValueSet/$expand", *params, resources=(CODESYSTEM, SUPPLEMENT, vs))
    assert r.status_code == 200, r.text
    expansion = r.json()["expansion"]
    used = [p["valueUri"] for p in expansion["parameter"] if p["name"] == "used-supplement"]
    assert used == [SUPPLEMENT["url"] + "|0.1.0"]
    (a,) = [e for e in expansion["contains"] if e["code"] == "a"]
    assert {"language": "nl", "value": "aa"} in a["designation"]
    # A supplement the value set names but the server lacks is refused, as useSupplement is.
    missing = {**vs, "extension": [{"url": SD + "valueset-supplement",
                                    "valueCanonical": "http://example.org/cs/none"}]}  # fmt: skip
    r = _post(http, "/ValueSet/$expand", *params, resources=(CODESYSTEM, missing))
    assert r.status_code == 404
    assert "Required supplement not found" in r.json()["issue"][0]["details"]["text"]


def test_fhir_core_administrative_gender_is_held_and_excludes_apply(http):
    r = http.get(
        "/ValueSet/$expand", params={"url": "http://hl7.org/fhir/ValueSet/administrative-gender"}
    )
    assert r.status_code == 200, r.text
    expansion = r.json()["expansion"]
    assert [c["code"] for c in expansion["contains"]] == ["male", "female", "other", "unknown"]
    used = {p["valueUri"] for p in expansion["parameter"] if p["name"] == "used-codesystem"}
    assert used == {"http://hl7.org/fhir/administrative-gender|4.0.1"}
    vs = {
        "resourceType": "ValueSet",
        "status": "active",
        "compose": {
            "include": [{"valueSet": ["http://hl7.org/fhir/ValueSet/administrative-gender"]},
                        {"system": "http://hl7.org/fhir/publication-status",
                         "concept": [{"code": "active"}]}],
            "exclude": [{"system": "http://hl7.org/fhir/administrative-gender",
                         "concept": [{"code": "other"}, {"code": "unknown"}]}],
        },
    }  # fmt: skip
    r = _post(http, "/ValueSet/$expand", {"name": "valueSet", "resource": vs},
              {"name": "count", "valueInteger": 2})  # fmt: skip
    body = r.json()["expansion"]
    assert body["total"] == 3 and body["offset"] == 0
    # Paging keeps the imported value set's order (the code system's): male, then female.
    assert [c["code"] for c in body["contains"]] == ["male", "female"]
    cs = http.get("/CodeSystem/publication-status").json()
    assert cs["url"] == "http://hl7.org/fhir/publication-status" and cs["version"] == "4.0.1"


VERSIONED = [
    {"resourceType": "CodeSystem", "url": "http://example.org/cs/v", "version": version,
     "status": "active", "content": "complete",
     "concept": [{"code": "c1", "display": f"C1 ({version})"}]}
    for version in ("1.0.0", "1.2.0")
]  # fmt: skip


def _pinned_valueset(version: str) -> dict:
    return {
        "resourceType": "ValueSet",
        "url": "http://example.org/vs/v",
        "status": "active",
        "compose": {"include": [{"system": "http://example.org/cs/v",
                                 **({"version": version} if version else {})}]},
    }  # fmt: skip


def test_validate_code_follows_the_version_the_value_set_fixes(http):
    def validate(pin: str, coding: dict) -> dict:
        vs = {"name": "valueSet", "resource": _pinned_valueset(pin)}
        given = {"name": "coding", "valueCoding": coding}
        r = _post(http, "/ValueSet/$validate-code", vs, given, resources=tuple(VERSIONED))
        assert r.status_code == 200, r.text
        return _by_name(r.json())

    # No version on the coding: checked against the include's 1.0.0, not the newest.
    out = validate("1.0.0", {"system": "http://example.org/cs/v", "code": "c1"})
    assert out["result"] == [True] and out["display"] == ["C1 (1.0.0)"]
    # A wildcard include accepts the coding's 1.0.0.
    out = validate("1.x.x", {"system": "http://example.org/cs/v", "version": "1.0.0", "code": "c1"})
    assert out["result"] == [True] and out["version"] == ["1.0.0"]
    # An include fixed to 1.2.0 contradicts the coding's 1.0.0: false, checked against 1.2.0.
    out = validate("1.2.0", {"system": "http://example.org/cs/v", "version": "1.0.0", "code": "c1"})
    assert out["result"] == [False] and out["version"] == ["1.2.0"]
    (issue,) = out["issues"][0]["issue"]
    assert issue["details"]["coding"][0]["code"] == "vs-invalid"
    assert issue["expression"] == ["Coding.version"]
    # A version the server lacks is named with those it has (the include has none).
    out = validate("", {"system": "http://example.org/cs/v", "version": "9.9.9", "code": "c1"})
    assert out["result"] == [False]
    assert "Valid versions: 1.0.0 or 1.2.0" in out["message"][0]
    assert out["x-caused-by-unknown-system"] == ["http://example.org/cs/v|9.9.9"]
    warning = [i for i in out["issues"][0]["issue"] if i["severity"] == "warning"]
    assert "versionless include" in warning[0]["details"]["text"]  # it defaulted to 1.2.0


def test_a_catastrophic_regex_filter_is_answered_at_once_and_a_backreference_refused(http):
    codes = ["a" * 56, "a" * 56 + "Y", "b"]
    cs = {"resourceType": "CodeSystem", "url": "http://example.org/cs/re", "status": "active",
          "content": "complete", "concept": [{"code": c} for c in codes]}  # fmt: skip

    def expand(pattern: str) -> httpx.Response:
        vs = {"resourceType": "ValueSet", "status": "active", "compose": {"include": [
            {"system": cs["url"], "filter": [{"property": "code", "op": "regex",
                                              "value": pattern}]}]}}  # fmt: skip
        return _post(http, "/ValueSet/$expand", {"name": "valueSet", "resource": vs},
                     resources=(cs,))  # fmt: skip

    t0 = time.perf_counter()
    r = expand("(a+)+")  # Python's re backtracks for longer than the test's 10 s timeout here
    assert time.perf_counter() - t0 < 2
    assert r.status_code == 200, r.text
    assert [c["code"] for c in r.json()["expansion"]["contains"]] == ["a" * 56]
    r = expand(r"(a)\1")
    assert r.status_code == 400
    assert r.json()["issue"][0]["code"] == "invalid"
    assert "back-references" in r.json()["issue"][0]["details"]["text"]


def test_expansion_display_follows_the_language_asked_for(http):
    cs = {"resourceType": "CodeSystem", "url": "http://example.org/cs/lang", "language": "en",
          "status": "active", "content": "complete",
          "concept": [{"code": "c1", "display": "Display 1",
                       "designation": [{"language": "de", "value": "Anzeige 1"},
                                       {"language": "de-CH", "value": "Anzeige 1 (CH)"}]},
                      {"code": "c2", "display": "Display 2"}]}  # fmt: skip
    vs = {"resourceType": "ValueSet", "url": "http://example.org/vs/lang", "status": "active",
          "compose": {"include": [{"system": cs["url"]}]}}  # fmt: skip

    def expand(*params: dict) -> dict:
        r = _post(http, "/ValueSet/$expand", {"name": "url", "valueUri": vs["url"]},
                  {"name": "includeDesignations", "valueBoolean": True}, *params,
                  resources=(cs, vs))  # fmt: skip
        assert r.status_code == 200, r.text
        return {e["code"]: e for e in r.json()["expansion"]["contains"]}

    got = expand({"name": "displayLanguage", "valueCode": "de"})
    assert got["c1"]["display"] == "Anzeige 1"
    assert {"language": "en", "value": "Display 1"} in [
        {k: d[k] for k in ("language", "value")} for d in got["c1"]["designation"]
    ]  # the code system's own display is now a designation
    assert got["c2"]["display"] == "Display 2"  # no German: the default display
    got = expand({"name": "displayLanguage", "valueCode": "de,*; q=0"})
    assert "display" not in got["c2"]  # no other language is acceptable
    got = expand({"name": "designation", "valueString": "urn:ietf:bcp:47|de"})
    assert got["c1"]["designation"] == [{"language": "de", "value": "Anzeige 1"}]  # not de-CH


TREE_CS = {
    "resourceType": "CodeSystem", "url": "http://example.org/cs/tree", "version": "1",
    "status": "active", "content": "complete",
    "concept": [
        {"code": "top", "display": "Top",
         "property": [{"code": "status", "valueCode": "retired"}],
         "concept": [{"code": "mid", "display": "Mid",
                      "concept": [{"code": "leaf", "display": "Mid leaf"}]}]},
        {"code": "other", "display": "Other"},
    ],
}  # fmt: skip


def _tree_expand(http, compose: dict, *params: dict) -> dict:
    vs = {"resourceType": "ValueSet", "url": "http://example.org/vs/tree", "status": "active",
          "compose": compose}  # fmt: skip
    r = _post(http, "/ValueSet/$expand", {"name": "url", "valueUri": vs["url"]}, *params,
              resources=(TREE_CS, vs))  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()["expansion"]


def _shape(contains: list) -> list:
    return [(c["code"], _shape(c.get("contains", []))) for c in contains]


def test_expansion_nests_children_under_their_parents_unless_it_cannot(http):
    whole = {"include": [{"system": TREE_CS["url"]}]}
    exp = _tree_expand(http, whole)
    assert _shape(exp["contains"]) == [("top", [("mid", [("leaf", [])])]), ("other", [])]
    assert exp["total"] == 4
    # excludeNested, enumerated concepts, a page and a text filter over a whole code system
    # each give the flat list.
    flat = [("top", []), ("mid", []), ("leaf", []), ("other", [])]
    exp = _tree_expand(http, whole, {"name": "excludeNested", "valueBoolean": True})
    assert _shape(exp["contains"]) == flat
    codes = [{"code": c} for c in ("top", "mid", "leaf", "other")]
    listed = {"include": [{"system": TREE_CS["url"], "concept": codes}]}
    assert _shape(_tree_expand(http, listed)["contains"]) == flat
    paged = _tree_expand(http, whole, {"name": "count", "valueInteger": 2})
    assert _shape(paged["contains"]) == flat[:2]
    found = _tree_expand(http, whole, {"name": "filter", "valueString": "Mid"})
    assert sorted(_shape(found["contains"])) == [("leaf", []), ("mid", [])]
    # A child whose parent is not in the expansion goes under its nearest ancestor that is.
    active = _tree_expand(http, whole, {"name": "activeOnly", "valueBoolean": True})
    assert _shape(active["contains"]) == [("mid", [("leaf", [])]), ("other", [])]
    is_a = [{"property": "concept", "op": "is-a", "value": "mid"}]
    isa = {"include": [{"system": TREE_CS["url"], "filter": is_a}]}
    assert _shape(_tree_expand(http, isa)["contains"]) == [("mid", [("leaf", [])])]


def test_expansion_gives_a_concept_that_is_not_active_a_status_property(http):
    exp = _tree_expand(http, {"include": [{"system": TREE_CS["url"]}]},
                       {"name": "excludeNested", "valueBoolean": True})  # fmt: skip
    by_code = {c["code"]: c for c in exp["contains"]}
    assert by_code["top"]["property"] == [{"code": "status", "valueCode": "retired"}]
    assert by_code["top"]["inactive"] is True
    assert "property" not in by_code["mid"]
    assert {"code": "status", "uri": CP + "status"} in exp["property"]


def test_terminology_capabilities_say_expansions_are_hierarchical(http):
    r = http.get("/metadata", params={"mode": "terminology"})
    assert r.json()["expansion"]["hierarchical"] is True


def test_validate_code_reports_a_concept_status_and_batch_validation_runs_each_call(http):
    vs = {"resourceType": "ValueSet", "url": "http://example.org/vs/tree-all", "status": "active",
          "compose": {"include": [{"system": TREE_CS["url"]}]}}  # fmt: skip

    def coding(code: str) -> dict:
        return {"name": "coding", "valueCoding": {"system": TREE_CS["url"], "code": code}}

    r = _post(http, "/ValueSet/$validate-code", {"name": "url", "valueUri": vs["url"]},
              coding("top"), resources=(TREE_CS, vs))  # fmt: skip
    assert {"name": "status", "valueCode": "retired"} in r.json()["parameter"]
    r = _post(http, "/ValueSet/$validate-code", {"name": "url", "valueUri": vs["url"]},
              coding("mid"), resources=(TREE_CS, vs))  # fmt: skip
    assert "status" not in _by_name(r.json())

    def call(*params: dict) -> dict:
        return {"name": "validation", "resource": {"resourceType": "Parameters",
                                                   "parameter": list(params)}}  # fmt: skip

    r = _post(http, "/ValueSet/$batch-validate-code", {"name": "url", "valueUri": vs["url"]},
              call(coding("mid")), call(coding("nope")), call({"name": "codingX"}),
              resources=(TREE_CS, vs))  # fmt: skip
    assert r.status_code == 200, r.text
    answers = [p["resource"] for p in r.json()["parameter"]]
    assert [p["name"] for p in r.json()["parameter"]] == ["validation"] * 3
    assert _by_name(answers[0])["result"] == [True]
    assert _by_name(answers[1])["result"] == [False]
    assert answers[2]["resourceType"] == "OperationOutcome"  # one bad call does not stop the rest
    r = _post(http, "/ValueSet/$batch-validate-code", {"name": "url", "valueUri": vs["url"]},
              resources=(TREE_CS, vs))  # fmt: skip
    assert r.status_code == 400


def _versioned(version: str) -> dict:
    return {"resourceType": "CodeSystem", "url": "http://example.org/cs/ver", "version": version,
            "status": "active", "content": "complete",
            "concept": [{"code": "c", "display": f"C {version}"}]}  # fmt: skip


def test_check_system_version_chooses_checks_and_refuses_versions(http):
    versions = (_versioned("1.0.0"), _versioned("1.2.0"))
    url = "http://example.org/cs/ver"
    free = {"resourceType": "ValueSet", "url": "http://example.org/vs/ver-free",
            "status": "active", "compose": {"include": [{"system": url}]}}  # fmt: skip
    include_12 = {"system": url, "version": "1.2.0"}
    pinned = {"resourceType": "ValueSet", "url": "http://example.org/vs/ver-12",
              "status": "active", "compose": {"include": [include_12]}}  # fmt: skip
    check = {"name": "check-system-version", "valueCanonical": f"{url}|1.0.x"}

    def expand(vs: dict) -> httpx.Response:
        return _post(http, "/ValueSet/$expand", {"name": "url", "valueUri": vs["url"]}, check,
                     resources=(*versions, free, pinned))  # fmt: skip

    r = expand(free)  # a versionless include takes the newest version the check allows
    assert r.status_code == 200, r.text
    exp = r.json()["expansion"]
    assert exp["contains"][0]["display"] == "C 1.0.0"
    assert {"name": "check-system-version", "valueUri": f"{url}|1.0.x"} in exp["parameter"]
    r = expand(pinned)  # the value set fixes a version the check refuses
    assert r.status_code == 422
    issue = r.json()["issue"][0]
    assert issue["code"] == "exception"
    assert issue["details"]["coding"][0]["code"] == "version-error"
    coding = {"name": "coding", "valueCoding": {"system": url, "code": "c"}}
    r = _post(http, "/ValueSet/$validate-code", {"name": "url", "valueUri": pinned["url"]},
              coding, check, resources=(*versions, pinned))  # fmt: skip
    got = _by_name(r.json())
    assert got["result"] == [False]
    texts = [i["details"]["text"] for i in got["issues"][0]["issue"]]
    assert any("required to be '1.0.x' by a version-check parameter" in t for t in texts)


def test_a_coding_version_that_does_not_exist_is_reported_beside_the_mismatch(http):
    versions = (_versioned("1.0.0"), _versioned("1.2.0"))
    url = "http://example.org/cs/ver"
    vs = {"resourceType": "ValueSet", "url": "http://example.org/vs/ver-10", "status": "active",
          "compose": {"include": [{"system": url, "version": "1.0.0"}]}}  # fmt: skip
    coding = {"name": "coding", "valueCoding": {"system": url, "version": "2.4.0", "code": "c"}}
    r = _post(http, "/ValueSet/$validate-code", {"name": "url", "valueUri": vs["url"]}, coding,
              resources=(*versions, vs))  # fmt: skip
    got = _by_name(r.json())
    assert got["result"] == [False]
    assert got["x-caused-by-unknown-system"] == [f"{url}|2.4.0"]
    codes = sorted(i["details"]["coding"][0]["code"] for i in got["issues"][0]["issue"])
    assert codes == ["not-found", "vs-invalid"]


def test_an_unknown_coding_version_against_a_version_a_parameter_chose_is_an_error(http):
    versions = (_versioned("1.0.0"), _versioned("1.2.0"))
    url = "http://example.org/cs/ver"
    vs = {"resourceType": "ValueSet", "url": "http://example.org/vs/ver-any", "status": "active",
          "compose": {"include": [{"system": url}]}}  # fmt: skip
    coding = {"name": "coding", "valueCoding": {"system": url, "version": "2.4.0", "code": "c"}}

    def mismatch(*params: dict) -> dict:
        r = _post(http, "/ValueSet/$validate-code", {"name": "url", "valueUri": vs["url"]},
                  coding, *params, resources=(*versions, vs))  # fmt: skip
        issues = _by_name(r.json())["issues"][0]["issue"]
        return next(i for i in issues if i["code"] == "invalid")

    assert mismatch()["severity"] == "warning"  # the server's own default version
    chosen = mismatch({"name": "system-version", "valueCanonical": f"{url}|1.0.0"})
    assert chosen["severity"] == "error"
    assert "version '1.0.0' resulting from the version ''" in chosen["details"]["text"]


def test_a_forced_version_does_not_hide_an_unknown_coding_version(http):
    versions = (_versioned("1.0.0"), _versioned("1.2.0"))
    url = "http://example.org/cs/ver"
    vs = {"resourceType": "ValueSet", "url": "http://example.org/vs/ver-all", "status": "active",
          "compose": {"include": [{"system": url}]}}  # fmt: skip
    coding = {"system": url, "version": "2.4.0", "code": "c"}
    force = {"name": "force-system-version", "valueCanonical": f"{url}|1.0.x"}
    given = {"name": "coding", "valueCoding": coding}
    r = _post(http, "/ValueSet/$validate-code", {"name": "url", "valueUri": vs["url"]},
              given, force, resources=(*versions, vs))  # fmt: skip
    got = _by_name(r.json())
    assert got["result"] == [False]
    assert got["x-caused-by-unknown-system"] == [f"{url}|2.4.0"]
    # In a CodeableConcept the unknown version is the reason, not "no valid coding".
    r = _post(http, "/ValueSet/$validate-code", {"name": "url", "valueUri": vs["url"]},
              {"name": "codeableConcept", "valueCodeableConcept": {"coding": [coding]}},
              resources=(*versions, vs))  # fmt: skip
    texts = [i["details"]["text"] for i in _by_name(r.json())["issues"][0]["issue"]]
    assert not any(t.startswith("No valid coding") for t in texts), texts
    assert any("version '2.4.0' could not be found" in t for t in texts)
