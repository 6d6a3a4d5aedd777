"""The input boundary (kb/inputs.py): every bad input gets a clear 4xx, on both databases."""
from __future__ import annotations

import html
import io
import logging

import pytest

from kb.inputs import check_yaml_shape, parse_int

from .staff.conftest import csrf_from


def _text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/exempel/%00", "/exempel/a%00b", "/kategori/%1b[31m", "/api/v1/examples/%00", "/granska/1%0d%0a"])
def test_control_characters_in_paths_are_refused_with_the_reason(client, path):
    resp = client.get(path)
    assert resp.status_code == 400
    text = _text(resp)
    assert "styrtecken" in text and "U+00" in text


def test_control_characters_in_query_values_are_dropped_not_fatal(client):
    resp = client.get("/sok", query_string={"q": "villor\x00\x07"})
    assert resp.status_code == 200 and "villor" in _text(resp)
    assert client.get("/api/v1/search", query_string={"q": "\x00"}).status_code == 200


def test_control_character_in_a_parameter_name_is_refused(client):
    resp = client.get("/api/v1/search", query_string={"q\x00": "x"})
    assert resp.status_code == 400 and resp.get_json()["error"]["message"].startswith("Ett parameternamn")


def test_nul_in_a_form_field_is_refused_and_names_the_field(client):
    resp = client.post("/logga-in", data={"email": "a\x00@example.se", "password": "x" * 12, "csrf_token": csrf_from(client)})
    assert resp.status_code == 400
    assert "Fältet 'email' innehåller ett styrtecken (U+0000)" in _text(resp)


def test_file_part_in_a_form_is_refused(client):
    resp = client.post("/logga-in", data={"email": (io.BytesIO(b"x"), "a.txt"), "password": "x", "csrf_token": csrf_from(client)})
    assert resp.status_code == 400 and "Filer kan inte skickas" in _text(resp)


@pytest.mark.parametrize("page", ["²", "١", "-1", "0", "1001", "9" * 30, "1.0", " "])
def test_listing_page_must_be_a_plain_bounded_integer(client, page):
    resp = client.get("/kategori/bostader", query_string={"page": page})
    assert resp.status_code == 400
    assert "'page' ska vara ett heltal mellan 1 och 1000" in _text(resp)


def test_valid_page_still_works(client):
    assert client.get("/kategori/bostader?page=2").status_code == 200
    assert client.get("/sok?page=%C2%B2").status_code == 400  # the search page's own parser agrees


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), ("²", None), ("١٢", None), ("+1", None), ("-1", None),
                                               ("9" * 19, None), ("0", None), ("2147483647", 2147483647)])
def test_parse_int_takes_only_ascii_digits_within_bounds(raw, expected):
    assert parse_int(raw, 1, 2**31 - 1) == expected


@pytest.mark.parametrize("text", ["[" * 5000, "- " * 5000 + "x", "groups:\n- &a [x, y]\n- *a", "{a: " * 3000])
def test_deep_or_aliased_yaml_is_refused_before_parsing(text):
    from kb.inputs import YamlShapeError

    with pytest.raises(YamlShapeError):
        check_yaml_shape(text)


def test_log_records_cannot_be_forged_through_request_data(client, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("kb.probe").warning("request for %s", "/x\r\n2026-01-01 INFO audit action=login actor=admin")
    message = caplog.records[-1].getMessage()
    assert "\n" not in message and "\r" not in message and "\\r\\n2026" in message
    logging.getLogger("kb.probe").warning("audit actor=%s", "already\\nescaped")  # as kb.audit writes its lines
    assert caplog.records[-1].getMessage() == "audit actor=already\\nescaped"  # not escaped twice
    logging.getLogger("kb.probe").warning("\x1b[31m\x1b[1mWARNING\x1b[0m path %s", "/a\x1b]0;title\x07")
    message = caplog.records[-1].getMessage()  # terminal colours dropped; any other escape sequence escaped
    assert message == "WARNING path /a\\u001b]0;title\\u0007"
