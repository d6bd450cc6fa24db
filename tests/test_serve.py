"""``pptaxonomy serve`` on a real loopback port, driven by fhirpy, SMART fhirclient and httpx."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pptaxonomy.export.fhir_codesystems import canonical_url
from tests.serve_support import running_server

TAX = "https://w3id.org/pptaxonomy/fhir/CodeSystem/pptaxonomy"
NHS = canonical_url("nhs-occupation-code")


@pytest.fixture(scope="module")
def base():
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def http(base):
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client


def _params(resource: dict) -> dict:
    out: dict = {}
    for p in resource["parameter"]:
        value = next((v for k, v in p.items() if k.startswith("value") or k == "resource"), p)
        out.setdefault(p["name"], []).append(value)
    return out


def _oo(response: httpx.Response, status: int, issue_type: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == issue_type
    assert "Traceback" not in response.text


# -- real FHIR clients -----------------------------------------------------------------------


def test_fhirpy_searches_and_runs_operations(base):
    from fhirpy import SyncFHIRClient

    client = SyncFHIRClient(base)
    found = client.resources("CodeSystem").search(url=NHS).fetch()
    assert [cs["id"] for cs in found] == ["nhs-occupation-code"]
    assert found[0]["count"] == 945
    result = client.execute(
        "CodeSystem/$lookup", method="get", params={"system": NHS, "code": "S8L"}
    )
    assert _params(result)["display"] == ["Student/Trainee in Applied Psychology"]
    maps = client.resources("ConceptMap").search(**{"target-system": NHS}).fetch()
    assert [m["id"] for m in maps] == ["pptaxonomy-to-nhs-occupation-code"]


def test_smart_fhirclient_parses_our_resources_as_r4(base):
    from fhirclient import client
    from fhirclient.models.codesystem import CodeSystem
    from fhirclient.models.conceptmap import ConceptMap
    from fhirclient.models.valueset import ValueSet

    smart = client.FHIRClient(settings={"app_id": "pptaxonomy-tests", "api_base": base + "/"})
    cs = CodeSystem.read("sds-job-role", smart.server)
    assert cs.status == "retired" and cs.url == canonical_url("sds-job-role")
    vs = ValueSet.read("nhs-occupation-codes-psychological-professions", smart.server)
    assert vs.compose.include[0].system == NHS
    cm = ConceptMap.read("pptaxonomy-to-nhs-occupation-code", smart.server)
    assert cm.group[0].target == NHS


# -- metadata --------------------------------------------------------------------------------


def test_metadata_instantiates_the_terminology_server_statement(http):
    cap = http.get("/metadata").json()
    assert cap["resourceType"] == "CapabilityStatement"
    assert "http://hl7.org/fhir/CapabilityStatement/terminology-server" in cap["instantiates"]
    caps = http.get("/metadata", params={"mode": "terminology"}).json()
    assert caps["resourceType"] == "TerminologyCapabilities"
    assert NHS in {c["uri"] for c in caps["codeSystem"]}
    assert _params(http.get("/$versions").json())["version"] == ["4.0.1"]


# -- operations ------------------------------------------------------------------------------


def test_lookup_of_a_retired_nhs_code_reports_it_inactive(http):
    r = http.get("/CodeSystem/$lookup", params={"system": NHS, "code": "013"})
    props = {
        p["part"][0]["valueCode"]: p["part"][-1]
        for p in r.json()["parameter"]
        if p["name"] == "property"
    }
    assert props["inactive"] == {"name": "value", "valueBoolean": True}
    assert props["status"]["valueCode"] == "retired"


def test_subsumes_group_profession_and_level(http):
    def outcome(a: str, b: str) -> str:
        r = http.get("/CodeSystem/$subsumes", params={"system": TAX, "codeA": a, "codeB": b})
        return _params(r.json())["outcome"][0]

    assert outcome("psychologists", "clinical-psychologist") == "subsumes"
    assert outcome("psychologists", "clinical-psychologist/trainee") == "subsumes"
    assert outcome("clinical-psychologist/trainee", "clinical-psychologist") == "subsumed-by"
    assert outcome("clinical-psychologist", "art-therapist") == "not-subsumed"


def test_expand_filter_finds_acronyms_and_pages(http):
    r = http.get("/ValueSet/pptaxonomy-professions/$expand", params={"filter": "CBT"})
    codes = [c["code"] for c in r.json()["expansion"]["contains"]]
    assert codes[0] == "cbt-therapist"
    everything = http.get("/ValueSet/$expand", params={"url": VS("pptaxonomy-professions")})
    total = everything.json()["expansion"]["total"]
    page = http.get(
        "/ValueSet/pptaxonomy-professions/$expand", params={"count": 5, "offset": 5}
    ).json()["expansion"]
    assert page["total"] == total and len(page["contains"]) == 5
    full = [c["code"] for c in everything.json()["expansion"]["contains"]]
    assert [c["code"] for c in page["contains"]] == full[5:10]


def VS(vid: str) -> str:
    return "https://w3id.org/pptaxonomy/fhir/ValueSet/" + vid


def test_valueset_validate_code_by_code_coding_and_codeableconcept(http):
    vs = VS("nhs-occupation-codes-psychological-professions")
    ok = http.get("/ValueSet/$validate-code", params={"url": vs, "system": NHS, "code": "S8L"})
    assert _params(ok.json())["result"] == [True]
    bad = http.get("/ValueSet/$validate-code", params={"url": vs, "system": NHS, "code": "001"})
    assert _params(bad.json())["result"] == [False]
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "url", "valueUri": vs},
            {
                "name": "codeableConcept",
                "valueCodeableConcept": {"coding": [{"system": NHS, "code": "S8L"}]},
            },
        ],
    }
    assert _params(http.post("/ValueSet/$validate-code", json=body).json())["result"] == [True]


def test_translate_level_codes_without_depends_on_and_r5_names_and_reverse(http):
    r4 = http.get(
        "/ConceptMap/$translate",
        params={"system": TAX, "code": "clinical-psychologist/trainee", "targetsystem": NHS},
    )
    r5 = http.get(
        "/ConceptMap/$translate",
        params={"sourceSystem": TAX, "sourceCode": "clinical-psychologist/trainee",
                "targetSystem": NHS},
    )  # fmt: skip
    codes = [
        part["valueCoding"]["code"]
        for m in _params(r4.json())["match"]
        for part in m["part"]
        if part["name"] == "concept"
    ]
    assert codes and r4.json() == r5.json()
    back = http.get(
        "/ConceptMap/$translate",
        params={"system": NHS, "code": codes[0], "reverse": "true"},
    )
    sources = {
        part["valueCoding"]["code"]
        for m in _params(back.json())["match"]
        for part in m["part"]
        if part["name"] == "concept"
    }
    assert "clinical-psychologist/trainee" in sources


def test_tx_resource_adds_a_code_system_for_one_request(http):
    cs = {
        "resourceType": "CodeSystem",
        "url": "http://example.org/cs",
        "version": "1",
        "status": "active",
        "content": "complete",
        "concept": [{"code": "a", "display": "A"}],
    }
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "system", "valueUri": "http://example.org/cs"},
            {"name": "code", "valueCode": "a"},
            {"name": "tx-resource", "resource": cs},
        ],
    }
    assert _params(http.post("/CodeSystem/$validate-code", json=body).json())["result"] == [True]
    alone = http.get("/CodeSystem/$lookup", params={"system": "http://example.org/cs", "code": "a"})
    _oo(alone, 404, "not-found")  # not kept after the request


def _example_cs(**extra) -> dict:
    """A small tx-resource CodeSystem: en display, de designation, a property per code."""
    return {
        "resourceType": "CodeSystem",
        "url": "http://example.org/cs",
        "version": "1",
        "language": "en",
        "status": "active",
        "content": "complete",
        "property": [{"code": "colour", "uri": "http://example.org/colour", "type": "code"}],
        "concept": [
            {
                "code": "a",
                "display": "Apple",
                "definition": "An apple",
                "designation": [{"language": "de", "value": "Apfel"}],
                "property": [{"code": "colour", "valueCode": "red"}],
            },
            {"code": "b", "display": "Banana"},
        ],
        **extra,
    }


def _example_vs(**extra) -> dict:
    return {
        "resourceType": "ValueSet",
        "url": "http://example.org/vs",
        "version": "2",
        "status": "active",
        "description": "Fruit",
        "compose": {"include": [{"system": "http://example.org/cs"}]},
        **extra,
    }


def _post(http, path: str, *pairs: tuple[str, str, object], resources=()) -> httpx.Response:
    parameter = [{"name": n, k: v} for n, k, v in pairs]
    parameter += [{"name": "tx-resource", "resource": r} for r in resources]
    return http.post(path, json={"resourceType": "Parameters", "parameter": parameter})


def test_expand_returns_asked_for_properties_and_not_the_definition(http):
    r = _post(http, "/ValueSet/$expand", ("url", "valueUri", "http://example.org/vs"),
        ("property", "valueString", "colour"), ("property", "valueString", "definition"),
        resources=[_example_cs(), _example_vs()])  # fmt: skip
    vs = r.json()
    assert r.status_code == 200, r.text
    assert "compose" not in vs and "description" not in vs
    assert vs["expansion"]["property"] == [
        {"code": "colour", "uri": "http://example.org/colour"},
        {"code": "definition", "uri": "http://hl7.org/fhir/concept-properties#definition"},
    ]
    apple, banana = vs["expansion"]["contains"]
    assert apple["property"] == [
        {"code": "colour", "valueCode": "red"},
        {"code": "definition", "valueString": "An apple"},
    ]
    assert "property" not in banana


def test_expand_and_validate_warn_of_a_draft_code_system_and_a_withdrawn_value_set(http):
    withdrawn = _example_vs(extension=[{"url": "http://hl7.org/fhir/StructureDefinition/"
        "structuredefinition-standards-status", "valueCode": "withdrawn"}])  # fmt: skip
    resources = [_example_cs(status="draft"), withdrawn]
    url = ("url", "valueUri", "http://example.org/vs")
    eparams = _params(
        _post(http, "/ValueSet/$expand", url, resources=resources).json()["expansion"]
    )
    assert eparams["warning-draft"] == ["http://example.org/cs|1"]
    assert eparams["warning-withdrawn"] == ["http://example.org/vs|2"]
    plain = _post(http, "/ValueSet/$expand", url, resources=[_example_cs(), _example_vs()])
    assert not {"warning-draft", "warning-withdrawn"} & set(_params(plain.json()["expansion"]))
    coding = ("coding", "valueCoding", {"system": "http://example.org/cs", "code": "a"})
    out = _params(_post(http, "/ValueSet/$validate-code", url, coding, resources=resources).json())
    assert out["result"] == [True]
    texts = {i["details"]["text"] for i in out["issues"][0]["issue"]}
    assert texts == {
        "Reference to draft CodeSystem http://example.org/cs|1",
        "Reference to withdrawn ValueSet http://example.org/vs|2",
    }


def test_validate_checks_the_display_in_the_language_asked_for(http):
    resources = [_example_cs(), _example_vs()]
    url = ("url", "valueUri", "http://example.org/vs")

    def check(display: str, language: str) -> dict:
        coding = {"system": "http://example.org/cs", "code": "a", "display": display}
        return _params(_post(http, "/ValueSet/$validate-code", url,
            ("coding", "valueCoding", coding), ("displayLanguage", "valueCode", language),
            resources=resources).json())  # fmt: skip

    assert check("Apfel", "de")["result"] == [True] and check("Apfel", "de")["display"] == ["Apfel"]
    wrong = check("Apfel", "en")
    assert wrong["result"] == [False] and wrong["display"] == ["Apple"]
    assert "Wrong Display Name 'Apfel'" in wrong["message"][0]
    # No label in French: the default display is accepted, with an information issue.
    none = check("Apple", "fr")
    assert none["result"] == [True]
    assert none["issues"][0]["issue"][0]["severity"] == "information"


def test_use_supplement_merges_designations_or_is_a_404(http):
    supplement = {
        "resourceType": "CodeSystem",
        "url": "http://example.org/cs-nl",
        "version": "1",
        "status": "active",
        "content": "supplement",
        "supplements": "http://example.org/cs",
        "concept": [{"code": "b", "designation": [{"language": "nl", "value": "Banaan"}]}],
    }
    resources = [_example_cs(), _example_vs(), supplement]
    url = ("url", "valueUri", "http://example.org/vs")
    coding = ("coding", "valueCoding",
              {"system": "http://example.org/cs", "code": "b", "display": "Banaan"})  # fmt: skip
    without = _post(http, "/ValueSet/$validate-code", url, coding, resources=resources)
    assert _params(without.json())["result"] == [False]
    use = ("useSupplement", "valueCanonical", "http://example.org/cs-nl")
    with_it = _post(http, "/ValueSet/$validate-code", url, coding, use, resources=resources)
    assert _params(with_it.json())["result"] == [True]
    expansion = _post(http, "/ValueSet/$expand", url, use, resources=resources).json()
    assert _params(expansion["expansion"])["used-supplement"] == ["http://example.org/cs-nl|1"]
    missing = ("useSupplement", "valueCanonical", "http://example.org/nope")
    r = _post(http, "/ValueSet/$validate-code", url, coding, missing, resources=resources)
    _oo(r, 404, "not-found")
    assert r.json()["issue"][0]["details"]["text"] == (
        "Required supplement not found: http://example.org/nope"
    )


def test_membership_only_skips_the_code_system_checks(http):
    url = ("url", "valueUri", "http://example.org/vs")
    coding = ("coding", "valueCoding",
              {"system": "http://example.org/cs", "code": "a", "display": "Wrong"})  # fmt: skip
    resources = [_example_cs(), _example_vs()]
    full = _params(_post(http, "/ValueSet/$validate-code", url, coding, resources=resources).json())
    assert full["result"] == [False]  # the display is wrong
    only = ("valueset-membership-only", "valueBoolean", True)
    r = _post(http, "/ValueSet/$validate-code", url, coding, only, resources=resources)
    assert _params(r.json())["result"] == [True]


def test_infer_system_needs_exactly_one_code_system_with_the_code(http):
    other = {**_example_cs(), "url": "http://example.org/cs2"}
    vs = _example_vs(compose={"include": [{"system": "http://example.org/cs"},
                                          {"system": "http://example.org/cs2"}]})  # fmt: skip
    url = ("url", "valueUri", "http://example.org/vs")
    infer = ("inferSystem", "valueBoolean", True)
    both = _post(http, "/ValueSet/$validate-code", url, ("code", "valueCode", "a"), infer,
                 resources=[_example_cs(), other, vs])  # fmt: skip
    out = _params(both.json())
    assert out["result"] == [False]
    assert "multiple matches: [http://example.org/cs, http://example.org/cs2]" in out["message"][0]
    one = _post(http, "/ValueSet/$validate-code", url, ("code", "valueCode", "a"), infer,
                resources=[_example_cs(), _example_vs()])  # fmt: skip
    assert _params(one.json())["system"] == ["http://example.org/cs"]


# -- errors ----------------------------------------------------------------------------------


def test_bad_requests_answer_with_an_operation_outcome_and_a_4xx(http):
    _oo(http.get("/CodeSystem/$lookup", params={"system": "http://nope", "code": "x"}),
        404, "not-found")  # fmt: skip
    _oo(http.get("/CodeSystem/$lookup", params={"system": TAX}), 400, "required")
    _oo(http.post("/CodeSystem/$lookup", content=b"{not json"), 400, "structure")
    _oo(http.post("/CodeSystem/$lookup", json={"resourceType": "Patient"}), 400, "invalid")
    _oo(http.post("/CodeSystem/$lookup", json={"resourceType": "Parameters", "parameter": 3}),
        400, "invalid")  # fmt: skip
    huge = {"resourceType": "Parameters", "parameter": [{"name": "filter",
            "valueString": "a" * (1024 * 1024)}]}  # fmt: skip
    _oo(http.post("/ValueSet/pptaxonomy-professions/$expand", json=huge), 400, "too-long")
    # httpx caps a URL at 64 kB: the longest GET it sends is refused the same way.
    _oo(http.get("/ValueSet/pptaxonomy-professions/$expand", params={"filter": "a" * 60_000}),
        400, "too-long")  # fmt: skip
    _oo(http.get("/CodeSystem/$frobnicate"), 400, "not-supported")
    _oo(http.get("/Patient/1"), 404, "not-found")
    _oo(http.get("/CodeSystem/no-such-id"), 404, "not-found")


# -- the matcher endpoint --------------------------------------------------------------------


def test_match_endpoint_returns_what_match_json_prints(http):
    titles = ["Trainee PWP", "Staff Nurse"]
    cli = subprocess.run(
        [str(Path(sys.executable).parent / "pptaxonomy"), "match", "--json", *titles],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    expected = [json.loads(line) for line in cli.stdout.splitlines()]
    assert http.get("/match", params={"title": titles[0]}).json() == expected[0]
    assert http.post("/match", json={"titles": titles}).json() == expected
    _oo(http.post("/match", json={"titles": "x"}), 400, "invalid")


# -- syndication feed and FHIR package ------------------------------------------------------

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


def _feed_problems(folder: Path) -> list[str]:
    """What a syndication client would find wrong: a FHIR resource missing from the feed, or
    an entry whose length, hash or url|version does not match the file it links."""
    import hashlib
    import xml.etree.ElementTree as ET

    from pptaxonomy.export.fhir_syndication import ATOM, NCTS

    ns = {"a": ATOM, "n": NCTS}
    root = ET.parse(folder / "syndication.xml").getroot()
    problems, listed = [], set()
    for entry in root.findall("a:entry", ns):
        link = entry.find("a:link", ns)
        name = link.get("href").rsplit("/", 1)[1]
        listed.add(name)
        data = (folder / name).read_bytes()
        resource = json.loads(data)
        if link.get("length") != str(len(data)):
            problems.append(f"{name}: length")
        if link.get(f"{{{ns['n']}}}sha256Hash") != hashlib.sha256(data).hexdigest():
            problems.append(f"{name}: sha256")
        version = entry.find("n:contentItemVersion", ns).text
        if version != f"{resource['url']}|{resource['version']}":
            problems.append(f"{name}: contentItemVersion")
    for f in sorted(folder.glob("*.json")):
        r = json.loads(f.read_bytes())
        if (
            r.get("resourceType") in ("CodeSystem", "ValueSet", "ConceptMap")
            and f.name not in listed
        ):
            problems.append(f"{f.name}: not in the feed")
    return problems


def test_syndication_feed_lists_every_fhir_resource_with_its_hash(tmp_path):
    assert _feed_problems(MAPPINGS) == []
    broken = tmp_path / "mappings"
    broken.mkdir()
    for f in MAPPINGS.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    victim = broken / "pptaxonomy-levels.valueset.json"
    victim.write_bytes(victim.read_bytes().replace(b'"status"', b' "status"', 1))
    (broken / "extra.valueset.json").write_bytes(
        (broken / "pptaxonomy-levels.valueset.json").read_bytes()
    )
    problems = _feed_problems(broken)
    assert "pptaxonomy-levels.valueset.json: sha256" in problems
    assert "extra.valueset.json: not in the feed" in problems


def test_fhir_package_holds_every_resource_and_a_manifest():
    import tarfile

    with tarfile.open(MAPPINGS / "pptaxonomy.fhir.tgz") as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("package/package.json"))
        index = json.load(tar.extractfile("package/.index.json"))
    resources = [json.loads(f.read_bytes()) for f in sorted(MAPPINGS.glob("*.json"))]
    resources = [
        r for r in resources if r.get("resourceType") in ("CodeSystem", "ValueSet", "ConceptMap")
    ]
    assert {f"package/{r['resourceType']}-{r['id']}.json" for r in resources} <= names
    assert len(index["files"]) == len(resources)
    codesystem = json.loads((MAPPINGS / "pptaxonomy.codesystem.json").read_bytes())
    assert manifest["version"] == codesystem["version"]
    assert manifest["fhirVersions"] == ["4.0.1"]
