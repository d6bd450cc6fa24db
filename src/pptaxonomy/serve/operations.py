"""The terminology operations: $lookup, $validate-code, $subsumes, $expand and $translate.

Each takes the request's ``Store`` (with any ``tx-resource`` added) and its ``Params`` and
returns a FHIR resource as a dict, or raises ``FhirError`` (rendered as an OperationOutcome).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from . import concept_extensions, safe_regex
from .errors import FhirError
from .params import Params
from .resources import CodeSystemIndex, Concept, Store, flat_concepts, version_matches

TX_ISSUE = "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"
CONCEPT_PROPERTIES = "http://hl7.org/fhir/concept-properties"
STANDARDS_STATUS = "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status"
VS_DEPRECATED = "http://hl7.org/fhir/StructureDefinition/valueset-deprecated"
PREFERRED = {
    "system": "http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra",
    "code": "preferredForLanguage",
    "display": "Preferred For Language",
}
EXPANSION_PARAMETER = "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter"
MAX_EXPANSION = 10_000


def _param(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"name": name, "valueBoolean": value}
    if isinstance(value, int):
        return {"name": name, "valueInteger": value}
    if isinstance(value, dict) and "resourceType" in value:
        return {"name": name, "resource": value}
    if isinstance(value, dict) and "system" in value:
        return {"name": name, "valueCoding": value}
    if isinstance(value, dict) and "coding" in value:
        return {"name": name, "valueCodeableConcept": value}
    key = {
        "code": "valueCode",
        "normalized-code": "valueCode",
        "system": "valueUri",
        "outcome": "valueCode",
        "status": "valueCode",
    }.get(name, "valueString")
    if name.startswith("x-") and name.endswith("system"):
        key = "valueCanonical"
    return {"name": name, key: value}


def parameters(*pairs: tuple[str, Any]) -> dict[str, Any]:
    """A Parameters resource from (name, value) pairs; None values are left out."""
    return {
        "resourceType": "Parameters",
        "parameter": [_param(n, v) for n, v in pairs if v is not None],
    }


def _issue(severity: str, code: str, tx_code: str, text: str, where: str | None) -> dict:
    issue: dict[str, Any] = {
        "severity": severity,
        "code": code,
        "details": {"coding": [{"system": TX_ISSUE, "code": tx_code}], "text": text},
    }
    if where:
        issue["location"] = [where]
        issue["expression"] = [where]
    return issue


def _codesystem(store: Store, system: str | None, version: str | None) -> CodeSystemIndex:
    if not system:
        raise FhirError(400, "required", "a code system (system or url) is required")
    cs = store.codesystem(system, version)
    if cs is None:
        known = store.versions("CodeSystem", system)
        if known and version:
            raise FhirError(
                404,
                "not-found",
                f"A definition for CodeSystem '{system}' version '{version}' could not be "
                f"found, so the code cannot be validated. Valid versions: {', '.join(known)}",
            )
        raise FhirError(
            404,
            "not-found",
            f"A definition for CodeSystem '{system}' could not be found, so the code cannot "
            "be validated",
        )
    return cs


def _coding_in(params: Params, code_names=("code",), system_names=("system", "url")) -> dict:
    """The Coding a request names: ``coding``, or ``code`` with ``system`` and ``version``."""
    coding = params.get("coding")
    if isinstance(coding, dict):
        return coding
    code = params.str(*code_names)
    if code is None:
        raise FhirError(400, "required", "a code (code, coding or codeableConcept) is required")
    out = {"code": code}
    system = params.str(*system_names)
    if system:
        out["system"] = system
    version = params.str("version", "systemVersion")
    if version:
        out["version"] = version
    display = params.str("display")
    if display:
        out["display"] = display
    return out


# -- $lookup ---------------------------------------------------------------------------------


def lookup(store: Store, params: Params, cs_id: str | None = None) -> dict[str, Any]:
    """CodeSystem/$lookup: name, version, display, definition, designations and properties."""
    coding = _coding_in(params)
    if cs_id:
        coding.setdefault("system", store.read("CodeSystem", cs_id).get("url"))
    cs = _codesystem(store, coding.get("system"), coding.get("version"))
    concept = cs.get(coding["code"])
    if concept is None:
        raise FhirError(
            404,
            "not-found",
            f"Unknown code '{coding['code']}' in the CodeSystem '{cs.url}'"
            + (f" version '{cs.version}'" if cs.version else ""),
        )
    wanted = {str(v) for v in params.all("property")}
    out: list[dict[str, Any]] = [
        {"name": "code", "valueCode": concept.code},
        {"name": "system", "valueUri": cs.url},
        {"name": "name", "valueString": cs.resource.get("name", cs.url)},
    ]
    if cs.version:
        out.append({"name": "version", "valueString": cs.version})
    if concept.display:
        out.append({"name": "display", "valueString": concept.display})
    if concept.definition:
        out.append({"name": "definition", "valueString": concept.definition})
    out.append({"name": "abstract", "valueBoolean": concept.abstract})
    designations = list(concept.designations)
    if concept.display and cs.resource.get("language"):
        # The display is the preferred term in the code system's language.
        designations.append(
            {"language": cs.resource["language"], "use": PREFERRED, "value": concept.display}
        )
    sources = _designation_sources(store, cs, concept.code)
    for d in designations:
        parts = []
        if d.get("language"):
            parts.append({"name": "language", "valueCode": d["language"]})
        source = sources.get((d.get("language"), d.get("value")))
        if source:
            parts.append({"name": "source", "valueCanonical": source})
        if d.get("use"):
            parts.append({"name": "use", "valueCoding": d["use"]})
        parts.append({"name": "value", "valueString": d.get("value", "")})
        out.append({"name": "designation", "part": parts})

    def want(code: str) -> bool:
        return not wanted or code in wanted or "*" in wanted

    props: list[tuple[str, str, Any, str | None]] = []
    for p in concept.properties:
        key = next((k for k in p if k.startswith("value")), None)
        if key:
            props.append((p["code"], key, p[key], None))
    if not any(p[0] == "inactive" for p in props):
        props.append(("inactive", "valueBoolean", concept.inactive, None))
    for parent in concept.parents:
        if not any(p[0] == "parent" and p[2] == parent for p in props):
            desc = cs.concepts[parent].display if parent in cs.concepts else None
            props.append(("parent", "valueCode", parent, desc))
    for child in concept.children:
        props.append(("child", "valueCode", child, cs.concepts[child].display))
    for code, key, value, desc in props:
        if not want(code):
            continue
        parts = [{"name": "code", "valueCode": code}]
        if desc:
            parts.append({"name": "description", "valueString": desc})
        parts.append({"name": "value", key: value})
        out.append({"name": "property", "part": parts})
    for used in cs.used_supplements:
        out.append({"name": "used-supplement", "valueCanonical": used})
    return {"resourceType": "Parameters", "parameter": out}


def _designation_sources(
    store: Store, cs: CodeSystemIndex, code: str
) -> dict[tuple[str | None, str | None], str]:
    """(language, value) of each designation of ``code`` a merged supplement brought in
    -> that supplement's url|version."""
    out: dict[tuple[str | None, str | None], str] = {}
    for label in cs.used_supplements:
        supplement = store.find("CodeSystem", label) or {}
        for item in flat_concepts(supplement.get("concept") or []):
            if item.get("code") == code:
                for d in item.get("designation", []):
                    out[(d.get("language"), d.get("value"))] = label
    return out


# -- $validate-code --------------------------------------------------------------------------


def _codings(
    params: Params, system_names: tuple[str, ...] = ("system", "url")
) -> tuple[list[dict[str, Any]], str, dict | None]:
    cc = params.get("codeableConcept")
    if isinstance(cc, dict):
        return list(cc.get("coding") or []), "CodeableConcept", cc
    coding = params.get("coding")
    if isinstance(coding, dict):
        return [coding], "Coding", None
    return [_coding_in(params, system_names=system_names)], "", None


