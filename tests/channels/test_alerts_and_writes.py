"""Saved-search alerts end to end (real SMTP on loopback), drafts never in feeds, the ZIP loads back."""
from __future__ import annotations

import csv
import io
import re
import zipfile

import feedparser
import sqlalchemy as sa

from kb import mail
from kb.extensions import db
from kb.models import Entry, SavedSearch
from tests.staff.conftest import CSRF_RE, make_entry

ADDRESS = "anna.andersson@example.se"
SENT_PAGE = "Kolla din e-post"


def _subscribe(client, **fields):
    data = {"email": ADDRESS, "frequency": "daily", **fields}
    return client.post("/bevaka", data=data)


def _deliver(app):
    with app.app_context():
        return mail.deliver_due()


def _link(msg, kind: str) -> str:
    body = msg.get_content()
    return re.search(rf"http://localhost(/bevaka/{kind}/\S+)", body).group(1)


def test_confirmed_search_gets_a_digest_of_a_new_matching_example_until_unsubscribed(mail_app, smtp_server):
    client = mail_app.test_client()
    resp = _subscribe(client, county="20")
    assert resp.status_code == 200 and SENT_PAGE in resp.get_data(as_text=True)
    _deliver(mail_app)
    (confirmation,) = smtp_server.to(ADDRESS)
    assert "Bekräfta" in confirmation["Subject"]
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # every alert mail, this one too
    confirm_url = _link(confirmation, "bekrafta")

    # Nothing but the confirmation before the link is used, even when a matching example appears.
    make_entry(mail_app, "contrib_x", "20", state="published", title="Simskola för vuxna nyanlända")
    runner = mail_app.test_cli_runner()
    assert "0 sammanfattningar" in runner.invoke(args=["kb", "alerts", "send", "--force"]).output
    _deliver(mail_app)
    assert len(smtp_server.to(ADDRESS)) == 1

    page = client.get(confirm_url)
    assert page.status_code == 200 and "Dalarnas län" in page.get_data(as_text=True)
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    done = client.post(confirm_url, data={"csrf_token": token})
    assert "Bevakningen är bekräftad" in done.get_data(as_text=True)

    make_entry(mail_app, "contrib_x", "20", state="published", title="Cykelkurs för nyanlända kvinnor")
    make_entry(mail_app, "contrib_y", "12", state="published", title="Läxhjälp i Malmö")  # another county
    result = runner.invoke(args=["kb", "mail", "send"])  # not due yet (daily): no digest
    assert result.exit_code == 0 and len(smtp_server.to(ADDRESS)) == 1
    assert "1 sammanfattningar" in runner.invoke(args=["kb", "alerts", "send", "--force"]).output
    _deliver(mail_app)
    digest = smtp_server.to(ADDRESS)[-1]
    text = digest.get_content()
    assert "Cykelkurs för nyanlända kvinnor" in text
    assert "Läxhjälp i Malmö" not in text and "Simskola" not in text  # other county; before confirmation
    unsubscribe_url = _link(digest, "avsluta")
    assert digest["List-Unsubscribe"] == f"<http://localhost{unsubscribe_url}>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # RFC 8058 one-click: a bare POST from the mail program, no cookie, no CSRF token.
    one_click = mail_app.test_client().post(unsubscribe_url, data="List-Unsubscribe=One-Click",
                                            content_type="application/x-www-form-urlencoded")
    assert one_click.status_code == 200 and "avslutad" in one_click.get_data(as_text=True)
    with mail_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 0  # the address is gone
    make_entry(mail_app, "contrib_x", "20", state="published", title="Bastukväll för alla")
    runner.invoke(args=["kb", "alerts", "send", "--force"])
    _deliver(mail_app)
    assert len(smtp_server.to(ADDRESS)) == 2
    assert client.get(unsubscribe_url).status_code == 404  # the link is spent


def test_subscribing_never_reveals_whether_an_address_is_subscribed(mail_app, smtp_server):
    client = mail_app.test_client()
    bodies = {_subscribe(client, q="skola").get_data(as_text=True) for _ in range(5)}
    assert len(bodies) == 1 and SENT_PAGE in bodies.pop()
    _deliver(mail_app)
    assert len(smtp_server.to(ADDRESS)) == 3  # at most 3 unconfirmed requests per address and day


