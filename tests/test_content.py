"""Integrity of the shipped content: the facts the taxonomy must get right, record by record."""

from __future__ import annotations

import pytest

from pptaxonomy.model import AFC_BANDS

HEE_TWELVE = {
    "clinical-psychologist", "cbt-therapist", "psychological-wellbeing-practitioner",
    "counsellor", "child-and-adolescent-psychotherapist", "counselling-psychologist",
    "forensic-psychologist", "health-psychologist", "family-therapist", "adult-psychotherapist",
    "childrens-wellbeing-practitioner", "education-mental-health-practitioner",
}  # fmt: skip
HCPC_DOMAIN_TITLES = {
    "clinical-psychologist": "Clinical psychologist",
    "counselling-psychologist": "Counselling psychologist",
    "educational-psychologist": "Educational psychologist",
    "forensic-psychologist": "Forensic psychologist",
    "health-psychologist": "Health psychologist",
    "occupational-psychologist": "Occupational psychologist",
    "sport-and-exercise-psychologist": "Sport and exercise psychologist",
    "art-therapist": "Art therapist",
    "dramatherapist": "Dramatherapist",
    "music-therapist": "Music therapist",
}
OTHER_SYSTEMS = ("sds-job-role", "soc-2020", "isco-08", "esco-occupation")


def test_exactly_the_hee_twelve_are_core(tax):
    assert {p.id for p in tax if p.core_twelve} == HEE_TWELVE


@pytest.mark.parametrize(("profession", "title"), sorted(HCPC_DOMAIN_TITLES.items()))
def test_hcpc_protected_titles(tax, profession, title):
    p = tax.professions[profession]
    assert title.casefold() in {t.casefold() for t in p.protected_titles}
    assert p.regulation_kind == "statutory" and p.regulator == "hcpc"
    assert "hcpc-register" in {r.register for r in p.registrations}


def test_art_psychotherapist_is_a_protected_title_of_art_therapists(tax):
    assert "Art psychotherapist" in tax.professions["art-therapist"].protected_titles


def test_shared_practitioner_psychologist_titles_sit_on_the_hcpc_register(tax):
    titles = {lab.text for lab in tax.registers["hcpc-register"].protected_titles}
    assert {"Practitioner psychologist", "Registered psychologist"} <= titles


def test_only_hcpc_professions_have_protected_titles(tax):
    for p in tax:
        if p.protected_titles:
            assert p.regulation_kind == "statutory", p.id
        for lab in p.labels:
            if lab.kind == "protected_title":
                assert lab.protected_by == "hcpc" and lab.sources and lab.confidence


def test_titles_that_are_not_protected_are_not_marked_protected(tax):
    protected = {t.casefold() for p in tax for t in p.protected_titles}
    assert not {"psychologist", "counsellor", "psychotherapist", "therapist"} & protected


def test_aft_is_not_a_register(tax):
    aft = tax.professional_bodies["aft"]
    assert "register_holder" not in aft.body_roles
    assert not [r for r in tax.registers.values() if r.owner == "aft"]
    family = tax.professions["family-therapist"]
    assert "ukcp-register" in {r.register for r in family.registrations}


def test_accredited_registers_are_accredited_by_the_psa(tax):
    for r in tax.registers.values():
        if r.register_kind == "accredited_register":
            assert r.accreditation and r.accreditation.accredited_by == "psa", r.id
            assert r.owner in tax.professional_bodies, r.id
        else:
            assert r.regulator == "hcpc", r.id


def test_sourced_accreditation_dates(tax):
    since = {r.id: r.accreditation.since for r in tax.registers.values() if r.accreditation}
    assert since["acp-register"] == "2014"
    assert since["bps-wpw-register"] == "2022-08-25"
    assert since["cbt-register-uk"] == "2023-07-07"


def test_arts_therapists_are_also_allied_health_professions(tax):
    for pid in ("art-therapist", "dramatherapist", "music-therapist"):
        p = tax.professions[pid]
        assert p.group == "psychological-therapists"
        assert "allied-health-professions" in p.other_groups


