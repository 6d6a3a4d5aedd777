"""Map pages, the neighbourhood on municipality pages, proximity ranking and the places API."""
from __future__ import annotations

import re

import pytest
import shapely.geometry

REGION_LINK = re.compile(r'<a href="(/(?:lan|kommun)/[^"]+)" aria-label="([^"]+): (\d+) exempel"><title>')


def regions(html: str) -> list[tuple[str, str, int]]:
    svg = html[html.index('<svg class="map-svg"'):html.index("</svg>", html.index('<svg class="map-svg"'))]
    return [(href, name, int(n)) for href, name, n in REGION_LINK.findall(svg)]


def search_facet(client, name: str, **args) -> dict[str, int]:
    body = client.get("/api/v1/search", query_string={"per_page": 1, **args}).get_json()
    return {item["value"]: item["count"] for item in body["facets"][name]}


def test_karta_has_21_county_links_named_with_the_search_facet_counts(client):
    html = client.get("/karta").get_data(as_text=True)
    found = regions(html)
    assert len(found) == 21
    assert all(href.startswith("/lan/") for href, _n, _c in found)
    by_name = {name: n for _h, name, n in found}
    labels = {c["code"]: c["name"] for c in client.get("/api/v1/places").get_json()["counties"]}
    facet = search_facet(client, "county")
    assert by_name == {labels[code]: facet.get(code, 0) for code in labels}
    assert by_name["Dalarnas län"] == 6
    assert '<table class="data map-table">' in html and "Teckenförklaring" in html


def test_karta_category_filter_redraws_the_counts(client):
    found = {name: n for _h, name, n in regions(client.get("/karta?category=bostader").get_data(as_text=True))}
    everything = {name: n for _h, name, n in regions(client.get("/karta").get_data(as_text=True))}
    facet = search_facet(client, "county", category="bostader")
    assert sum(found.values()) == sum(facet.values()) < sum(everything.values())
    assert found != everything


def test_karta_bad_category_is_a_clear_400(client):
    resp = client.get("/karta?category=finns-inte")
    assert resp.status_code == 400
    assert "Okänd kategori" in resp.get_data(as_text=True)


def test_search_page_links_to_the_result_set_on_the_map(client):
    html = client.get("/sok?q=skola&category=kvalitet-i-verksamheten").get_data(as_text=True)
    assert 'href="/karta?q=skola&amp;category=kvalitet-i-verksamheten">Visa på karta</a>' in html
    shown = sum(n for _h, _name, n in regions(client.get("/karta?q=skola&category=kvalitet-i-verksamheten").get_data(as_text=True)))
    assert shown == sum(search_facet(client, "county", q="skola", category="kvalitet-i-verksamheten").values())


def test_county_page_has_one_region_per_municipality(client):
    found = regions(client.get("/lan/dalarnas-lan").get_data(as_text=True))
    assert len(found) == 15
    assert all(href.startswith("/kommun/") for href, _n, _c in found)
    assert ("/kommun/borlange", "Borlänge", 3) in found


def test_example_page_has_a_locator_naming_its_places(client):
    html = client.get("/exempel/kopa-villor-och-smahus").get_data(as_text=True)
    assert 'class="locator-svg"' in html and 'role="img"' in html
    title = re.search(r'<title id="locator-title">([^<]+)</title>', html).group(1)
    assert "Karlskrona" in title and "Kungälv" in title and "Svenljunga" in title


def test_municipality_without_examples_shows_neighbours_region_and_county(client):
    html = client.get("/kommun/gagnef").get_data(as_text=True)
    assert "har inga egna publicerade exempel" in html
    neighbours = html[html.index('id="nearby-heading"'):html.index('id="region-heading"')]
    assert "I grannkommunerna (4 exempel)" in neighbours
    assert "Modell för att hålla koll på statlig ersättning för mottagandet i Falun" in neighbours
    assert "Pedagogisk Mottagning och Omsorg" in neighbours
    assert "arbetsmarknadsregionen Falun-Borlänge" in html
    assert "Regionala överenskommelser om flyktingmottagande i sex län" in html[html.index('id="county-wide-heading"'):]


def test_municipality_page_lists_falun_under_borlanges_neighbours(client):
    html = client.get("/kommun/borlange").get_data(as_text=True)
    neighbours = html[html.index('id="nearby-heading"'):html.index('id="region-heading"')]
    assert 'href="/kommun/falun">Falun</a> <span class="count">(1)</span>' in neighbours
    assert "i Falun" in neighbours
    assert "Pedagogisk Mottagning" not in neighbours  # Borlänge's own, shown above
    assert 'href="/sok?near=2081"' in html