def test_bad_subscription_input_is_a_clear_400(mail_app):
    client = mail_app.test_client()
    bad_email = client.post("/bevaka", data={"email": "inte-en-adress", "frequency": "daily"})
    assert bad_email.status_code == 400 and "giltig e-postadress" in bad_email.get_data(as_text=True)
    bad_county = client.post("/bevaka", data={"email": ADDRESS, "frequency": "weekly", "county": "99"})
    assert bad_county.status_code == 400 and "Okänt län" in bad_county.get_data(as_text=True)
    bad_frequency = client.post("/bevaka", data={"email": ADDRESS, "frequency": "hourly"})
    assert bad_frequency.status_code == 400 and "dagligen eller varje vecka" in bad_frequency.get_data(as_text=True)
    assert client.get("/bevaka/bekrafta/forfalskad").status_code == 404
    with mail_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 0


def test_drafts_and_submissions_never_appear_in_feeds(mail_app):
    draft_id = make_entry(mail_app, "contrib_x", "20", state="draft", title="Hemligt utkast om boende")
    make_entry(mail_app, "contrib_x", "20", state="submitted", title="Inskickat om boende")
    make_entry(mail_app, "contrib_x", "20", state="published", title="Publicerat om boende")
    client = mail_app.test_client()
    for url in ("/flode.atom", "/flode.atom?county=20", "/flode.atom?q=boende"):
        titles = {e.title for e in feedparser.parse(client.get(url).data).entries}
        assert "Publicerat om boende" in titles
        assert "Hemligt utkast om boende" not in titles and "Inskickat om boende" not in titles
    with mail_app.app_context():
        assert db.session.get(Entry, draft_id).state.value == "draft"


def test_zip_loads_into_an_empty_database_with_the_same_examples(loaded_app, make_app, tmp_path):
    resp = loaded_app.test_client().get("/oppna-data/goda-exempel.zip")
    archive = tmp_path / "goda-exempel.zip"
    archive.write_bytes(resp.data)
    resp.close()
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "data")
    with loaded_app.app_context():
        expected = set(db.session.scalars(sa.select(Entry.slug).where(Entry.state == "published")))
    empty = make_app(load=False)
    result = empty.test_cli_runner().invoke(args=["kb", "load", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert "56 nya" in result.output
    with empty.app_context():
        loaded = set(db.session.scalars(sa.select(Entry.slug)))
    assert loaded == expected and len(loaded) == 56
    csv_resp = empty.test_client().get("/oppna-data/goda-exempel.csv")
    rows = list(csv.DictReader(io.StringIO(csv_resp.data.decode("utf-8-sig"))))
    csv_resp.close()
    assert sorted(r["slug"] for r in rows) == sorted(expected)  # the reloaded site publishes the same 56


def test_the_bevaka_form_is_rate_limited_per_client(make_app):
    app = make_app(load=False, KB_ALERT_LIMIT="2 per minute", RATELIMIT_ENABLED=True)
    client = app.test_client()
    codes = [client.post("/bevaka", data={"email": f"x{i}@example.se", "frequency": "weekly"}).status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_an_approved_edit_of_a_published_example_is_in_the_digest(mail_app, smtp_server):
    from kb import alerts, moderation
    from kb.audit import Actor
    from kb.workflow import Action
    from tests.staff.conftest import user

    with mail_app.app_context():
        sub = alerts.subscribe(ADDRESS, alerts.Filters(county="20"), "weekly", {"category": {}, "county": {}, "municipality": {}})
        alerts.confirm(sub)
        db.session.commit()
        slug = mail_app.test_client().get("/api/v1/search?county=20&sort=titel&per_page=1").get_json()["results"][0]["slug"]
        entry = db.session.scalars(sa.select(Entry).where(Entry.slug == slug)).one()
        data = moderation.EntryInput.from_revision(entry.published_revision)
        data.title = data.title + " (uppdaterad)"
        moderator, admin = Actor(user(mail_app, "mod_x")), Actor(user(mail_app, "admin"))
        moderation.save_entry(moderator, entry, data, entry.version_id)
        moderation.transition(moderator, entry, Action.SUBMIT)
        moderation.transition(admin, entry, Action.APPROVE)
        db.session.commit()
        from kb.services import reindex_entries

        reindex_entries([slug])
        assert alerts.send_due_digests(force=True) == 1
        mail.deliver_due()
    digest = smtp_server.to(ADDRESS)[-1]
    assert data.title in digest.get_content() and digest["Subject"].startswith("Goda exempel: 1 nya eller ändrade")
