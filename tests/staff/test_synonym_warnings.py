"""A synonym group that repeats a stem is used once per stem, and people are told:
on /admin/synonymer and by `flask kb load`."""
from __future__ import annotations

from .conftest import login, post


def test_repeated_stem_is_reported_on_admin_page_and_by_load(staff_app, content_copy):
    # The file first (a later load would report a conflict with the web's version, kb/exchange.py).
    path = content_copy / "synonyms.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[vc, vårdcentral,", "[vc, vårdcentral, vårdcentralen,"),
                    encoding="utf-8")
    result = staff_app.test_cli_runner().invoke(args=["kb", "load", str(content_copy)])
    assert result.exit_code == 0, result.output
    assert "synonymlistan:" in result.output and "”vårdcentralen” har samma grundform som ”vårdcentral”" in result.output
    client = staff_app.test_client()
    login(client, "admin")
    html = client.get("/admin/synonymer").get_data(as_text=True)
    assert "vårdcentralen" in html and "räknas bara en gång" in html

    resp = post(client, "/admin/synonymer", {"text": "groups:\n- [nyanlända, nyanländ, flyktingar]\n"})
    assert resp.status_code == 303
    html = client.get("/admin/synonymer").get_data(as_text=True)
    assert "räknas bara en gång" in html and "”nyanländ” har samma grundform som ”nyanlända”" in html
    assert staff_app.test_client().get("/api/v1/search?q=flyktingar").get_json()["total"] > 0