def test_every_fact_carries_sources_and_a_confidence(tax):
    facts = []
    for p in tax:
        facts += [(p.id, f"level {pl.level}", pl) for pl in p.levels]
        facts += [(p.id, f"register {r.register}", r) for r in p.registrations]
        facts += [(p.id, f"progression {g.to_profession}", g) for g in p.progressions]
        facts += [(p.id, f"entry route {r.entry_kind}", r) for r in p.entry_routes]
    facts += [(m.profession, f"mapping {m.code_system}:{m.code}", m) for m in tax.mappings]
    facts += [(e.id, "entity", e) for e in (*tax.regulators.values(), *tax.registers.values(),
                                              *tax.professional_bodies.values())]  # fmt: skip
    missing = [(who, what) for who, what, f in facts if not (f.sources and f.confidence)]
    assert not missing


def test_bands_are_agenda_for_change_bands_in_order(tax):
    for p in tax:
        for pl in p.levels:
            if pl.pay_scale == "agenda_for_change" and pl.band_min:
                assert pl.band_min in AFC_BANDS and (pl.band_max or pl.band_min) in AFC_BANDS
                assert pl.bands, (p.id, pl.level)
            if pl.pay_scale != "agenda_for_change":
                assert pl.band_min is None and pl.pay_note, (p.id, pl.level)


def test_educational_psychologists_are_paid_on_soulbury(tax):
    qualified = tax.professions["educational-psychologist"].level("qualified")
    assert qualified.pay_scale == "soulbury" and "Soulbury" in qualified.pay_note


@pytest.mark.parametrize(
    ("profession", "label"),
    [
        ("psychological-wellbeing-practitioner", "IAPT psychological wellbeing practitioner"),
        ("cbt-therapist", "High intensity therapist"),
        ("family-therapist", "Systemic family therapist"),
    ],
)
def test_well_known_other_names(tax, profession, label):
    assert tax.lookup(label).id == profession


def test_every_profession_has_a_row_or_a_no_match_in_every_other_code_system(tax):
    for p in tax:
        for system in OTHER_SYSTEMS:
            assert tax.mappings_for(p.id, code_system=system), (p.id, system)


def test_nhs_codes_use_the_psychology_and_arts_therapy_areas_only(tax):
    for m in tax.mappings:
        if m.code_system == "nhs-occupation-code" and m.code:
            assert m.code[0] == "S" and m.code[2] in "LMH", (m.profession, m.code)


def test_medical_psychotherapy_codes_are_never_mapped(tax):
    assert not [m for m in tax.mappings if m.code in ("055", "155")]


def test_no_mapping_claims_a_profession_specific_nhs_code_exactly(tax):
    """The manual has no profession-specific codes, so NHS rows are never exactMatch."""
    exact = [m for m in tax.mappings if m.code_system == "nhs-occupation-code"
             and m.predicate == "exactMatch" and not m.no_match]  # fmt: skip
    assert not exact


def test_sds_code_system_is_declared_retired(tax):
    assert tax.code_systems["sds-job-role"].code_system_status == "retired"


# -- data release 0.2.0: review corrections, coverage and career routes ------------------------


def _row(tax, profession, code_system, code=None):
    return [
        m
        for m in tax.mappings_for(profession)
        if m.code_system == code_system and (code is None or m.code == code)
    ]


@pytest.mark.parametrize(
    ("profession", "code_system", "code"),
    [  # the review's wrong facts 1-6, as ONS's coding index v12 settles them
        ("family-therapist", "soc-2020", "2229"),
        ("family-therapist", "isco-08", "2635"),
        ("education-mental-health-practitioner", "soc-2020", "2259/06"),
        ("education-mental-health-practitioner", "isco-08", "2269"),
        ("psychological-wellbeing-practitioner", "isco-08", "2634"),
        ("assistant-psychologist", "soc-2020", "2226/99"),
    ],
)
def test_review_corrections_are_in_the_crosswalk(tax, profession, code_system, code):
    rows = _row(tax, profession, code_system, code)
    assert rows and all("ons-soc2020-coding-index-v12" in m.sources for m in rows)


def test_family_therapist_is_no_longer_in_2224(tax):
    assert not _row(tax, "family-therapist", "soc-2020", "2224")


@pytest.mark.parametrize("profession", ["cbt-therapist", "assistant-psychologist"])
def test_esco_and_ons_disagreements_give_both_isco_rows(tax, profession):
    rows = _row(tax, profession, "isco-08")
    assert len({m.code for m in rows}) == 2
    assert all("disagree" in (m.comment or "") for m in rows)


def test_no_fact_cites_the_unverified_soc_listing(tax):
    assert "soc-2020-unverified-listing" not in tax.sources
    assert all("soc-2020-unverified-listing" not in m.sources for m in tax.mappings)


