"""Match free-text job titles to a profession and a level: ``match(title) -> Match``.

    >>> from pptaxonomy.matcher import match
    >>> m = match("Snr Clinical Psychologist - CAMHS (Band 8a)")
    >>> (m.status, m.profession_id, m.level_id, m.method)
    ('matched', 'clinical-psychologist', 'senior', 'exact')

How a title is read (the details are in ``match_rules.yaml`` and ``docs/audit.md``; each
step lives in its own module of this package, named after it):

1. Normalise it (``pptaxonomy.normalise``) and split it at its separators, so that
   "Psychologist - CAMHS (North)" has a job part and qualifier parts; expand abbreviations
   ("Snr", "Clin Psych", "HIT"); read band text ("Band 8a", "B7", "AfC 7").
2. Look every run of words up in a label index built from the taxonomy: each profession's
   name, labels (preferred, protected, alternative, acronym, historic, hidden) and level titles,
   plus the few extra aliases of the rule table. The longest runs win; runs of different
   professions make the title ``ambiguous``.
3. Hard negatives (psychiatrists, nurses, OTs, administrators, debt and genetic counsellors,
   peer support workers, the generic "mental health practitioner"...) make it
   ``not-psychological``, unless the negative words lie inside a profession label.
4. The words left over must be explained: seniority words give the level, qualifiers
   (service, team, place, contract) cost nothing, unexplained words lower the score.
5. A title with no label run is tried as a bag of words (a rule match), then with typos
   corrected against the vocabulary (rapidfuzz, strict cut-off), then as a generalisation of
   labels ("Psychologist" fits seven professions: ``ambiguous``).

Below ``THRESHOLD`` the matcher abstains (``unknown``); it never guesses silently. A
``Matcher`` is built once per taxonomy and cached, and it caches its answers by title.
"""

from __future__ import annotations

from .cli import cli_match
from .facade import MAX_TITLE_CHARS, Matcher, match, matcher_for
from .result import METHODS, STATUSES, THRESHOLD, Alternative, Match
from .rules import RULES_FILE, load_rules
from .tokens import natural_order

# Former private names of the single-module matcher, kept for callers that used them.
_load_rules = load_rules
_natural_order = natural_order

__all__ = [
    "MAX_TITLE_CHARS",
    "METHODS",
    "RULES_FILE",
    "STATUSES",
    "THRESHOLD",
    "Alternative",
    "Match",
    "Matcher",
    "cli_match",
    "load_rules",
    "match",
    "matcher_for",
]
