"""FHIR errors: an exception with the HTTP status and HL7 issue type, and its OperationOutcome."""

from __future__ import annotations

from typing import Any


class FhirError(Exception):
    """A request the server refuses: ``status`` (4xx), HL7 ``issue_type`` and a message.

    Issue types are those of http://hl7.org/fhir/issue-type (``invalid``, ``not-found``,
    ``not-supported``, ``too-long``, ``required``, ``code-invalid``, ``processing``...).
    """

    def __init__(
        self,
        status: int,
        issue_type: str,
        message: str,
        severity: str = "error",
        tx_code: str | None = None,
        expression: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.issue_type = issue_type
        self.message = message
        self.severity = severity
        self.tx_code = tx_code or TX_CODES.get(issue_type)
        self.expression = expression

    def outcome(self) -> dict[str, Any]:
        """The OperationOutcome resource describing this error."""
        return operation_outcome(
            self.severity, self.issue_type, self.message, self.expression, self.tx_code
        )


TX_ISSUE = "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"
TX_CODES = {"not-found": "not-found"}
"""The tx-issue-type code (details.coding) an HL7 issue type carries when none is given."""


def operation_outcome(
    severity: str,
    issue_type: str,
    message: str,
    expression: str | None = None,
    tx_code: str | None = None,
) -> dict[str, Any]:
    """An OperationOutcome with one issue (``tx_code``: its tx-issue-type detail code)."""
    details: dict[str, Any] = {"text": message}
    if tx_code:
        details = {"coding": [{"system": TX_ISSUE, "code": tx_code}], "text": message}
    issue: dict[str, Any] = {"severity": severity, "code": issue_type, "details": details}
    if expression:
        issue["location"] = [expression]
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
