"""The OpenAPI document: valid 3.1, and every response of the running app conforms (schemathesis, in-process WSGI)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate

import schemathesis


@pytest.fixture(scope="module")
def api_schema(loaded_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", loaded_app)


def test_openapi_document_is_valid_3_1(client):
    resp = client.get("/api/v1/openapi.json")
    spec = resp.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises OpenAPIValidationError on any problem
    assert set(spec["paths"]) == {"/search", "/suggest", "/examples/{slug}", "/places", "/places.geojson"}
    assert spec["servers"] == [{"url": "/api/v1"}]


def test_openapi_lists_every_api_route(loaded_app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    served = {rule.rule.replace("<slug>", "{slug}").removeprefix("/api/v1")
              for rule in loaded_app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert served == set(spec["paths"])


def test_openapi_validator_rejects_a_broken_document():
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    from kb.openapi import spec

    broken = spec(categories=["bostader"])
    broken["paths"]["/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"type": "nonsense"}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_api_docs_page_is_rendered_from_the_spec(client):
    html = client.get("/api/v1/").get_data(as_text=True)
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in spec["paths"]:
        assert f"/api/v1{path}" in html
    assert '<a href=""' not in html  # every operation has a working example link
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "<script" not in html.split("</footer>")[0].split("<main")[1]  # nothing from a CDN, no client-side rendering


def test_every_api_response_matches_its_schema(api_schema):
    """Property-based: generated requests for every operation; status, content type, headers and body
    are checked against the document (schemathesis' default checks), never a 500. Bounded per operation."""
    from hypothesis import given

    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 5
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        def check(case):
            statuses.append(case.call_and_validate().status_code)

        check()
    assert len(statuses) > 60 and 500 not in statuses
    assert {200, 404} <= set(statuses)  # found examples and unknown slugs both conform
