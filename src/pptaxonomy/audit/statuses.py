"""The row statuses: how a title's reading and a code combine into ``pp_status``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..loader import Taxonomy

#: Every value ``pp_status`` can take.
STATUSES = (
    "consistent",
    "code-mismatch",
    "psych-code-unrecognised-title",
    "not-psychological",
    "ambiguous",
    "invalid-code",
    "retired-code",
    "no-code",
)
#: What ``--fail-on`` accepts: every status, and ``skipped`` (rows the audit could not read).
FAIL_ON = (*STATUSES, "skipped")
#: The columns the audit adds to each row.
PP_COLUMNS = (
    "pp_profession_id",
    "pp_level_id",
    "pp_score",
    "pp_method",
    "pp_expected_codes",
    "pp_status",
    "pp_group_id",
    "pp_certainty",
    "pp_band_check",
)
_PSYCH_CODE = re.compile(r"^S[0-9A-Z][LMH]$")


def code_state(code: str, taxonomy: Taxonomy) -> str:
    """``none``, ``invalid`` (not in the NHS code list), ``retired`` or ``valid``."""
    if not code:
        return "none"
    oc = taxonomy.occupation_code(code)
    if oc is None:
        return "invalid"
    return "valid" if oc.is_valid else "retired"


def clean_code(raw: str | None) -> str:
    """Codes compare upper-case without spaces; ``55`` (a spreadsheet ate the zero) is 055."""
    if not raw:
        return ""
    code = raw.strip().upper()
    if code.isdigit() and len(code) < 3:
        code = code.zfill(3)
    return code


def row_status(title_status: str, expected: Iterable[str], state: str, code: str) -> str:
    """The ``pp_status`` of a row, from its title's reading and its code.

    Precedence:

    * Title matched to a profession: ``no-code`` (no code), ``invalid-code`` (not in the NHS
      list), ``retired-code``, then ``consistent`` when the code is one of the profession's
      expected codes at the matched level (any level when none is evident), else
      ``code-mismatch``.
    * Title ambiguous: ``invalid-code``, ``retired-code``; ``code-mismatch`` when the code fits
      none of the candidate professions; otherwise ``ambiguous``.
    * Title not a psychological profession, or not recognised: a valid psychological code
      (S?L, S?M, S?H) gives ``psych-code-unrecognised-title``; then ``invalid-code``,
      ``retired-code``; an unrecognised title without a code is ``no-code``; everything else
      is ``not-psychological``.
    """
    expected = tuple(expected)
    if title_status == "matched":
        if state == "none":
            return "no-code"
        if state == "invalid":
            return "invalid-code"
        if state == "retired":
            return "retired-code"
        return "consistent" if code in expected else "code-mismatch"
    if title_status == "ambiguous":
        if state == "invalid":
            return "invalid-code"
        if state == "retired":
            return "retired-code"
        if state == "valid" and expected and code not in expected:
            return "code-mismatch"
        return "ambiguous"
    if state == "valid" and _PSYCH_CODE.match(code):
        return "psych-code-unrecognised-title"
    if state == "invalid":
        return "invalid-code"
    if state == "retired":
        return "retired-code"
    if state == "none" and title_status == "unknown":
        return "no-code"
    return "not-psychological"
