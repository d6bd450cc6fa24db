"""FHIR errors: an exception with the HTTP status and HL7 issue type, and its OperationOutcome."""

from __future__ import annotations

from typing import Any


class FhirError(Exception):
    """A request the server refuses: ``status`` (4xx), HL7 ``issue_type`` and a message.

    Issue types are those of http://hl7.org/fhir/issue-type (``invalid``, ``not-found``,
    ``not-supported``, ``too-long``, ``required``, ``code-invalid``, ``processing``...).
    """

    def __init__(self, status: int, issue_type: str, message: str, severity: str = "error"):
        super().__init__(message)
        self.status = status
        self.issue_type = issue_type
        self.message = message
        self.severity = severity

    def outcome(self) -> dict[str, Any]:
        """The OperationOutcome resource describing this error."""
        return operation_outcome(self.severity, self.issue_type, self.message)


def operation_outcome(
    severity: str, issue_type: str, message: str, expression: str | None = None
) -> dict[str, Any]:
    """An OperationOutcome with one issue."""
    issue: dict[str, Any] = {
        "severity": severity,
        "code": issue_type,
        "details": {"text": message},
        "diagnostics": message,
    }
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