def _check_display(concept: Concept, display: str | None, allowed: list[str] | None = None) -> bool:
    """Is ``display`` one of the concept's labels (or of ``allowed``, the labels in the
    languages asked for), ignoring case and surrounding space?"""
    if not display:
        return True
    wanted = display.strip().lower()
    labels = concept.labels if allowed is None else allowed
    return any(wanted == t.strip().lower() for t in labels if t)


def _display_languages(params: Params, vs: dict[str, Any] | None) -> list[str]:
    """The languages a display should be in, first choice first: the ``displayLanguage``
    parameter, else the value set's own displayLanguage expansion parameter, else the
    request's Accept-Language, else the value set's language; [] when none is asked for."""
    text = _display_language_asked(params, vs) or (vs or {}).get("language")
    tags = [t.split(";")[0].strip().lower() for t in (text or "").split(",")]
    return [t for t in dict.fromkeys(tags) if t and t != "*"]


BCP47 = "urn:ietf:bcp:47"


def _designation_wanted(designation: dict[str, Any], wanted: list[str]) -> bool:
    """Does a designation fit the ``designation`` parameters (``urn:ietf:bcp:47|lang`` for
    exactly that language tag, ``system|code`` for a use)? All do when none is given."""
    if not wanted:
        return True
    use = designation.get("use") or {}
    language = str(designation.get("language") or "").lower()
    for w in wanted:
        system, _, code = w.partition("|")
        if system == BCP47 and language == code.lower():  # exact: de is not de-CH
            return True
        if system != BCP47 and use.get("system") == system and use.get("code") == code:
            return True
    return False


def _display_language_asked(params: Params, vs: dict[str, Any] | None) -> str | None:
    """The display language an expansion reports it was asked for, as it was asked: the
    ``displayLanguage`` parameter, else the value set's own, else Accept-Language."""
    text = params.str("displayLanguage")
    compose = (vs or {}).get("compose") or {}
    for ext in compose.get("extension", ()) if not text else ():
        parts = {e.get("url"): e for e in ext.get("extension", ())}
        if ext.get("url") == EXPANSION_PARAMETER and parts.get("name", {}).get("valueCode") == (
            "displayLanguage"
        ):
            text = parts.get("value", {}).get("valueCode")
    return text or params.accept_language or None


def _displays_in(cs: CodeSystemIndex, concept: Concept, languages: list[str]) -> list[str]:
    """The concept's display and designations in ``languages``, in their order; a label of
    no stated language (nor the code system's) counts as any language."""
    default = cs.resource.get("language")
    labels = [(concept.display, default)]
    labels += [(d.get("value"), d.get("language") or default) for d in concept.designations]
    out: list[str] = []
    for want in languages:
        for text, lang in labels:
            tag = (lang or "").lower()
            if text and (not tag or tag == want or tag.startswith(want + "-")):
                out.append(text)
    return list(dict.fromkeys(out))


def validate_code_cs(store: Store, params: Params, cs_id: str | None = None) -> dict[str, Any]:
    """CodeSystem/$validate-code: is the code in the code system (and is the display right)?"""
    codings, kind, cc = _codings(params)
    if cs_id:
        url = store.read("CodeSystem", cs_id).get("url")
        for c in codings:
            c.setdefault("system", url)
    return _validate(store, params, codings, kind, cc, None)


def _status_text(concept: Concept) -> str:
    """The status words of an inactive concept, as the messages give them ("retired and
    inactive", "inactive")."""
    statuses = [str(v) for v in concept.prop("status") if str(v) != "active"]
    return " and ".join(dict.fromkeys([*statuses, "inactive"]))


