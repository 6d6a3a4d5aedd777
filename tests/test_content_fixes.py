"""Issue 11 content fixes stay fixed: honest advice label, one list of cited sections,
tags only for what the text supports, and the five overstatements gone."""
from __future__ import annotations

import re
from pathlib import Path

from kb import content

ROOT = Path(__file__).resolve().parent.parent / "content"
DATA = content.parse_directory(ROOT)


def test_advice_is_labelled_as_the_editors_own():
    for ex in DATA.examples:
        assert "Råd utifrån rapportens" not in ex.body, ex.slug


def test_kalla_footer_lists_exactly_source_sections():
    for ex in DATA.examples:
        footer = [line for line in ex.body.splitlines() if line.startswith("*Källa:")]
        assert len(footer) == 1, ex.slug
        cited = re.findall(r"\b(?:\d\.\d|5)\b", footer[0].split("2014)", 1)[1])
        assert cited == ex.source_sections and cited, (ex.slug, cited, ex.source_sections)


def test_tags_do_not_claim_what_the_body_says_is_unknown():
    by_slug = {ex.slug: ex for ex in DATA.examples}
    assert not {"feriejobb", "sommarjobb"} & set(by_slug["ungdomsjobb"].tags)
    assert "samverkansavtal" not in by_slug["samarbete-med-landstinget"].tags
    assert "blockförhyrning" not in by_slug["kollektiva-hyresratter"].tags


def test_the_five_overstatements_are_gone():
    by_slug = {ex.slug: ex for ex in DATA.examples}
    assert "samverkar i stället" not in by_slug["regionala-overenskommelser"].body
    assert "Enligt rapporten ökar det chansen" not in by_slug["kommuner-som-onskar-anlaggningsboende"].summary
    assert "som lockar" not in by_slug["studiebesok-for-inflyttning"].title
    okad = by_slug["okad-larartathet"].body
    assert "som rapporten föreslår" not in okad and "vilket leder till" not in okad
    distans = by_slug["samhallsorientering-pa-distans"]
    assert "är exempel på hur kommuner kan möta detta" not in distans.body
    assert "Det kan hjälpa mindre kommuner" not in distans.summary
