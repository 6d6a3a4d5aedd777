"""Property: no route answers 5xx, whatever path values, query parameters and form bodies it gets.

Every rule in the app's url_map (so routes added later are covered too) is driven
by Hypothesis with generated path values (real ids and slugs, huge and negative
numbers, superscript digits, control characters, arbitrary text), query
parameters and form bodies (known field names and random ones, sometimes a file
part), as an anonymous visitor and as a signed-in administrator (password and
TOTP, with a valid CSRF token). Runs on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set. Bounded: a few examples per route and method.
"""
from __future__ import annotations

import io
import tempfile
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import create_app, twofactor
from kb.audit import Actor
from kb.extensions import db
from kb.models import Entry, User

from .staff.conftest import TOTP_SECRET, USERS, add_staff, csrf_from, login

EXAMPLES_PER_ROUTE = 8


def _rules() -> list[tuple[str, str]]:
    """(rule, method) pairs of the app, read from a throwaway instance at collection time."""
    with tempfile.TemporaryDirectory() as home:
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "KB_INSTANCE_PATH": home, "KB_INDEX_DIR": home + "/search"})
        pairs = sorted(
            (rule.rule, method)
            for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        )
    return pairs


RULES = _rules()

# Swept on every route (every known parameter and field set to it), then mixed into generated examples.
SWEEP = ["-1", "²", "9" * 25, "a\x00b", "\x1b[31m\u202e", "[" * 3000, "- " * 3000 + "x", "/granska\r\nSet-Cookie: x=y"]
SPECIAL = SWEEP + ["", "0", "1", "١٢", str(2**63), str(2**31), "1e3", " 1", "\r\n", "%00", "../../etc/passwd", "<script>alert(1)</script>",
                   "'; DROP TABLE users; --", "groups:\n- [abo, anläggningsboende]", "//evil.example"]
KNOWN_PARAMS = ["q", "page", "per_page", "sort", "category", "county", "municipality", "a", "b", "state", "lan",
                "action", "actor", "object", "next"]
KNOWN_FIELDS = ["email", "password", "next", "code", "comment", "text", "title", "summary", "body", "category",
                "municipalities", "counties", "tags", "status", "period_start", "period_end", "contact_email",
                "links", "version", "save", "send", "preview", "role", "county", "name", "current", "new", "repeat"]

# Known-hostile values twice as often as arbitrary text; every known name may appear in every example.
values = st.one_of(st.sampled_from(SPECIAL), st.sampled_from(SPECIAL), st.text(max_size=40))
extra = st.dictionaries(st.text(max_size=8), values, max_size=2)
params = st.builds(lambda known, more: {**more, **known},
                   st.fixed_dictionaries({}, optional={name: values for name in KNOWN_PARAMS}), extra)
fields = st.builds(lambda known, more: {**more, **known},
                   st.fixed_dictionaries({}, optional={name: values for name in KNOWN_FIELDS}), extra)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    from .conftest import AppFactory

    factory = AppFactory(tmp_path_factory.mktemp("fuzz"))
    app = factory(RATELIMIT_ENABLED=False)
    add_staff(app)
    from .staff.conftest import X, make_entry

    make_entry(app, "contrib_x", X, state="submitted")
    make_entry(app, "contrib_x", X, state="published")
    yield app
    factory.close()


def _path_values(app) -> dict[str, list[str]]:
    with app.app_context():
        entry_ids = [str(i) for i in db.session.scalars(sa.select(Entry.id).order_by(Entry.id.desc()).limit(5))]
        user_ids = [str(i) for i in db.session.scalars(sa.select(User.id))]
    return {
        "slug": ["brukslinjen", "bostader", "dalarnas-lan", "borlange", "finns-inte"],
        "entry_id": entry_ids, "user_id": user_ids,
        "action": ["approve", "reject", "request_changes", "submit", "archive", "republish", "save", "x"],
        "change": ["inaktivera", "aktivera"],
    }


SLUG_FOR = {"exempel": "brukslinjen", "kategori": "bostader", "lan": "dalarnas-lan", "kommun": "borlange", "api": "brukslinjen"}


def _real_value(rule: str, name: str, real: dict) -> str:
    """A value that makes the route find something, so the sweep reaches the code behind the lookup."""
    if name == "slug":
        return SLUG_FOR.get(rule.strip("/").split("/")[0], "x")
    return real.get(name, ["x"])[0]


class Admin:
    """A signed-in administrator's client; signs in again when a generated request signed it out."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def ensure(self):
        if self.client.get("/admin/logg").status_code == 200:
            return self.client
        with self.app.app_context():
            admin = db.session.scalars(sa.select(User).where(User.email == USERS["admin"][0])).one()
            admin.active = True
            if not twofactor.is_enrolled(admin):  # a generated request may have reset it
                import pyotp

                twofactor.confirm_enrolment(Actor(None, "test"), admin, TOTP_SECRET, pyotp.TOTP(TOTP_SECRET).now())
            db.session.commit()
        self.client = self.app.test_client()
        assert login(self.client, "admin").status_code == 302
        return self.client


def _path(rule: str, draw_value) -> str:
    out, rest = [], rule
    while "<" in rest:
        head, _, tail = rest.partition("<")
        spec, _, rest = tail.partition(">")
        name = spec.split(":")[-1]
        out.append(head + quote(draw_value(name), safe=""))
    out.append(rest)
    return "".join(out)


@pytest.mark.parametrize(("rule", "method"), RULES, ids=[f"{m} {r}" for r, m in RULES])
def test_no_route_answers_5xx(fuzz_app, rule, method):
    real = _path_values(fuzz_app)
    admin = Admin(fuzz_app)

    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(data=st.data(), query=params, form=fields, as_admin=st.booleans(), with_token=st.booleans(), upload=st.booleans())
    def run(data, query, form, as_admin, with_token, upload):
        def draw_value(name):
            return data.draw(st.one_of(st.sampled_from(real.get(name) or ["x"]), values), label=name)

        client = admin.ensure() if as_admin else fuzz_app.test_client()
        _request(client, method, _path(rule, draw_value), query, form, with_token, upload)

    # The sweep: each hostile value in every known parameter and field (and path value), as the administrator.
    for value in SWEEP:
        known = {name: value for name in KNOWN_PARAMS}
        _request(admin.ensure(), method, _path(rule, lambda name: _real_value(rule, name, real)), known,
                 {name: value for name in KNOWN_FIELDS}, True, False)
        if "<" in rule:
            _request(admin.ensure(), method, _path(rule, lambda _name, v=value: v), {}, {}, True, False)
    run()


def _request(client, method, path, query, form, with_token, upload):
    if method == "GET":
        resp = client.get(path, query_string=query)
    else:
        body: dict = dict(form)
        if with_token:
            body["csrf_token"] = csrf_from(client, "/logga-in")
        if upload:
            body["text"] = (io.BytesIO(b"groups: []"), "synonymer.yaml")
        resp = client.open(path, method=method, query_string=query, data=body)
    assert resp.status_code < 500, (method, path, query, form, resp.status_code, resp.get_data(as_text=True)[:500])
    assert resp.status_code != 400 or resp.get_data(as_text=True).strip(), "a 400 must say what was wrong"
    return resp