def _validate(
    store: Store,
    params: Params,
    codings: list[dict[str, Any]],
    kind: str,
    cc: dict | None,
    members: ValueSetMembers | None,
) -> dict[str, Any]:
    """Validate codings (one, or a CodeableConcept's) against their code systems and, when
    ``members`` is given, a value set: the result, the first known coding, and the issues in
    the shape and wording the HL7 terminology test cases expect."""
    if members is not None and members.unknown_valuesets:
        return _unknown_import(store, codings, cc, members.unknown_valuesets)
    lenient = params.bool("lenient-display-validation")
    active_only = params.bool("activeOnly") or (
        members is not None and (members.vs.get("compose") or {}).get("inactive") is False
    )
    in_cc = kind == "CodeableConcept"
    issues: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    """Issues about the value set's content rather than the code; not in ``message``."""
    told: list[str] = []
    """Information texts that still belong in ``message`` (a display in another language)."""
    languages = _display_languages(params, members.vs if members is not None else None)
    shown_display: str | None = None
    member_found = False
    membership_only = members is not None and params.bool("valueset-membership-only")
    extra: list[tuple[str, Any]] = []
    shown: tuple[dict, Concept | None, CodeSystemIndex | None] | None = None
    valid = False
    vs = members.label if members is not None else ""
    for i, coding in enumerate(codings):
        base = f"{kind}.coding[{i}]" if in_cc else kind

        def where(el: str, base: str = base) -> str:
            return f"{base}.{el}" if base else el

        def not_in_vs(text_code: str, where_code: str) -> None:
            if members is None:
                return
            if in_cc:
                issues.append(_issue("information", "code-invalid", "this-code-not-in-vs",
                    f"The provided code '{text_code}' was not found in the value set '{vs}'",
                    where_code))  # fmt: skip
            else:
                issues.append(_issue("error", "code-invalid", "not-in-vs",
                    f"The provided code '{text_code}' was not found in the value set '{vs}'",
                    where_code))  # fmt: skip

        code = coding.get("code")
        system = coding.get("system")
        if not code:
            raise FhirError(400, "required", "a code is required")
        if membership_only:
            # Only whether the value set holds the code: no code system checks.
            if members.contains(system or "", code):
                valid = member_found = True
            else:
                not_in_vs(f"{system}#{code}" if system else f"#{code}", where("code"))
            continue
        if not system:
            not_in_vs(f"#{code}", where("code"))
            issues.append(_issue("warning", "invalid", "invalid-data",
                "Coding has no system. A code with no system has no defined meaning, and it "
                "cannot be validated. A system should be provided", base or "code"))  # fmt: skip
            shown = shown or (coding, None, None)
            continue
        given_version = coding.get("version")
        pinned = members.pinned.get(system, []) if members is not None else []
        mismatch = bool(
            pinned
            and given_version
            and not any(version_matches(p, given_version) for p in pinned)
            and not _pins(params, "force-system-version", system)
        )
        if mismatch:
            # The value set fixes another version: the code is checked against that one.
            cs = store.codesystem(system, pinned[0])
        else:
            cs = store.codesystem(system, _version_for(params, system, coding, members))
        known = store.versions("CodeSystem", system)
        if cs is None and known and given_version:
            issues.append(_issue("error", "not-found", "not-found",
                f"A definition for CodeSystem '{system}' version '{given_version}' could not be "
                f"found, so the code cannot be validated. Valid versions: {_or_list(known)}",
                where("system")))  # fmt: skip
            extra.append(("x-caused-by-unknown-system", f"{system}|{given_version}"))
            default = store.codesystem(system, _version_for(params, system, {}, members))
            chosen = _pins(params, "system-version", system) or _pins(
                params, "check-system-version", system
            )
            if members is not None and not pinned and chosen:
                # A parameter chose the version of the versionless include: an error, worded
                # with the version the parameter gave (VALUESET_VALUE_MISMATCH_CHANGED).
                issues.append(_issue("error", "invalid", "vs-invalid",
                    f"The code system '{system}' version '{chosen}' resulting from the version "
                    f"'' in the ValueSet include is different to the one in the value "
                    f"('{given_version}')", where("version")))  # fmt: skip
            elif members is not None and not pinned and default is not None:
                notes.append(_issue("warning", "invalid", "vs-invalid",
                    f"The code system '{system}' version '{default.version}' for the versionless "
                    f"include in the ValueSet include is different to the one in the value "
                    f"('{given_version}')", where("version")))  # fmt: skip
            found = default.get(code) if default is not None else None
            if shown is None or shown[1] is None:
                shown = (coding, found, default) if found else (coding, None, None)
                shown_display = found.display if found else None
            continue
        if cs is None:
            shown = shown or (coding, None, None)
            if members is not None and system in members.unknown_systems:
                # The value set names the system too: the value set cannot be worked out.
                extra.append(("x-caused-by-unknown-system", system))
                issues.append(_issue("error", "not-found", "not-found",
                    f"A definition for CodeSystem '{system}' could not be found, so the code "
                    "cannot be validated", where("system")))  # fmt: skip
                continue
            not_in_vs(f"{system}#{code}", where("code"))
            if store.find("ValueSet", system) is not None:
                issues.append(_issue("error", "invalid", "invalid-data",
                    f"The Coding references a value set, not a code system ('{system}')",
                    where("system")))  # fmt: skip
                continue
            extra.append(("x-unknown-system", system))
            named = system
            if ":" not in system:
                named = f"'{system}'"
                issues.append(_issue("error", "invalid", "invalid-data",
                    f"{where('system')} must be an absolute reference, not a local reference",
                    where("system")))  # fmt: skip
            issues.append(_issue("error", "not-found", "not-found",
                f"A definition for CodeSystem {named} could not be found, so the code cannot "
                "be validated", where("system")))  # fmt: skip
            continue
        concept = cs.get(code)
        if concept is None:
            not_in_vs(f"{cs.url}#{code}", where("code"))
            msg = f"Unknown code '{code}' in the CodeSystem '{cs.url}'" + (
                f" version '{cs.version}'" if cs.version else ""
            )
            issues.append(_issue("error", "code-invalid", "invalid-code", msg, where("code")))
            shown = shown or (coding, None, cs)
            continue
        ok = True
        if mismatch:
            issues.append(_issue("error", "invalid", "vs-invalid",
                f"The code system '{system}' version '{cs.version}' in the ValueSet include is "
                f"different to the one in the value ('{given_version}')",
                where("version")))  # fmt: skip
            ok = False
            if store.codesystem(system, given_version) is None:
                # The version the Coding names does not exist either (FHIRsmith
                # ValueSetChecker.determineVersion: UNKNOWN_CODESYSTEM_VERSION after the
                # mismatch).
                issues.append(_issue("error", "not-found", "not-found",
                    f"A definition for CodeSystem '{system}' version '{given_version}' could "
                    f"not be found, so the code cannot be validated. Valid versions: "
                    f"{_or_list(known)}", where("system")))  # fmt: skip
                extra.append(("x-caused-by-unknown-system", f"{system}|{given_version}"))
        forced = _pins(params, "force-system-version", system)
        if forced and given_version and store.codesystem(system, given_version) is None:
            # The Coding's version does not exist: the forced one is checked instead, but the
            # Coding is still wrong (as when a parameter chose the version, above).
            issues.append(_issue("error", "invalid", "vs-invalid",
                f"The code system '{system}' version '{forced}' resulting from the version "
                f"'' in the ValueSet include is different to the one in the value "
                f"('{given_version}')", where("version")))  # fmt: skip
            issues.append(_issue("error", "not-found", "not-found",
                f"A definition for CodeSystem '{system}' version '{given_version}' could not be "
                f"found, so the code cannot be validated. Valid versions: {_or_list(known)}",
                where("system")))  # fmt: skip
            extra.append(("x-caused-by-unknown-system", f"{system}|{given_version}"))
            ok = False
        check = _pins(params, "check-system-version", system)
        if check and cs.version and not version_matches(check, cs.version):
            issues.append(_issue("error", "exception", "version-error",
                f"The version '{cs.version}' is not allowed for system '{system}': required to "
                f"be '{check}' by a version-check parameter", where("version")))  # fmt: skip
            ok = False
        if concept.code != code:
            msg = (
                f"The code '{code}' differs from the correct code '{concept.code}' by case. "
                f"Although the code system '{cs.url}"
                + (f"|{cs.version}" if cs.version else "")
                + "' is case insensitive, implementers are strongly encouraged to use the "
                "correct case anyway"
            )
            issues.append(_issue("information", "business-rule", "code-rule", msg, where("code")))
        if active_only and concept.inactive:
            msg = f"The concept '{concept.code}' is valid but is not active"
            issues.append(_issue("error", "business-rule", "code-rule", msg, where("code")))
        if members is not None and not members.contains(cs.url, concept.code):
            not_in_vs(f"{cs.url}#{code}", where("code"))
            ok = False
        else:
            member_found = True
        given = coding.get("display")
        in_language = _displays_in(cs, concept, languages)
        display = in_language[0] if in_language else concept.display
        if languages and not in_language and given and _check_display(concept, given):
            msg = (
                f"There are no valid display names found for the code {cs.url}#{concept.code} "
                f"for language(s) '{', '.join(languages)}'. The display is '{given}' which is a "
                "valid display for the default language"
            )
            issues.append(
                _issue("information", "invalid", "invalid-display", msg, where("display"))
            )
            told.append(msg)
        elif not _check_display(concept, given, in_language if languages else None):
            msg = f"Wrong Display Name '{given}' for {cs.url}#{concept.code}. " + (
                f"There are no valid display names found for language(s) "
                f"'{', '.join(languages)}'. Default display is '{concept.display}'"
                if languages and not in_language
                else f"Valid display is '{display}'"
            )
            severity = "warning" if lenient else "error"
            issues.append(_issue(severity, "invalid", "invalid-display", msg, where("display")))
            ok = ok and lenient
        if concept.inactive:
            msg = (
                f"The concept '{concept.code}' has a status of {_status_text(concept)} and its "
                "use should be reviewed"
            )
            issues.append(_issue("warning", "business-rule", "code-comment", msg, base or "code"))
        if members is not None and members.deprecated_in_valueset(cs.url, concept.code):
            notes.append(_issue("warning", "business-rule", "code-comment",
                f"The presence of the concept '{concept.code}' in the system '{cs.url}' in the "
                f"value set {vs} is marked with a status of deprecated and its use should be "
                "reviewed", where("code")))  # fmt: skip
        if shown is None or shown[1] is None or (ok and not valid):
            shown = (coding, concept, cs)
            shown_display = display
        valid = valid or ok
    unvalidated = any(name == "x-caused-by-unknown-system" for name, _ in extra)
    if in_cc and members is not None and not member_found and not unvalidated:
        # (A Coding whose code system version is unknown was not validated: it is not "no
        # valid coding"; the not-found issue says why.)
        # Only when no coding is in the value set: a wrong display has its own issue.
        issues.append(_issue("error", "code-invalid", "not-in-vs",
            f"No valid coding was found for the value set '{vs}'", None))  # fmt: skip
    out: list[tuple[str, Any]] = [("result", valid)]
    if shown is not None:
        coding, concept, cs = shown
        if concept is not None:
            # The code as given; a case-insensitive match also names the code system's own.
            out += [("code", coding["code"]), ("system", cs.url), ("version", cs.version)]
            if concept.code != coding["code"]:
                out.append(("normalized-code", concept.code))
            out.append(("display", shown_display))
            if concept.inactive:
                out.append(("inactive", True))
            out.append(("status", _concept_status(concept)))
        elif not in_cc:
            out += [("code", coding.get("code")), ("system", coding.get("system"))]
            if cs is not None:
                out.append(("version", cs.version))
    if cc is not None:
        out.append(("codeableConcept", cc))
    out += extra
    texts = sorted(
        {i["details"]["text"] for i in issues if i["severity"] in ("error", "warning")} | set(told)
    )
    if texts:
        out.append(("message", "; ".join(texts)))
    if members is not None:
        for word, rtype, label in members.statuses.values():
            notes.append(_issue("information", "business-rule", "status-check",
                f"Reference to {word} {rtype} {label}", None))  # fmt: skip
    issues += notes
    if issues:
        out.append(("issues", {"resourceType": "OperationOutcome", "issue": issues}))
    return parameters(*out)


