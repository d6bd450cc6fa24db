// FHIR R4 conformance of JSON resources, with the consumers' tools: Ajv against HL7's official
// R4 JSON Schema (fhir.schema.json, http://hl7.org/fhir/json-schema/4.0), then the R4
// invariants of CodeSystem, ConceptMap and DomainResource evaluated with fhirpath.js.
// Usage: node fhir_check.cjs <fhir.schema.json> <resource.json>...; exit 1 on any failure.
"use strict";
const fs = require("fs");
const Ajv = require("ajv");
const fhirpath = require("fhirpath");
const r4 = require("fhirpath/fhir-context/r4");

// Invariants as published in the R4 specification (severity error unless noted).
const INVARIANTS = {
  DomainResource: [
    ["dom-2", "contained.contained.empty()"],
    ["dom-3", "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).empty()"],
    ["dom-4", "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()"],
    ["dom-5", "contained.meta.security.empty()"],
    ["dom-6 (best practice)", "text.`div`.exists()"],
  ],
  CodeSystem: [
    ["csd-0 (warning)", "name.exists() implies name.matches('[A-Z]([A-Za-z0-9_]){0,254}')"],
    ["csd-1", "concept.code.combine($this.descendants().concept.code).isDistinct()"],
  ],
  ConceptMap: [
    ["cmd-0 (warning)", "name.exists() implies name.matches('[A-Z]([A-Za-z0-9_]){0,254}')"],
    ["cmd-1", "group.element.target.all(comment.exists() or equivalence.empty() or ((equivalence != 'narrower') and (equivalence != 'inexact')))"],
    ["cmd-2", "group.unmapped.all((mode = 'fixed') implies code.exists())"],
    ["cmd-3", "group.unmapped.all((mode = 'other-map') implies url.exists())"],
  ],
};

const [schemaPath, ...files] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
delete schema.$schema; // draft-06, read by Ajv 8 as draft-07 (the same keywords here)
schema.$id = schema.id; // HL7 wrote the draft-04 "id"
delete schema.id;
const ajv = new Ajv({ strict: false, allErrors: true });
const validate = ajv.compile(schema);
let failed = 0;
for (const file of files) {
  const resource = JSON.parse(fs.readFileSync(file, "utf8"));
  const problems = [];
  if (!validate(resource)) {
    // Errors at a path inside the resource first: the root's oneOf errors say little.
    const errors = [...validate.errors].sort((a, b) => (a.instancePath ? 0 : 1) - (b.instancePath ? 0 : 1));
    for (const e of errors.slice(0, 10)) problems.push(`schema ${e.instancePath} ${e.message}`);
  }
  for (const type of ["DomainResource", resource.resourceType]) {
    for (const [key, expr] of INVARIANTS[type] || []) {
      const out = fhirpath.evaluate(resource, expr, { resource }, r4);
      if (!(out.length === 1 && out[0] === true)) problems.push(`invariant ${key} fails`);
    }
  }
  if (problems.length) {
    failed += 1;
    console.log(`${file}: FAIL\n  ${problems.join("\n  ")}`);
  } else {
    console.log(`${file}: OK`);
  }
}
process.exit(failed ? 1 : 0);
