"""JSON API v1: shape, validation errors, 404s."""
from __future__ import annotations

import pytest


def test_api_search_shape(client):
    body = client.get("/api/v1/search?q=villor&per_page=5").get_json()
    assert set(body) >= {"query", "total", "page", "per_page", "results", "facets"}
    assert body["query"] == "villor" and body["page"] == 1 and body["per_page"] == 5
    first = body["results"][0]
    assert first["slug"] == "kopa-villor-och-smahus"
    assert set(first) >= {"slug", "title", "summary", "url", "category", "counties", "municipalities", "highlight"}
    assert first["url"].endswith("/exempel/kopa-villor-och-smahus")
    assert first["category"] == {"slug": "bostader", "name": "Bostäder"}
    assert {"code": "1465", "name": "Svenljunga"} in first["municipalities"]
    assert {"code": "14", "name": "Västra Götalands län"} in first["counties"]
    for name in ("category", "county", "municipality"):
        for item in body["facets"][name]:
            assert set(item) == {"value", "label", "count"} and item["count"] > 0


def test_api_search_filters(client):
    body = client.get("/api/v1/search?county=20&category=kvalitet-i-verksamheten&per_page=100").get_json()
    assert body["total"] >= 2
    for r in body["results"]:
        assert r["category"]["slug"] == "kvalitet-i-verksamheten"
        assert "20" in [c["code"] for c in r["counties"]]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("county=99", "county"),
        ("county=dalarna", "county"),
        ("municipality=20", "municipality"),
        ("municipality=9999", "municipality"),
        ("category=nope", "category"),
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("sort=random", "sort"),
    ],
)
def test_api_search_invalid_parameter_is_400_naming_it(client, query, param):
    resp = client.get(f"/api/v1/search?{query}")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["param"] == param
    assert error["valid"] and error["message"]


@pytest.mark.parametrize("q", ['"', "*:*", "AND OR", "x" * 10_000, "\x00", "", "title:villor"])
def test_api_search_hostile_queries_are_200(client, q):
    resp = client.get("/api/v1/search", query_string={"q": q})
    assert resp.status_code == 200
    assert isinstance(resp.get_json()["results"], list)


def test_api_example(client):
    body = client.get("/api/v1/examples/brukslinjen").get_json()
    assert body["slug"] == "brukslinjen"
    assert body["markdown"].startswith("## ")
    assert "<h2>" in body["html"]
    assert {m["name"] for m in body["municipalities"]} == {"Hallstahammar", "Surahammar"}


def test_api_example_unknown_is_json_404(client):
    resp = client.get("/api/v1/examples/finns-inte")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["status"] == 404


def test_api_unknown_route_is_json_404(client):
    resp = client.get("/api/v1/nope")
    assert resp.status_code == 404 and resp.is_json


def test_api_places_lists_all_counties_and_municipalities(client):
    body = client.get("/api/v1/places").get_json()
    assert len(body["counties"]) == 21
    assert sum(len(c["municipalities"]) for c in body["counties"]) == 290
    dalarna = next(c for c in body["counties"] if c["code"] == "20")
    assert {"code": "2081", "name": "Borlänge"}.items() <= next(m for m in dalarna["municipalities"] if m["code"] == "2081").items()


def test_api_is_get_only(client):
    assert client.post("/api/v1/search").status_code == 405
