"""Published artefacts: JSON Schema, RDF (OWL, SHACL, SKOS) and crosswalk tables (CSV, SSSOM, FHIR).

``pptaxonomy build`` runs :func:`pptaxonomy.export.build.build`. Nothing here is imported by the
read path (``pptaxonomy.load()``): LinkML and rdflib are imported only when a build runs.
"""
