"""Search that understands how staff write: typos, abbreviations, compounds, places, suggestions."""
from __future__ import annotations

import pytest

from kb.search.compounds import split
from kb.search import arrays
from kb.search.query import _Matches, parse
from kb.search import synonyms


def api(client, q: str, **params):
    return client.get("/api/v1/search", query_string={"q": q, **params}).get_json()


def slugs(body) -> list[str]:
    return [r["slug"] for r in body["results"]]


BUS = {"kollektivtrafik-till-lediga-bostader", "brukslinjen", "harnosand-leasar-buss", "skolbuss-till-byskolor"}


def test_typo_kolektivtrafik_offers_correction_and_shows_bus_examples(client):
    body = api(client, "kolektivtrafik")
    assert body["suggestion"] == "kollektivtrafik"
    assert body["fuzzy"] is True
    assert BUS <= set(slugs(body)[:6])


@pytest.mark.parametrize(("typed", "fixed", "slug"), [
    ("paviljonboende", "paviljongboende", "paviljongboende"),
    ("samhalsorientering", "samhällsorientering", "samhallsorientering-pa-distans"),
])
def test_typos_get_suggestion_and_fuzzy_results(client, typed, fixed, slug):
    body = api(client, typed)
    assert body["suggestion"] == fixed and body["fuzzy"] is True
    assert slugs(body)[0] == slug


def test_correct_words_get_no_suggestion(client):
    body = api(client, "kollektivtrafik")
    assert body["suggestion"] is None and body["fuzzy"] is False


def test_abbreviation_abo_lists_accommodation_centre_examples(client):
    top = slugs(api(client, "ABO"))[:4]
    assert all("anlaggningsboende" in s for s in top), top


@pytest.mark.parametrize(("abbr", "slug"), [("sfi", "oppen-forskola-bredvid-sfi"), ("SO", "samhallsorientering-pa-distans"),
                                           ("VC", "vardcentral-i-hageby"), ("ÖK", "regionala-overenskommelser")])
def test_abbreviations_find_their_examples(client, abbr, slug):
    # Six examples are tagged ÖK and score within a few percent of each other.
    assert slug in slugs(api(client, abbr))[:6]


def test_compound_part_bolag_finds_housing_company_examples(client):
    top = set(slugs(api(client, "bolag"))[:5])
    assert {"samarbete-med-privata-bostadsbolag", "agardirektiv-till-bostadsbolag"} <= top


def test_compound_part_trafik_finds_public_transport(client):
    assert "kollektivtrafik-till-lediga-bostader" in slugs(api(client, "trafik"))[:3]


def test_exact_word_ranks_above_compound_part():
    # 'boende' as a part of 'anläggningsboende' has a fraction of a title word's weight.
    from kb.search.schema import WEIGHTS

    assert WEIGHTS["parts"] < WEIGHTS["body"] < WEIGHTS["title"]


@pytest.mark.parametrize(("stem", "parts"), [
    ("bostadsbolag", ("bostad", "bolag")), ("kollektivtrafik", ("kollektiv", "trafik")),
    ("fotbollsklubb", ("fotboll", "klubb")), ("kommun", ()),
])
def test_split_compounds(stem, parts):
    assert split(stem) == parts


def test_boras_finds_boras_and_nothing_about_bor(client):
    body = api(client, "boras")
    assert slugs(body)[0] == "bostader-byggda-for-studenter"
    assert body["total"] == 1
    assert body["places"] == [{"type": "municipality", "code": "1490", "name": "Borås"}]


def test_place_in_query_is_a_boost_and_suggested_filter_not_a_required_word(client):
    body = api(client, "skola Borlänge", per_page=50)
    assert {"type": "municipality", "code": "2081", "name": "Borlänge"} in body["places"]
    found = slugs(body)
    assert "pedagogisk-mottagning-och-omsorg" in found[:3]
    assert any("2081" not in [m["code"] for m in r["municipalities"]] for r in body["results"])


def test_county_in_query(client):
    body = api(client, "villor i Dalarna")
    assert {"type": "county", "code": "20", "name": "Dalarnas län"} in body["places"]
    assert slugs(body)[0] == "kopa-villor-och-smahus"


