"""The matcher's short path (``matcher/shortcut.py``) gives exactly the full reading's answer,
and only for titles none of whose words the reading acts on."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pptaxonomy.matcher import Matcher
from pptaxonomy.matcher.shortcut import ACTIVE

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "ons-titles.tsv"


@pytest.fixture(scope="module")
def matcher(tax) -> Matcher:
    return Matcher(tax)


@pytest.fixture(scope="module")
def corpus_titles() -> list[str]:
    with CORPUS.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t")
        return list(dict.fromkeys(r["title"] for r in rows))


def _full(m: Matcher, title: str):
    """The full reading, bypassing the short path and the answer cache."""
    return m._read(title)


def test_shortcut_agrees_with_the_full_reading_on_corpus_titles(matcher, corpus_titles):
    sample = random.Random(10).sample(corpus_titles, 6000)
    taken = 0
    for title in sample:
        quick = matcher._shortcut.answer(title)
        if quick is not None:
            taken += 1
            assert quick == _full(matcher, title), title
    # Most real titles name no profession; the short path must keep answering them.
    assert taken >= 0.6 * len(sample)


def test_shortcut_answers_both_kinds(matcher):
    plain = matcher._shortcut.answer("Plumber, pipe")
    assert plain is not None and plain.status == "unknown"
    assert plain.reason == "no profession label matches; unknown words: plumber pipe"
    negative = matcher._shortcut.answer("Driver, bus")
    assert negative is not None and negative.status == "not-psychological"
    assert negative == _full(matcher, "Driver, bus")


@pytest.mark.parametrize(
    "title",
    [
        "Clinical psychologist",
        "Plumber (Senior)",  # a level word
        "Plumber - Band 7",  # band text
        "Plumber 2",  # a digit
        "Pyschologist",  # a typo the corrector fixes
        "Counselor",  # a spelling variant
        "Snr plumber",  # an abbreviation
        "Psychologist, plumber",  # an inverted head / label word
        "The",  # only a dropped word
        "",
    ],
)
def test_titles_with_an_active_word_take_the_full_reading(matcher, title):
    assert matcher._shortcut.answer(title) is None


def test_every_label_and_phrase_first_word_is_active(matcher):
    sc = matcher._shortcut
    index = matcher._reader
    words = set(matcher._label_words) | matcher._levels.explainable
    words |= {k[0] for k in index._level_words.table}
    for w in sorted(words):
        if w in matcher._tok._dropped:
            continue
        assert sc.kind(w) == ACTIVE, w
        assert sc.answer(f"Plumber {w}") is None, w


def _word_pool(matcher, corpus_titles) -> list[str]:
    words = set()
    for t in corpus_titles[::7]:
        words.update(re.findall(r"[A-Za-z0-9']+", t))
    words.update(matcher._typos._vocab_set)
    words.update(("b7", "8a", "7", "counselor", "co", "ordinator", "well", "being", "or"))
    return sorted(words)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_property_shortcut_never_disagrees(matcher, corpus_titles, data):
    """Random titles from corpus and rule-table words, joined by separators: whenever the
    short path answers, it is the full reading's answer, field for field."""
    pool = _word_pool(matcher, corpus_titles)
    words = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6))
    seps = data.draw(
        st.lists(st.sampled_from([" ", ", ", " - ", " / ", " (", ") ", " & "]), min_size=5)
    )
    title = "".join(w + s for w, s in zip(words, seps, strict=False)).strip()
    quick = matcher._shortcut.answer(title)
    if quick is not None:
        assert quick == _full(matcher, title)


def test_rule_phrases_read_alone_agree(matcher):
    """Every group term, umbrella term, spelling variant, abbreviation and negative, as a
    title of its own and after an inert word: the short path never answers differently."""
    from pptaxonomy.normalise import PHRASE_VARIANTS, WORD_VARIANTS

    reader = matcher._reader
    phrases = [
        *reader._group_terms,
        *reader._umbrellas,
        *PHRASE_VARIANTS,
        *((w,) for w in WORD_VARIANTS),
        *matcher._tok.abbrev.table,
        *reader._negatives.table,
    ]
    assert len(phrases) > 50
    for words in phrases:
        for title in (" ".join(words), "Plumber, " + " ".join(words)):
            quick = matcher._shortcut.answer(title)
            if quick is not None:
                assert quick == _full(matcher, title), title


def test_ascii_fast_path_of_clean_knows_every_ascii_translation():
    """``normalise._clean`` skips ``str.translate`` for ASCII text without "&", "+" or "`":
    no other ASCII character may be in the table."""
    from pptaxonomy.normalise import _TRANSLATE, _clean

    assert {chr(c) for c in _TRANSLATE if c < 128} == {"&", "+", "`"}
    for text in ("Art & Drama", "A+B", "Children`s", "Plain Title"):
        assert _clean(text) == text.translate(_TRANSLATE).lower()


def test_forget_empties_the_memo_tables_and_keeps_the_readings():
    from pptaxonomy import load
    from pptaxonomy.matcher import matcher_for
    from pptaxonomy.normalise import _PART_CACHE

    m = matcher_for(load())
    titles = ["Clinical Psychologist, Band 8a", "Snr PWP", "Councellor", "Plumber"]
    before = [m.match(t) for t in titles]
    assert m._cache and m._tok._seg_cache and _PART_CACHE
    m.forget()
    assert not (m._cache or m._key_cache or m._tok._seg_cache or m._typos._fix_cache)
    assert not _PART_CACHE and m._shortcut._kinds == m._shortcut._fixed
    assert [m.match(t) for t in titles] == before