def test_municipality_page_lists_a_bounded_number_per_group_and_links_to_the_rest(client, monkeypatch):
    from kb.search import nearby

    full = client.get("/kommun/gagnef").get_data(as_text=True)
    full_neighbours = full[full.index('id="nearby-heading"'):full.index('id="region-heading"')]
    assert full_neighbours.count('class="result"') == 4 and "första av" not in full_neighbours
    monkeypatch.setattr(nearby, "SECTION_LIMIT", 2)
    html = client.get("/kommun/gagnef").get_data(as_text=True)
    neighbours = html[html.index('id="nearby-heading"'):html.index('id="region-heading"')]
    assert "I grannkommunerna (4 exempel)" in neighbours  # the count is of all of them
    assert neighbours.count('class="result"') == 2
    assert "De 2 första av 4 visas, i bokstavsordning." in neighbours and 'href="/sok?near=2026"' in neighbours
    counts = re.findall(r'<span class="count">\((\d+)\)</span>', neighbours)
    assert counts == re.findall(r'<span class="count">\((\d+)\)</span>', full_neighbours)  # per-place counts unchanged


def _places_of(result) -> set[str]:
    return {m["code"] for m in result["municipalities"]}


def test_near_ranks_own_then_neighbours_then_the_rest(client):
    body = client.get("/api/v1/search?near=2026&per_page=100").get_json()  # Gagnef: no examples of its own
    assert body["near"]["reason"] == "near" and body["near"]["home_count"] == 0
    neighbours = {n["code"] for n in body["near"]["neighbours"]}
    tiers = [0 if "2026" in _places_of(r) else 1 if _places_of(r) & neighbours else 2 for r in body["results"]]
    assert tiers == sorted(tiers)
    assert tiers.count(1) == body["near"]["neighbour_count"] == 4
    plain = client.get("/api/v1/search?per_page=100").get_json()
    assert {r["slug"] for r in plain["results"]} == {r["slug"] for r in body["results"]}
    assert body["total"] == plain["total"]


def test_query_naming_a_municipality_ranks_its_neighbours_next_and_says_so(client):
    body = client.get("/api/v1/search?q=ers%C3%A4ttning%20i%20Borl%C3%A4nge&per_page=100").get_json()
    assert body["near"]["reason"] == "query" and body["near"]["code"] == "2081"
    tiers = [0 if "2081" in _places_of(r) else 1 if "2080" in _places_of(r) else 2 for r in body["results"]]
    assert tiers[:body["near"]["home_count"]] == [0] * body["near"]["home_count"]
    assert 1 in tiers and tiers == sorted(tiers)
    html = client.get("/sok?q=ers%C3%A4ttning+i+Borl%C3%A4nge").get_data(as_text=True)
    assert "Exempel från Borlänge visas först (3), därefter från grannkommunerna Falun, Gagnef, Leksand, Ludvika och Säter (" in html


def test_municipality_filter_lists_neighbours_matches_after_its_own(client):
    html = client.get("/sok?municipality=2081").get_data(as_text=True)
    assert "Även i grannkommunerna till Borlänge (1 exempel)" in html
    assert html.index("Pedagogisk Mottagning") < html.index("Även i grannkommunerna") < html.index("i Falun</a>")


@pytest.mark.parametrize("value, message", [("abc", "fyra siffror"), ("20", "fyra siffror"), ("9999", "ingen kommun med koden 9999")])
def test_near_invalid_is_a_400_naming_the_parameter(client, value, message):
    resp = client.get(f"/api/v1/search?near={value}")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["param"] == "near" and message in error["message"] and "4-digit" in error["valid"]
    assert client.get(f"/sok?near={value}").status_code == 400


@pytest.mark.parametrize("level, count", [("municipality", 290), ("county", 21)])
def test_geojson_is_a_feature_collection_with_counts_matching_the_facets(client, level, count):
    url = "/api/v1/places.geojson" + ("?level=county" if level == "county" else "")
    resp = client.get(url)
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    body = resp.get_json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == count
    assert "crs" not in body
    facet = search_facet(client, level)
    assert {f["properties"]["code"]: f["properties"]["count"] for f in body["features"]} == {
        f["properties"]["code"]: facet.get(f["properties"]["code"], 0) for f in body["features"]}
    for feature in body["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        geom = shapely.geometry.shape(feature["geometry"])
        assert geom.is_valid
        for polygon in getattr(geom, "geoms", [geom]):
            assert polygon.exterior.is_ccw  # RFC 7946 right-hand rule
            lon, lat = polygon.exterior.coords[0]
            assert 10.5 < lon < 24.5 and 55 < lat < 69.5  # WGS 84 longitude, latitude
    assert client.get("/api/v1/places.geojson?level=lan").status_code == 400


def test_places_api_has_counts_neighbours_and_fa_regions(client):
    body = client.get("/api/v1/places").get_json()
    dalarna = next(c for c in body["counties"] if c["code"] == "20")
    assert dalarna["count"] == 6
    borlange = next(m for m in dalarna["municipalities"] if m["code"] == "2081")
    assert borlange["count"] == 3
    assert {"code": "2080", "name": "Falun"} in borlange["neighbours"]
    assert borlange["fa_region"]["name"] == "Falun-Borlänge"
    assert len(body["fa_regions"]) == 60
    assert sum(len(r["municipalities"]) for r in body["fa_regions"]) == 290