def test_search_page_offers_place_filter_and_did_you_mean(client):
    html = client.get("/sok?q=skola+Borl%C3%A4nge").get_data(as_text=True)
    assert "Visa bara exempel i Borlänge" in html and "municipality=2081" in html
    html = client.get("/sok?q=kolektivtrafik").get_data(as_text=True)
    assert "Menade du" in html and "q=kollektivtrafik" in html and "liknande stavning" in html


def test_ambiguous_place_name_needs_capital_or_context(loaded_app):
    ambiguous = loaded_app.extensions["kb_index"].ambiguous_places()
    assert "mark" in ambiguous and "borlange" not in ambiguous
    assert parse("mark", ambiguous=ambiguous).places == []
    assert [p.name for p in parse("Mark", ambiguous=ambiguous).places] == ["Mark"]
    assert [p.name for p in parse("skola i mark", ambiguous=ambiguous).places] == ["Mark"]


def test_synonym_parse_errors_name_the_problem():
    with pytest.raises(synonyms.SynonymError, match="rad"):
        synonyms.parse("groups:\n- [abo, anläggningsboende\n")
    with pytest.raises(synonyms.SynonymError, match="minst två"):
        synonyms.parse("groups:\n- [abo]\n")
    with pytest.raises(synonyms.SynonymError, match="finns redan"):
        synonyms.parse("groups:\n- [abo, anläggningsboende]\n- [anläggningsboende, asyl]\n")
    with pytest.raises(synonyms.SynonymError, match="groups"):
        synonyms.parse("- [a, b]\n")


def test_synonyms_match_inflected_forms():
    table = synonyms.parse("groups:\n- [ök, överenskommelse]\n")
    assert table.alternatives(synonyms.key("överenskommelserna")) == ["ök"]


def test_suggest_api_completes_titles_places_topics_and_tags(client):
    items = client.get("/api/v1/suggest?q=borl").get_json()["suggestions"]
    assert {"type": "place", "label": "Borlänge", "url": "http://localhost/kommun/borlange"} in items or any(
        i["type"] == "place" and i["label"] == "Borlänge" for i in items)
    kinds = {i["type"] for i in client.get("/api/v1/suggest?q=bo").get_json()["suggestions"]}
    assert "title" in kinds
    assert client.get("/api/v1/suggest?q=b").get_json()["suggestions"] == []
    assert any(i["type"] == "category" for i in client.get("/api/v1/suggest?q=bost").get_json()["suggestions"])
    assert client.get("/api/v1/suggest", query_string={"q": "\x00<script>" * 50}).status_code == 200


def test_facet_counts_from_columns_match_the_documents(loaded_app):
    with loaded_app.app_context():
        searcher = loaded_app.extensions["kb_index"].searcher()
        counted = _Matches(searcher, arrays.for_searcher(searcher), None).facet({}, "county")
        manual: dict[str, int] = {}
        for stored in searcher.all_stored_fields():
            for code, _name in stored["data"]["counties"]:
                manual[code] = manual.get(code, 0) + 1
    assert counted == manual


def test_suggestions_follow_an_approval_reading_only_the_new_segment(make_app):
    import importlib

    from tests.staff.conftest import add_staff, make_entry

    suggest_module = importlib.import_module("kb.search.suggest")  # the package re-exports a function of that name
    app = make_app()
    add_staff(app)
    client = app.test_client()
    suggest_module._segments.clear()
    assert not [i for i in client.get("/api/v1/suggest?q=zebrafink").get_json()["suggestions"] if i["type"] == "title"]
    read_before = set(suggest_module._segments.kept)
    make_entry(app, "contrib_x", "20", state="published", title="Zebrafinkar på biblioteket")
    items = client.get("/api/v1/suggest?q=zebrafink").get_json()["suggestions"]
    assert [i["label"] for i in items if i["type"] == "title"] == ["Zebrafinkar på biblioteket"]
    assert items[0]["url"].endswith("/exempel/zebrafinkar-pa-biblioteket")
    kept = suggest_module._segments.kept
    new = set(kept) - read_before  # the approval's segment(s): the 56 examples were not read again
    assert read_before < set(kept) and sum(len(kept[k]) for k in new) <= 2