CONCEPT_STATUSES = frozenset({"experimental", "deprecated", "retired", "withdrawn", "inactive"})
"""The values of a concept's ``status`` property (concept-properties#status: "typical values
are active, experimental, deprecated, and retired") that report it as not plain active; a
code system's own codes in that property (``A``, ``R``) are not reported."""


def _concept_status(concept: Concept) -> str | None:
    """A concept's status when it is not plain active: its ``status`` property, else the
    code system's standards status on it (an ``inactive`` flag alone is not a status)."""
    status = next((str(v) for v in concept.prop("status") if str(v) in CONCEPT_STATUSES), None)
    return status or next(
        (str(e["valueCode"]) for e in concept.extensions
         if e.get("url") == STANDARDS_STATUS and e.get("valueCode")),
        None,
    )  # fmt: skip


def _or_list(items: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``: the versions a message lists."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _pins(params: Params | None, name: str, system: str) -> str | None:
    """The version a ``system-version`` / ``force-system-version`` parameter gives ``system``."""
    for pin in params.all(name) if params is not None else ():
        if isinstance(pin, str) and pin.startswith(system + "|"):
            return pin.split("|", 1)[1]
    return None


def _version_for(
    params: Params, system: str, coding: dict[str, Any], members: ValueSetMembers | None
) -> str | None:
    """The code system version a coding is checked against: ``force-system-version``, else
    the coding's own, else the one the value set's expansion used, else ``system-version``,
    else None (the newest)."""
    forced = _pins(params, "force-system-version", system)
    if forced or coding.get("version"):
        return forced or coding["version"]
    used = members.used.get(system) if members is not None else None
    if used and "|" in used:
        return used.split("|", 1)[1]
    return _pins(params, "system-version", system)


def _unknown_import(
    store: Store, codings: list[dict[str, Any]], cc: dict | None, missing: list[str]
) -> dict[str, Any]:
    """A value set that imports one this server lacks cannot say what it holds: the answer is
    false with a not-found issue per missing value set (the code itself is still looked up)."""
    texts = [f"A definition for the value Set '{ref}' could not be found" for ref in missing]
    issues = [_issue("error", "not-found", "not-found", t, None) for t in texts]
    out: list[tuple[str, Any]] = [("result", False)]
    coding = codings[0] if codings else {}
    cs = store.codesystem(coding.get("system", ""), coding.get("version"))
    concept = cs.get(coding.get("code", "")) if cs else None
    if cc is not None:
        out.append(("codeableConcept", cc))
    elif concept is not None:
        out += [("code", concept.code), ("system", cs.url), ("version", cs.version)]
        out.append(("display", concept.display))
    out.append(("message", "; ".join(sorted(texts))))
    out.append(("issues", {"resourceType": "OperationOutcome", "issue": issues}))
    return parameters(*out)


# -- $subsumes -------------------------------------------------------------------------------


def subsumes(store: Store, params: Params, cs_id: str | None = None) -> dict[str, Any]:
    """CodeSystem/$subsumes: equivalent, subsumes, subsumed-by or not-subsumed."""
    a = params.get("codingA")
    b = params.get("codingB")
    system = params.str("system")
    if cs_id:
        system = system or store.read("CodeSystem", cs_id).get("url")
    code_a = a.get("code") if isinstance(a, dict) else params.str("codeA")
    code_b = b.get("code") if isinstance(b, dict) else params.str("codeB")
    if isinstance(a, dict):
        system = system or a.get("system")
    if not code_a or not code_b:
        raise FhirError(400, "required", "$subsumes needs codeA and codeB (or codingA/codingB)")
    cs = _codesystem(store, system, params.str("version"))
    for code in (code_a, code_b):
        if cs.get(code) is None:
            raise FhirError(404, "not-found", f"Unknown code '{code}' in the CodeSystem '{cs.url}'")
    ca, cb = cs.get(code_a).code, cs.get(code_b).code
    if ca == cb:
        outcome = "equivalent"
    elif ca in cs.ancestors(cb):
        outcome = "subsumes"
    elif cb in cs.ancestors(ca):
        outcome = "subsumed-by"
    else:
        outcome = "not-subsumed"
    return parameters(("outcome", outcome))


# -- ValueSet membership and $expand ---------------------------------------------------------


class ValueSetMembers:
    """The codes of a ValueSet, worked out from its compose (include, exclude, filters)."""

    def __init__(
        self,
        store: Store,
        vs: dict[str, Any],
        params: Params | None = None,
        depth: int = 0,
        missing_ok: bool = False,
    ):
        self.missing_ok = missing_ok
        """A code system the compose names but the server lacks is noted, not an error."""
        if depth > 10:
            raise FhirError(400, "processing", "value sets import each other in a loop")
        self.vs = vs
        self.url = vs.get("url", "")
        self.label = self.url + (f"|{vs['version']}" if vs.get("version") else "")
        """The value set as the messages name it: url|version."""
        self.unknown_systems: set[str] = set()
        """Code systems the compose names that this server does not know."""
        self.contained = {
            r.get("id"): r for r in vs.get("contained", []) if r.get("resourceType") == "ValueSet"
        }
        """The value sets a ``#id`` reference in the compose names."""
        self.unknown_valuesets: list[str] = []
        """Value sets the compose imports that this server does not know."""
        self.pinned: dict[str, list[str]] = {}
        """Code systems includes name with a version: url -> those versions (or patterns)."""
        self.used: dict[str, str] = {}
        """Code systems the expansion drew on: url -> url|version."""
        self.codesystems: list[CodeSystemIndex] = []
        """The code systems the compose (and what it imports) draws on."""
        self.used_valuesets: dict[str, str] = {}
        """Value sets the compose imports by canonical (not #contained): url -> url|version."""
        self.statuses: dict[str, tuple[str, str, str]] = {}
        """Status warnings of the resources used: "word label" -> (word, type, label)."""
        self.concept_extensions: dict[tuple[str, str], list[dict[str, Any]]] = {}
        """The extensions an include's concept carries (deprecation marks), by (system, code)."""
        self.concept_designations: dict[tuple[str, str], list[dict[str, Any]]] = {}
        """The designations an include's concept adds, by (system, code)."""
        self._note_status(vs, "ValueSet", self.label)
        self.check_used: set[str] = set()
        """Code systems whose version a check-system-version parameter chose."""
        self.check_failures: list[str] = []
        """What check-system-version refuses: a version an include fixes that it does not allow."""
        self.items: list[tuple[CodeSystemIndex, Concept]] = []
        self.can_nest = False
        """May an expansion list children inside their parents (``contains.contains``)?"""
        compose = vs.get("compose")
        if not compose and vs.get("expansion"):
            for c in vs["expansion"].get("contains", []):
                cs = store.codesystem(c.get("system", ""), c.get("version"))
                if cs and cs.get(c.get("code", "")):
                    self.items.append((cs, cs.get(c["code"])))
            self._keys = {(cs.url, c.code) for cs, c in self.items}
            return
        compose = compose or {}
        # An expansion can nest children under their parents only when every include and
        # exclude selects by the code system's own structure: no imported value set, no
        # enumerated concepts, at most one filter, and no code selected twice (as the
        # reference server's expander decides, FHIRsmith tx/workers/expand.js canBeHierarchy).
        self.can_nest = all(
            not part.get("valueSet") and not part.get("concept") and len(part.get("filter", [])) < 2
            for part in [*compose.get("include", []), *compose.get("exclude", [])]
        )
        seen: set[tuple[str, str]] = set()
        for i, inc in enumerate(compose.get("include", [])):
            where = f"ValueSet.compose.include[{i}]"
            for cs, c in self._select(store, inc, params, depth, where):
                if (cs.url, c.code) not in seen:
                    seen.add((cs.url, c.code))
                    self.items.append((cs, c))
                else:
                    self.can_nest = False
        excluded: set[tuple[str, str]] = set()
        for i, exc in enumerate(compose.get("exclude", [])):
            where = f"ValueSet.compose.exclude[{i}]"
            excluded.update(
                (cs.url, c.code)
                for cs, c in self._select(store, exc, params, depth, where, exclude=True)
            )
        if compose.get("inactive") is False:
            self.items = [(cs, c) for cs, c in self.items if not c.inactive]
        self.items = [(cs, c) for cs, c in self.items if (cs.url, c.code) not in excluded]
        self._keys = {(cs.url, c.code) for cs, c in self.items}

    def contains(self, system: str, code: str) -> bool:
        return (system, code) in self._keys

    def _note_status(self, resource: dict[str, Any], rtype: str, label: str) -> None:
        for word in _status_words(resource, rtype):
            self.statuses.setdefault(f"{word} {label}", (word, rtype, label))

    def deprecated_in_valueset(self, system: str, code: str) -> bool:
        """Does the value set's include mark this concept deprecated?"""
        return any(
            (e.get("url") == VS_DEPRECATED and e.get(_value_key(e)) in (True, "true"))
            or (e.get("url") == STANDARDS_STATUS and e.get("valueCode") == "deprecated")
            for e in self.concept_extensions.get((system, code), [])
        )

    def _select(
        self,
        store: Store,
        inc: dict[str, Any],
        params: Params | None,
        depth: int,
        where: str,
        exclude: bool = False,
    ):
        """The (code system, concept) pairs an include (or an ``exclude``) selects; an
        exclude does not change which code system versions the value set uses."""
        for k, f in enumerate(inc.get("filter", [])):
            if f.get("value") is None:
                raise FhirError(
                    400,
                    "invalid",
                    f"The system {inc.get('system')} filter with property = {f.get('property')}, "
                    f"op = {f.get('op')} has no value",
                    tx_code="vs-invalid",
                    expression=f"{where}.filter[{k}]",
                )
        sets: list[set[tuple[str, str]]] = []
        first: list[tuple[CodeSystemIndex, Concept]] | None = None
        """The first imported value set's members, in its order (the expansion keeps it)."""
        for ref in inc.get("valueSet", []):
            if ref.startswith("#"):
                other = self.contained.get(ref[1:])
            else:
                other = store.find("ValueSet", ref)
            if other is None and self.missing_ok:
                self.unknown_valuesets.append(ref)
                sets.append(set())
                continue
            if other is None:
                raise FhirError(
                    404, "not-found", f"A definition for the value Set '{ref}' could not be found"
                )
            child = ValueSetMembers(store, other, params, depth + 1, self.missing_ok)
            if not ref.startswith("#"):
                self.used_valuesets[child.url] = child.label
            self.used.update(child.used)
            for url, versions in child.pinned.items():
                self.pinned.setdefault(url, []).extend(versions)
            self.codesystems += child.codesystems
            self.used_valuesets.update(child.used_valuesets)
            self.statuses.update(child.statuses)
            self.check_used |= child.check_used
            self.check_failures += child.check_failures
            self.unknown_systems |= child.unknown_systems
            sets.append(child._keys)
            first = child.items if first is None else first
        system = inc.get("system")
        if not system:
            keys = set.intersection(*sets) if sets else set()
            return [(cs, c) for cs, c in first or () if (cs.url, c.code) in keys]
        version = _pins(params, "force-system-version", system) or inc.get("version")
        version = version or _pins(params, "system-version", system)
        check = _pins(params, "check-system-version", system)
        if not version and check:
            # A versionless include takes the newest version check-system-version allows
            # (and the expansion then reports the parameter it used).
            version = check
            self.check_used.add(system)
        cs = store.codesystem(system, version)
        if cs is None and self.missing_ok:
            self.unknown_systems.add(system)
            return []
        if cs is None:
            what = f"'{system}'" + (f" version '{version}'" if version else "")
            raise FhirError(
                404, "not-found", f"A definition for CodeSystem {what} could not be found"
            )
        if check and cs.version and not version_matches(check, cs.version):
            self.check_failures.append(
                f"The version '{cs.version}' is not allowed for system '{system}': required "
                f"to be '{check}' by a version-check parameter"
            )
        label = f"{cs.url}|{cs.version}" if cs.version else cs.url
        if exclude:
            self.used.setdefault(cs.url, label)
        else:
            self.used[cs.url] = label
        if inc.get("version") and not exclude:
            self.pinned.setdefault(cs.url, []).append(inc["version"])
        self.codesystems.append(cs)
        self._note_status(cs.resource, "CodeSystem", self.used[cs.url])
        if inc.get("concept"):
            chosen = []
            for item in inc["concept"]:
                c = cs.get(item.get("code", ""))
                if c is not None:
                    chosen.append(c)
                    if item.get("extension"):
                        self.concept_extensions[(cs.url, c.code)] = item["extension"]
                    if item.get("designation"):
                        self.concept_designations[(cs.url, c.code)] = [
                            _known_extensions_only(d) for d in item["designation"]
                        ]
        else:
            chosen = list(cs.concepts.values())
        for f in inc.get("filter", []):
            chosen = [c for c in chosen if _filter_ok(cs, c, f)]
        out = [(cs, c) for c in chosen]
        for keys in sets:
            out = [(s, c) for s, c in out if (s.url, c.code) in keys]
        return out


def _known_extensions_only(designation: dict[str, Any]) -> dict[str, Any]:
    """A value set's designation without the extensions FHIR core does not define (a server
    that does not know an extension does not repeat it)."""
    exts = [
        e
        for e in designation.get("extension", ())
        if str(e.get("url", "")).startswith(concept_extensions.SD)
    ]
    out = {k: v for k, v in designation.items() if k != "extension"}
    return {"extension": exts, **out} if exts else out


def _value_key(element: dict[str, Any]) -> str:
    return next((k for k in element if k.startswith("value")), "value")


def _status_words(resource: dict[str, Any], rtype: str) -> list[str]:
    """What a client should be warned of when a CodeSystem or ValueSet is used: a
    deprecated or withdrawn standards status and, for a CodeSystem, draft or experimental
    (the HL7 test cases warn of neither for a value set)."""
    words = [
        e.get("valueCode")
        for e in resource.get("extension", ()) or ()
        if e.get("url") == STANDARDS_STATUS and e.get("valueCode") in ("deprecated", "withdrawn")
    ]
    if rtype == "CodeSystem":
        if resource.get("status") == "draft":
            words.append("draft")
        if resource.get("experimental") is True:
            words.append("experimental")
    return words


def _filter_ok(cs: CodeSystemIndex, c: Concept, f: dict[str, Any]) -> bool:
    prop, op, value = f.get("property"), f.get("op"), f.get("value")
    if not prop or not op or value is None:
        raise FhirError(
            400, "invalid", f"The filter {prop} {op} {value} in a value set is incomplete"
        )
    if prop in ("concept", "code"):
        if op == "is-a":
            return c.code == value or value in cs.ancestors(c.code)
        if op == "descendent-of":
            return value in cs.ancestors(c.code)
        if op == "is-not-a":
            return not (c.code == value or value in cs.ancestors(c.code))
        if op == "child-of":
            return value in c.parents
        if op == "generalizes":
            return c.code == value or c.code in cs.ancestors(value)
        if op == "=":
            return c.code == value
        if op == "in":
            return c.code in value.split(",")
        if op == "not-in":
            return c.code not in value.split(",")
        if op == "regex":
            return _regex(value).fullmatch(c.code) is not None
    values = [str(v).lower() if isinstance(v, bool) else str(v) for v in c.prop(prop)]
    if prop == "display":
        values = [c.display or ""]
    if op == "=":
        return value in values
    if op == "in":
        return bool(set(value.split(",")) & set(values))
    if op == "not-in":
        return not set(value.split(",")) & set(values)
    if op == "exists":
        return bool(values) == (value == "true")
    if op == "regex":
        rx = _regex(value)
        return any(rx.fullmatch(v) for v in values)
    raise FhirError(400, "not-supported", f"The filter operation {op!r} is not supported")


def _regex(value: str) -> Any:
    """A filter's regex, compiled for linear-time matching (``safe_regex``)."""
    return safe_regex.compile_filter(value)


def _valueset(store: Store, params: Params, vs_id: str | None) -> dict[str, Any]:
    if vs_id:
        return store.read("ValueSet", vs_id)
    inline = params.get("valueSet")
    if isinstance(inline, dict):
        return inline
    url = params.str("url", "valueSet")
    if not url:
        raise FhirError(400, "required", "a value set (url or valueSet) is required")
    vs = store.find("ValueSet", url, params.str("valueSetVersion"))
    if vs is None:
        raise FhirError(
            404,
            "not-found",
            f"A definition for the value Set '{url}"
            + (f"|{params.str('valueSetVersion')}" if params.str("valueSetVersion") else "")
            + "' could not be found",
        )
    return vs


def _with_declared_supplements(store: Store, vs: dict[str, Any]) -> Store:
    """The store with the supplements the value set declares (``valueset-supplement``) merged
    in, as ``useSupplement`` would; one not held answers 404 "Required supplement not found"."""
    return store.supplemented(concept_extensions.supplements_declared(vs))


_WORD_SPLIT = re.compile(r"[^0-9a-z]+")


def _tokens(text: str) -> list[str]:
    return [t for t in _WORD_SPLIT.split(text.lower()) if t]


@lru_cache(maxsize=65_536)
def _label_index(label: str) -> tuple[frozenset[str], str, str]:
    """A label's word prefixes (every prefix of every word), its first word and its
    lower-cased text: computed once per label, not per typeahead request."""
    words = _tokens(label)
    prefixes = frozenset(w[:i] for w in words for i in range(1, len(w) + 1))
    return prefixes, words[0] if words else "", label.lower().strip()


def _filter_rank(
    text: str, items: list[tuple[CodeSystemIndex, Concept]], matched: set[str]
) -> list[tuple[CodeSystemIndex, Concept]]:
    """Items whose labels contain every word of ``text`` as a word prefix, best first."""
    words = _tokens(text)
    if not words:
        return items
    wanted = text.lower().strip()
    ranked = []
    for cs, c in items:
        best = None
        for label in [*c.labels, c.code]:
            prefixes, first, lowered = _label_index(label)
            if all(w in prefixes for w in words):
                exact = lowered == wanted
                starts = first.startswith(words[0])
                rank = (0 if exact else 1 if starts else 2, len(label))
                best = rank if best is None or rank < best else best
        if c.code in matched:
            best = (-1, 0)
        if best is not None:
            ranked.append((best, c.code, cs, c))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [(cs, c) for _, _, cs, c in ranked]


def expand(
    store: Store, params: Params, vs_id: str | None = None, matcher: Any = None
) -> dict[str, Any]:
    """ValueSet/$expand with filter, count, offset, includeDesignations and activeOnly."""
    vs = _valueset(store, params, vs_id)
    store = _with_declared_supplements(store, vs)
    members = ValueSetMembers(store, vs, params)
    if members.check_failures:
        raise FhirError(422, "exception", members.check_failures[0], tx_code="version-error")
    items = members.items
    if params.bool("activeOnly"):
        items = [(cs, c) for cs, c in items if not c.inactive]
    text = params.str("filter")
    if text:
        matched: set[str] = set()
        if matcher is not None:
            m = matcher.match(text)
            if m.profession_id:
                matched.add(m.profession_id)
                if m.level_id:
                    matched.add(f"{m.profession_id}/{m.level_id}")
        items = _filter_rank(text, items, matched)
    total = len(items)
    offset = params.int("offset", 0) or 0
    count = params.int("count")
    if count is None and total > MAX_EXPANSION:
        raise FhirError(
            422, "too-costly", f"The value set has {total} codes; page it with count and offset"
        )
    page = items[offset : offset + count if count is not None else None]
    designations = params.bool("includeDesignations")
    languages = _display_languages(params, vs)
    # "*; q=0" in the languages asked for: no other language is acceptable, so a concept
    # without a display in one of them is listed without a display.
    wanted_designations = [str(v) for v in params.all("designation")]
    asked = _display_language_asked(params, vs) or ""
    no_fallback = bool(re.search(r"\*\s*;\s*q\s*=\s*0(\.0*)?(\s|,|$)", asked))
    wanted = [str(v) for v in params.all("property")]
    declared: dict[str, str] = {}
    contains = []
    for cs, c in page:
        # The version is in the used-codesystem parameter, as the HL7 test cases expect.
        entry: dict[str, Any] = {"system": cs.url}
        vs_extensions = members.concept_extensions.get((cs.url, c.code), [])
        copied = concept_extensions.copied(c.extensions, vs_extensions)
        if copied:
            entry["extension"] = copied
        if c.abstract:
            entry["abstract"] = True
        if c.inactive:
            entry["inactive"] = True
        entry["code"] = c.code
        shown = _displays_in(cs, c, languages) if languages else []
        display = shown[0] if shown else None if no_fallback else c.display
        if display:
            entry["display"] = display
        if designations:
            extra = members.concept_designations.get((cs.url, c.code), [])
            listed = [*c.designations, *extra]
            if display != c.display and c.display:
                # A designation became the display: the code system's own display is now
                # one of the designations, the preferred term in its language.
                listed = [d for d in listed if d.get("value") != display]
                own = {"value": c.display, "use": PREFERRED}
                if cs.resource.get("language"):
                    own = {"language": cs.resource["language"], **own}
                listed.append(own)
            listed = [d for d in listed if _designation_wanted(d, wanted_designations)]
            if listed:
                entry["designation"] = listed
        props = _expansion_properties(cs, c, wanted, declared)
        given = {p["code"] for p in props}
        from_extensions = concept_extensions.properties(c.extensions, vs_extensions)
        for code, (key, value) in from_extensions.items():
            if code not in given:
                props.append({"code": code, key: value})
                given.add(code)
                declared.setdefault(code, concept_extensions.PROPERTY_URI[code])
        status = next((str(v) for v in c.prop("status") if str(v) in CONCEPT_STATUSES), None)
        if status and "status" not in given:
            # A concept that is not active says so in R5's status property (as the
            # reference server's expander does, whether or not the request names it).
            props.append({"code": "status", "valueCode": status})
            declared.setdefault("status", concept_extensions.PROPERTY_URI["status"])
        if props:
            entry["property"] = props
        contains.append(entry)
    # A text filter over a whole code system gives a flat list of matches; over an include's
    # filter it keeps the hierarchy (the reference expander counts the first, not the second).
    whole_system = any(
        not inc.get("filter") for inc in (vs.get("compose") or {}).get("include", [])
    )
    nest = (
        members.can_nest
        and not params.bool("excludeNested")
        and not (text and whole_system)
        and offset == 0
        and (count is None or count > total)
    )
    if nest:
        contains = _nested(page, contains)
    eparams: list[dict[str, Any]] = []
    for name, value in params.items:
        if name in (
            "filter",
            "count",
            "offset",
            "includeDesignations",
            "activeOnly",
            "excludeNested",
            "designation",
            "system-version",
            "force-system-version",
            "check-system-version",
        ):
            if name == "check-system-version" and str(value).split("|")[0] not in (
                members.check_used
            ):
                continue  # it only checked a version the value set fixes: not a choice it made
            if name.endswith("system-version"):
                eparams.append({"name": name, "valueUri": str(value)})
                continue
            eparams.append(
                _param(
                    name,
                    value
                    if not isinstance(value, str) or name in ("filter", "displayLanguage")
                    else _typed(value),
                )
            )
    language = _display_language_asked(params, vs)
    if language:
        eparams.append({"name": "displayLanguage", "valueCode": language})
    for used in sorted(members.used.values()):
        eparams.append({"name": "used-codesystem", "valueUri": used})
    for used in sorted({u for cs in members.codesystems for u in cs.used_supplements}):
        eparams.append({"name": "used-supplement", "valueUri": used})
    for used in sorted(members.used_valuesets.values()):
        eparams.append({"name": "used-valueset", "valueUri": used})
    for word, _, label in members.statuses.values():
        eparams.append({"name": f"warning-{word}", "valueUri": label})
    expansion: dict[str, Any] = {
        "identifier": f"urn:uuid:{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "total": total,
        "parameter": eparams,
    }
    if params.get("offset") is not None or params.get("count") is not None:
        expansion["offset"] = offset  # only for a paged request (the HL7 cases want it so)
    if declared:
        # R5's expansion.property, as the HL7 test cases expect it of an R4 server too.
        expansion["property"] = [{"code": k, "uri": u} for k, u in declared.items()]
    if contains:  # FHIR JSON has no empty arrays
        expansion["contains"] = contains
    # The definition (compose, description) is not repeated: the expansion is the answer, a
    # read gives the definition, and the HL7 test cases never require it (they omit what the
    # server applied, such as compose.inactive, and rewrite what it resolved, a #contained).
    out = {k: v for k, v in vs.items() if k not in ("expansion", "text", "compose", "description")}
    # The value set's own standards status is reported as a warning-* parameter instead.
    kept = [e for e in vs.get("extension", ()) if e.get("url") != STANDARDS_STATUS]
    if kept:
        out["extension"] = kept
    else:
        out.pop("extension", None)
    out["expansion"] = expansion
    return out


def _nested(
    page: list[tuple[CodeSystemIndex, Concept]], entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The expansion entries with each listed under its nearest ancestor in the page
    (``contains.contains``); as they were when a concept has more than one parent, since a
    poly-hierarchy is not a tree."""
    if any(len(c.parents) > 1 for _, c in page):
        return entries
    at = {(cs.url, c.code): e for (cs, c), e in zip(page, entries, strict=True)}
    roots = []
    for (cs, c), entry in zip(page, entries, strict=True):
        parent = c.parents[0] if c.parents else None
        climbed = {c.code}
        while parent is not None and (cs.url, parent) not in at and parent not in climbed:
            climbed.add(parent)
            above = cs.concepts.get(parent)
            parent = above.parents[0] if above and above.parents else None
        if parent in climbed:
            parent = None  # a loop in the hierarchy: no ancestor to list it under
        if parent is None:
            roots.append(entry)
        else:
            at[(cs.url, parent)].setdefault("contains", []).append(entry)
    return roots


def _property_uri(cs: CodeSystemIndex, code: str) -> str:
    """The URI a CodeSystem gives property ``code``, else the FHIR concept-properties one."""
    for p in cs.resource.get("property", ()) or ():
        if p.get("code") == code and p.get("uri"):
            return p["uri"]
    return f"{CONCEPT_PROPERTIES}#{code}"


def _expansion_properties(
    cs: CodeSystemIndex, c: Concept, wanted: list[str], declared: dict[str, str]
) -> list[dict[str, Any]]:
    """The ``property`` values of one expansion entry for the properties a request asks for
    (``definition`` included); each one found is added to ``declared`` (code -> URI)."""
    out: list[dict[str, Any]] = []
    for code in wanted:
        if code == "definition":
            found = [{"code": code, "valueString": c.definition}] if c.definition else []
        else:
            found = [
                {"code": code, k: v}
                for p in c.properties
                if p.get("code") == code
                for k, v in p.items()
                if k.startswith("value")
            ]
        if found:
            declared.setdefault(code, _property_uri(cs, code))
            out += found
    return out


def _typed(value: str) -> Any:
    if value in ("true", "false"):
        return value == "true"
    return int(value) if value.isdigit() else value


def validate_code_vs(store: Store, params: Params, vs_id: str | None = None) -> dict[str, Any]:
    """ValueSet/$validate-code for a code, a Coding or a CodeableConcept."""
    vs = _valueset(store, params, vs_id)
    store = _with_declared_supplements(store, vs)
    members = ValueSetMembers(store, vs, params, missing_ok=True)
    if params.bool("activeOnly"):
        members.items = [(cs, c) for cs, c in members.items if not c.inactive]
        members._keys = {(cs.url, c.code) for cs, c in members.items}
    codings, kind, cc = _codings(params, ("system",))  # url names the value set here
    if kind == "" and "system" not in codings[0]:
        code = codings[0]["code"]
        systems = {cs.url for cs, _ in members.items}
        if params.bool("inferSystem"):
            # Inferred from the members that have the code, not from the value set alone.
            with_code = {cs.url for cs, c in members.items if c.code == code}
            if len(with_code) != 1:
                return _cannot_infer(code, members.label, sorted(with_code), sorted(systems))
            systems = with_code
        if len(systems) == 1:
            codings[0]["system"] = systems.pop()
    return _validate(store, params, codings, kind, cc, members)


def batch_validate_code_vs(
    store: Store, params: Params, vs_id: str | None = None
) -> dict[str, Any]:
    """ValueSet/$batch-validate-code: each ``validation`` parameter (a Parameters resource) is
    one $validate-code call, with the request's other parameters (the value set, tx-resource,
    lenient-display-validation, ...) as defaults its own parameters replace. The answer lists
    each call's result as a ``validation`` parameter, in order; a call that fails gives its
    OperationOutcome there and does not stop the others."""
    calls = params.all("validation")
    if not calls:
        raise FhirError(400, "required", "no validation parameter: there is nothing to validate")
    shared = [(k, v) for k, v in params.items if k != "validation"]
    out = []
    for item in calls:
        try:
            own = Params.from_resource(item).items
            names = {k for k, _ in own}
            merged = Params([*((k, v) for k, v in shared if k not in names), *own])
            merged.accept_language = params.accept_language
            result = validate_code_vs(store, merged, vs_id)
        except FhirError as exc:
            result = exc.outcome()
        out.append({"name": "validation", "resource": result})
    return {"resourceType": "Parameters", "parameter": out}


def _cannot_infer(code: str, vs: str, matches: list[str], systems: list[str]) -> dict[str, Any]:
    """The answer when ``inferSystem`` finds no single code system with ``code``: several
    (``matches``), or none of the value set's ``systems``."""
    why = (
        f"value set expansion has multiple matches: [{', '.join(matches)}]"
        if matches
        else f"none of its code systems has the code: [{', '.join(systems)}]"
    )
    issues = [
        _issue("error", "code-invalid", "not-in-vs",
            f"The provided code '#{code}' was not found in the value set '{vs}'", "code"),
        _issue("error", "not-found", "cannot-infer",
            f"The System URI could not be determined for the code '{code}' in the ValueSet "
            f"'{vs}': {why}", "code"),
    ]  # fmt: skip
    texts = sorted(i["details"]["text"] for i in issues)
    return parameters(
        ("result", False),
        ("code", code),
        ("message", "; ".join(texts)),
        ("issues", {"resourceType": "OperationOutcome", "issue": issues}),
    )


# -- $translate ------------------------------------------------------------------------------

R4_TO_R5 = {
    "equivalent": "equivalent",
    "equal": "equivalent",
    "wider": "source-is-narrower-than-target",
    "subsumes": "source-is-narrower-than-target",
    "narrower": "source-is-broader-than-target",
    "specializes": "source-is-broader-than-target",
    "relatedto": "related-to",
    "inexact": "related-to",
    "unmatched": "not-related-to",
    "disjoint": "not-related-to",
}
REVERSE = {
    "wider": "narrower",
    "narrower": "wider",
    "subsumes": "specializes",
    "specializes": "subsumes",
}


def _maps(store: Store, params: Params, cm_id: str | None) -> list[dict[str, Any]]:
    """The ConceptMaps a $translate reads: the instance, ``url``, or every map held."""
    if cm_id:
        return [store.read("ConceptMap", cm_id)]
    url = params.str("url", "conceptMap")
    if url:
        cm = store.find("ConceptMap", url, params.str("conceptMapVersion"))
        if cm is None:
            raise FhirError(404, "not-found", f"The concept map '{url}' is not known")
        return [cm]
    # By URL and version, not id: resources passed in tx-resource may share an id.
    return [cm for versions in store.by_url["ConceptMap"].values() for cm in versions]


def _translate_target(store: Store, params: Params, cm_id: str | None) -> dict[str, Any]:
    """R5 $translate from a target code (``targetCode`` or ``targetCoding``): the source codes
    mapped to it. Each match names the target as ``concept`` and the source found as
    ``source``, as the HL7 test case translate-reverse expects."""
    coding = params.get("targetCoding")
    if isinstance(coding, dict):
        code, target = coding.get("code"), coding.get("system")
    else:
        code, target = params.str("targetCode"), params.str("targetSystem")
    source = params.str("sourceSystem")
    out: list[dict[str, Any]] = []
    for cm in _maps(store, params, cm_id):
        origin = cm.get("url", "") + (f"|{cm['version']}" if cm.get("version") else "")
        for group in cm.get("group", []):
            if (target and group.get("target") != target) or (
                source and group.get("source") != source
            ):
                continue
            for el in group.get("element", []):
                for t in el.get("target", []):
                    if t.get("code") != code:
                        continue
                    eq = t.get("equivalence") or t.get("relationship") or "equivalent"
                    found = {"system": group.get("source"), "code": el.get("code")}
                    if el.get("display"):
                        found["display"] = el["display"]
                    parts = [
                        {"name": "equivalence", "valueCode": eq},
                        {"name": "relationship", "valueCode": R4_TO_R5.get(eq, eq)},
                        {"name": "concept", "valueCoding": {"system": group.get("target"),
                                                            "code": code}},
                        {"name": "source", "valueCoding": found},
                        {"name": "originMap", "valueCanonical": origin},
                    ]  # fmt: skip
                    out.append({"name": "match", "part": parts})
    result: list[dict[str, Any]] = [{"name": "result", "valueBoolean": bool(out)}]
    if not out:
        msg = f"No translations found for {target or ''}#{code}"
        result.append({"name": "message", "valueString": msg})
    return {"resourceType": "Parameters", "parameter": result + out}


def translate(store: Store, params: Params, cm_id: str | None = None) -> dict[str, Any]:
    """ConceptMap/$translate (R4 and R5 parameter names; ``reverse``; ``dependsOn``)."""
    reverse = params.bool("reverse")
    if not reverse and (params.get("targetCode") or params.get("targetCoding")):
        return _translate_target(store, params, cm_id)
    coding = params.get("coding", "sourceCoding")
    cc = params.get("codeableConcept", "sourceCodeableConcept")
    if reverse:
        coding = coding or params.get("targetCoding")
        cc = cc or params.get("targetCodeableConcept")
    if isinstance(coding, dict):
        codings = [coding]
    elif isinstance(cc, dict):
        codings = list(cc.get("coding") or [])
    else:
        code = params.str("code", "sourceCode", "targetCode")
        if not code:
            raise FhirError(
                400, "required", "$translate needs a code (code, coding or codeableConcept)"
            )
        system = (
            params.str("system", "sourceSystem")
            if not reverse
            else params.str("system", "targetSystem" if params.get("targetCode") else "system")
        )
        codings = [{"code": code, **({"system": system} if system else {})}]
    want_target = (
        params.str("targetsystem", "targetSystem", "target")
        if not reverse
        else (params.str("sourceSystem", "source") if params.get("targetCode") is None else None)
    )
    if reverse and params.get("targetCode") is None:
        want_target = params.str("targetsystem", "targetSystem")
    maps = _maps(store, params, cm_id)
    depends = {}
    for d in params.all("dependsOn"):
        if isinstance(d, dict) and "part" in d:
            part = d["part"]
            value = part.get("value")
            if isinstance(value, dict):
                value = value.get("code")
            depends[part.get("attribute") or part.get("element") or part.get("property")] = value
    matches: list[dict[str, Any]] = []
    for cm in maps:
        for group in cm.get("group", []):
            src, tgt = group.get("source"), group.get("target")
            if reverse:
                src, tgt = tgt, src
            for coding in codings:
                if coding.get("system") and coding["system"] != src:
                    continue
                if want_target and tgt != want_target:
                    continue
                matches.extend(_group_matches(group, coding["code"], reverse, depends, cm))
    result = any(m["_eq"] not in ("unmatched", "disjoint") for m in matches)
    out: list[dict[str, Any]] = [{"name": "result", "valueBoolean": result}]
    if not result:
        out.append(
            {
                "name": "message",
                "valueString": "No translations found for "
                + ", ".join(f"{c.get('system', '')}#{c.get('code')}" for c in codings),
            }
        )
    for m in matches:
        eq = m.pop("_eq")
        parts = [
            {"name": "equivalence", "valueCode": eq},
            {"name": "relationship", "valueCode": R4_TO_R5.get(eq, "related-to")},
        ]
        if m.get("concept"):
            parts.append({"name": "concept", "valueCoding": m["concept"]})
        if m.get("comment"):
            parts.append({"name": "message", "valueString": m["comment"]})
        for dep in m.get("dependsOn", []):
            parts.append(
                {
                    "name": "dependsOn",
                    "part": [
                        {
                            "name": "attribute" if False else "element",
                            "valueUri": dep.get("property"),
                        },
                        {
                            "name": "concept",
                            "valueCoding": {
                                "system": dep.get("system"),
                                "code": dep.get("value"),
                                "display": dep.get("display"),
                            },
                        },
                    ],
                }
            )
        # R5's originMap (url|version), as the HL7 test cases and tx.fhir.org answer in R4 too.
        parts.append({"name": "originMap", "valueCanonical": m["source"]})
        out.append({"name": "match", "part": parts})
    return {"resourceType": "Parameters", "parameter": out}


def _group_matches(group, code, reverse, depends, cm) -> list[dict[str, Any]]:
    out = []
    source_url = cm.get("url", "") + (f"|{cm['version']}" if cm.get("version") else "")
    for el in group.get("element", []):
        for t in el.get("target", []):
            eq = t.get("equivalence") or t.get("relationship") or "equivalent"
            if reverse:
                if t.get("code") != code:
                    continue
                concept = {"system": group.get("source"), "code": el.get("code")}
                if el.get("display"):
                    concept["display"] = el["display"]
                eq = REVERSE.get(eq, eq)
            else:
                if el.get("code") != code:
                    continue
                concept = None
                if t.get("code"):
                    concept = {"system": group.get("target"), "code": t["code"]}
                    if t.get("display"):
                        concept["display"] = t["display"]
            deps = t.get("dependsOn", [])
            if (
                depends
                and deps
                and not all(depends.get(d.get("property")) in (None, d.get("value")) for d in deps)
            ):
                continue
            out.append(
                {
                    "_eq": eq,
                    "concept": concept,
                    "comment": t.get("comment"),
                    "dependsOn": deps,
                    "source": source_url,
                }
            )
    return out