def test_clinical_associate_psychologist_is_a_sourced_historic_label(tax):
    (lab,) = [
        x
        for x in tax.professions["clinical-associate-psychologist"].labels
        if x.text == "Clinical associate psychologist"
    ]
    assert lab.kind == "historic" and lab.sources


def test_counsellor_entry_level_band_5_is_qualified_not_trainee(tax):
    c = tax.professions["counsellor"]
    assert c.level("qualified").band_min == "5"
    assert "entry-level" not in c.level("trainee").title.lower()


def test_counsellors_link_to_cosca_acc_and_hgi(tax):
    regs = {r.register for r in tax.professions["counsellor"].registrations}
    assert {"cosca-register", "acc-register", "hgi-register"} <= regs


def test_educational_psychologists_have_soulbury_at_every_level(tax):
    ep = tax.professions["educational-psychologist"]
    assert ep.level_ids[0] == "assistant"
    assert all(pl.pay_scale == "soulbury" for pl in ep.levels)


def test_at_least_twenty_sourced_routes_between_professions(tax):
    routes = [(p.id, g) for p in tax for g in p.progressions]
    assert len(routes) >= 20
    for frm, g in routes:
        assert g.to_profession in tax.professions and g.to_profession != frm
        assert g.sources and g.route_kind and g.requirements


def test_every_profession_has_its_own_entry_route(tax):
    routes = [p.entry_route for p in tax if not p.is_deprecated]
    assert all(routes) and len(set(routes)) == len(routes)


def test_typed_entry_routes_are_read_from_the_profession_and_its_routes_in(tax):
    """Each active profession has 1-3 typed entry routes, citing only the profession's own
    sources, never verified (the split of the text is the taxonomy's reading), whose
    from_professions are exactly the professions with a progression into it."""
    into: dict[str, set[str]] = {}
    for q in tax:
        for g in q.progressions:
            into.setdefault(g.to_profession, set()).add(q.id)
    texts = []
    for p in tax:
        if p.is_deprecated:
            continue
        assert 1 <= len(p.entry_routes) <= 3, p.id
        for r in p.entry_routes:
            assert set(r.sources) <= set(p.sources), (p.id, r.entry_kind)
            assert r.confidence in ("inferred", "unverified"), (p.id, r.entry_kind)
            assert r.requirements and r.requirements != p.entry_route
        starts = {f for r in p.entry_routes for f in r.from_professions}
        assert starts == into.get(p.id, set()), p.id
        texts.append(tuple(r.requirements for r in p.entry_routes))
    assert len(set(texts)) == len(texts)  # no two professions' routes read the same
    kinds = {p.id: [r.entry_kind for r in p.entry_routes] for p in tax}
    assert kinds["psychological-wellbeing-practitioner"] == [
        "postgraduate",
        "salaried_trainee_post",
        "apprenticeship",
    ]
    assert kinds["cbt-therapist"] == ["from_profession", "experience_or_portfolio"]
    assert kinds["art-therapist"] == ["degree", "apprenticeship"]


def unverified_facts(tax):
    """(where, comment) for every fact marked unverified: rows, labels, levels, registrations."""
    for m in tax.mappings:
        if m.confidence == "unverified":
            yield f"{m.profession} {m.code_system} {m.code}", m.comment
    for p in tax:
        for kind, items in (("label", p.labels), ("level", p.levels), ("reg", p.registrations),
                            ("entry route", p.entry_routes)):  # fmt: skip
            for item in items:
                if item.confidence == "unverified":
                    yield f"{p.id} {kind} {item}", item.comment


def test_every_unverified_fact_says_what_would_settle_it(tax):
    missing = [where for where, comment in unverified_facts(tax) if "settle" not in (comment or "")]
    assert missing == []
    assert sum(1 for _ in unverified_facts(tax)) > 40  # the 46 NHS rows among them


def test_modality_labels_are_sourced(tax):
    labels = {lab.text: lab for lab in tax["psychological-therapist"].labels}
    for text in ("Cognitive analytic therapist", "EMDR therapist", "Parent-infant psychotherapist"):
        assert labels[text].sources and labels[text].confidence == "inferred", text
    assert {"CAT practitioner", "CAT psychotherapist"} <= {
        t for t, lab in labels.items() if lab.kind == "alternative"
    }
