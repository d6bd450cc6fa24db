"""Job-title normalisation: the comparable form of a free-text title.

``normalise_title`` turns any text into lower-case ASCII words separated by single spaces:

* Unicode: NFKC, then accents dropped (``é`` -> ``e``); curly quotes, primes and every dash
  become their ASCII forms; characters with no ASCII letter or digit in them are dropped.
* Case: case-folded.
* ``&`` and ``+`` become ``and``; apostrophes are removed (``children's`` -> ``childrens``);
  every other punctuation mark separates words.
* British spelling: a small table of variants (``counselor``, ``behavioral``, ``well being``,
  ``drama therapist``) is rewritten to one form.

It is idempotent: ``normalise_title(normalise_title(x)) == normalise_title(x)`` for every ``x``
(tested with Hypothesis). ``title_segments`` splits a title first at its separators
(`` - ``, ``/``, ``,``, brackets), so that the matcher can tell the job title from the service,
team and place qualifiers around it.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise_title", "title_segments", "tokens"]

# Characters NFKC leaves alone that we want as plain ASCII.
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u0060": "'",
        "\u00b4": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": " - ",
        "\u2014": " - ",
        "\u2015": " - ",
        "\u2212": "-",
        "\ufe58": "-",
        "&": " and ",
        "+": " and ",
        "\u00a0": " ",
        "\u200b": "",
        "\ufeff": "",
    }
)
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Spelling variants, word for word: variant -> the form used everywhere else. No value may
# itself be a key, so that a second pass changes nothing.
WORD_VARIANTS: dict[str, str] = {
    "counselor": "counsellor",
    "counselors": "counsellor",
    "counseling": "counselling",
    "behavioral": "behavioural",
    "behavior": "behaviour",
    "organizational": "organisational",
    "specialized": "specialised",
    "pediatric": "paediatric",
    "pediatrics": "paediatrics",
    "practioner": "practitioner",
    "practicioner": "practitioner",
    "psychologists": "psychologist",
    "therapists": "therapist",
    "practitioners": "practitioner",
    "counsellors": "counsellor",
    "psychotherapists": "psychotherapist",
}
# Multi-word variants: (words) -> words. Applied after WORD_VARIANTS, longest first.
PHRASE_VARIANTS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("well", "being"): ("wellbeing",),
    ("drama", "therapist"): ("dramatherapist",),
    ("drama", "therapy"): ("dramatherapy",),
    ("drama", "therapists"): ("dramatherapist",),
    ("psycho", "therapist"): ("psychotherapist",),
    ("psycho", "therapy"): ("psychotherapy",),
    ("health", "care"): ("healthcare",),
    ("co", "ordinator"): ("coordinator",),
}
_PHRASE_FIRST = {k[0] for k in PHRASE_VARIANTS}

# Separators that split a title into segments ("Psychologist - CAMHS (North)").
_SEGMENT_SPLIT = re.compile(r"\s+-+\s*|\s*-+\s+|[/\\|,;:()\[\]{}<>]|\s-\s|\u2013|\u2014|\u2015")


def _clean(text: str) -> str:
    """Unicode to ASCII-ish lower case, punctuation kept (so segments can still be found)."""
    if text.isascii():
        # NFKC leaves ASCII as it is, and casefold() is lower() on ASCII. Only three ASCII
        # characters are in _TRANSLATE, and translate() is slow beside three tests.
        if "&" in text or "+" in text or "`" in text:
            text = text.translate(_TRANSLATE)
        return text.lower()
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    text = text.casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
        text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).casefold()
        # Anything still not ASCII (scripts without an ASCII form, symbols) separates words.
        text = "".join(c if c.isascii() else " " for c in text)
    return text


def _words(clean: str) -> list[str]:
    clean = clean.replace("'", "")
    words = [WORD_VARIANTS.get(w, w) for w in _NON_WORD.split(clean) if w]
    if not _PHRASE_FIRST.intersection(words):
        return words
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in (2,):
            key = tuple(words[i : i + size])
            repl = PHRASE_VARIANTS.get(key)
            if repl is not None:
                out.extend(repl)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out


def normalise_title(text: object) -> str:
    """The comparable form of a title: lower-case ASCII words joined by single spaces.

    ``None`` and non-strings give ``""``. Idempotent.

        >>> normalise_title("Snr. Clinical Psychologist \u2013 CAMHS (Band 8a)")
        'snr clinical psychologist camhs band 8a'
        >>> normalise_title("Children\u2019s Well-being Practitioner")
        'childrens wellbeing practitioner'
    """
    if not isinstance(text, str) or not text:
        return ""
    return " ".join(_words(_clean(text)))


def title_segments(text: object) -> tuple[str, ...]:
    """The title split at its separators, each part normalised; empty parts dropped.

    >>> title_segments("Clinical Psychologist - CAMHS (North)")
    ('clinical psychologist', 'camhs', 'north')
    """
    if not isinstance(text, str) or not text:
        return ()
    clean = _clean(text)
    out = []
    for part in _SEGMENT_SPLIT.split(clean):
        seg = _PART_CACHE.get(part)
        if seg is None:
            if len(_PART_CACHE) > 100_000:
                _PART_CACHE.clear()
            seg = _PART_CACHE[part] = " ".join(_words(part))
        if seg:
            out.append(seg)
    return tuple(out)


_PART_CACHE: dict[str, str] = {}


def tokens(text: object) -> list[str]:
    """The words of ``normalise_title(text)``."""
    return normalise_title(text).split()
