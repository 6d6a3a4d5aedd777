"""Channels out of the site: Atom feeds, saved-search alerts, staff notice settings, open data,
sitemap, robots.txt, and the about and accessibility pages."""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField

from .. import alerts, feeds, fields, notices, opendata, places, queries
from ..extensions import db, limiter
from ..i18n import current_language
from ..labels import FREQUENCIES, label
from ..links import external_url
from ..mail import aware
from . import catalog

bp = Blueprint("channels", __name__)

FEED_PAGES = {"search.index", "browse.home", "browse.categories", "browse.counties",
              "browse.category", "browse.county", "browse.municipality"}
# Always out of search engines: account pages and the token links of alerts.
PRIVATE_PREFIXES = {"/konto/", "/bevaka/", "/admin/"}


# --------------------------------------------------------------------------- feed links on pages


def _page_filters() -> alerts.Filters | None:
    """The filters a browse or search page shows, or None on pages without a feed."""
    endpoint = request.endpoint or ""
    if endpoint not in FEED_PAGES:
        return None
    slug = (request.view_args or {}).get("slug", "")
    if endpoint == "search.index":
        filters, _errors = alerts.normalise_filters(request.args)
        return filters
    if endpoint == "browse.category":
        cat = queries.category_by_slug(slug)
        return alerts.Filters(category=cat.slug) if cat else None
    if endpoint == "browse.county":
        row = queries.county_by_slug(slug)
        return alerts.Filters(county=row.code) if row else None
    if endpoint == "browse.municipality":
        row = queries.municipality_by_slug(slug)
        return alerts.Filters(municipality=row.code) if row else None
    return alerts.Filters()


@bp.app_context_processor
def _follow_context():
    """`follow` for base.html: the page's feed URL, a description and the filters for the Bevaka form."""
    try:
        filters = _page_filters()
    except Exception:  # an error page must render even when the database does not answer
        db.session.rollback()
        filters = None
    if filters is None:
        return {"follow": None}
    args = {k: v for k, v in vars(filters).items() if v}
    return {"follow": {
        "feed_url": url_for("channels.feed", **args),
        "what": filters.describe(catalog.labels()),
        "filters": args,
    }}


@bp.app_template_global()
def example_jsonld(entry) -> dict:
    """schema.org description of an example page (rendered with |tojson, so it is safely escaped)."""
    rev = entry.published_revision
    places_named = [{"@type": "AdministrativeArea", "name": m.name, "identifier": m.code,
                     "containedInPlace": {"@type": "AdministrativeArea", "name": m.county.name, "identifier": m.county.code}}
                    for m in rev.municipalities]
    places_named += [{"@type": "AdministrativeArea", "name": c.name, "identifier": c.code} for c in rev.counties]
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": rev.title[:110],
        "name": rev.title,
        "description": rev.summary,
        "url": url_for("browse.example", slug=entry.slug, _external=True),
        "inLanguage": "sv",
        "articleSection": rev.category.name,  # the example's own language (inLanguage sv)
        "keywords": ", ".join(t.name for t in rev.tags),
        "spatialCoverage": places_named,
        "dateModified": feeds.last_changed(entry).isoformat(),
        "license": opendata.LICENSE_URI,
        "publisher": {"@type": "Organization", "name": "Goda exempel", "url": url_for("browse.home", _external=True)},
        "isPartOf": {"@type": "WebSite", "name": "Goda exempel", "url": url_for("browse.home", _external=True)},
    }
    if entry.published_at:
        data["datePublished"] = aware(entry.published_at).isoformat()
    if rev.source_title:
        data["isBasedOn"] = {"@type": "Report", "name": rev.source_title, "datePublished": rev.source_published}
    return data


# --------------------------------------------------------------------------- Atom feed


def _bad_request_text(errors) -> Response:
    lines = [_("Flödet kunde inte skapas: parametrarna är felaktiga."), ""]
    lines += [_("- %(param)s: %(message)s (giltigt: %(valid)s)", param=e.param, message=e.message, valid=e.valid)
              for e in errors]
    return Response("\n".join(lines) + "\n", status=400, mimetype="text/plain")


@bp.get("/flode.atom")
def feed():
    """Atom feed of published examples, filtered by ?q=&category=&county=&municipality= like the search."""
    filters, errors = alerts.normalise_filters(request.args)
    if errors:
        return _bad_request_text(errors)
    # Feed readers poll: the same data version and filters give the same document, so answer 304 cheaply.
    # The feed's title follows the language (kb/feeds.py), so the language is part of the version.
    etag = hashlib.sha256(f"{opendata.data_version().key}|{sorted(vars(filters).items())}|{current_language()}"
                          .encode()).hexdigest()[:24]
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(feeds.feed_xml(filters, catalog.labels()), mimetype="application/atom+xml")
        response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.update(("Accept-Language", "Cookie"))
    return response


# --------------------------------------------------------------------------- saved-search alerts


def _alert_form_values() -> dict:
    return {k: request.form.get(k, "")[:300] for k in ("email", "frequency", "q", "category", "county", "municipality")}


@bp.post("/bevaka")
@limiter.limit(lambda: current_app.config["KB_ALERT_LIMIT"])
def alert_subscribe():
    """Start a saved-search alert: the same answer whether or not the address is already subscribed."""
    values = _alert_form_values()
    filters, param_errors = alerts.normalise_filters(request.form)
    problems = [e.message for e in param_errors]
    email = ""
    try:
        email = fields.check_email(values["email"]).casefold()
    except fields.FieldInvalid as exc:
        problems.append(str(exc))
    if values["frequency"] not in alerts.PERIODS:
        problems.append(_("Välj hur ofta du vill få mejl: dagligen eller varje vecka."))
    labels = catalog.labels()
    if problems:
        return render_template("channels/alert_form.html", problems=problems, values=values,
                               what=filters.describe(labels), filters={k: v for k, v in vars(filters).items() if v}), 400
    alerts.subscribe(email, filters, values["frequency"], labels)
    db.session.commit()
    return render_template("channels/alert_sent.html", what=filters.describe(labels))


@bp.get("/bevaka")
def alert_form():
    """The Bevaka form on its own page (for a link, or after an error)."""
    filters, errors = alerts.normalise_filters(request.args)
    values = {"email": "", "frequency": "weekly", **{k: v for k, v in vars(filters).items()}}
    return render_template("channels/alert_form.html", problems=[e.message for e in errors], values=values,
                           what=filters.describe(catalog.labels()),
                           filters={k: v for k, v in vars(filters).items() if v}), (400 if errors else 200)


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Bekräfta bevakningen"))


class UnsubscribeForm(FlaskForm):
    class Meta:
        csrf = False  # the signed token in the URL is the authority (RFC 8058 one-click has no session)

    submit = SubmitField(_l("Avsluta bevakningen"))


def _token_error(exc: alerts.InvalidToken):
    return render_template("channels/alert_done.html", heading=_("Länken fungerar inte"), text=str(exc)), 404


@bp.route("/bevaka/bekrafta/<token>", methods=["GET", "POST"])
def alert_confirm(token: str):
    """GET shows a button (link scanners must not confirm for the owner); POST confirms."""
    try:
        sub = alerts.from_token(token[:500], "confirm")
    except alerts.InvalidToken as exc:
        return _token_error(exc)
    form = ConfirmForm()
    what = alerts.Filters(sub.q, sub.category, sub.county, sub.municipality).describe(catalog.labels())
    if form.validate_on_submit():
        sub = alerts.confirm(sub)
        db.session.commit()
        return render_template(
            "channels/alert_done.html", heading=_("Bevakningen är bekräftad"),
            text=_("Du får ett mejl %(frequency)s när nya eller ändrade exempel om %(what)s publiceras. "
                   "Varje mejl har en länk för att avsluta.", frequency=label(FREQUENCIES, sub.frequency), what=what),
        )
    return render_template("channels/alert_confirm.html", form=form, what=what, email=sub.email,
                           frequency=label(FREQUENCIES, sub.frequency))


@bp.route("/bevaka/avsluta/<token>", methods=["GET", "POST"])
def alert_unsubscribe(token: str):
    """GET shows a button; POST (also RFC 8058 one-click from the mail program) deletes the subscription."""
    try:
        sub = alerts.from_token(token[:500], "unsubscribe")
    except alerts.InvalidToken as exc:
        if request.method == "POST":  # one-click: already gone is success
            return render_template("channels/alert_done.html", heading=_("Bevakningen är avslutad"),
                                   text=_("Du får inga fler mejl från den här bevakningen.")), 200
        return _token_error(exc)
    if request.method == "POST":
        alerts.unsubscribe(sub)
        db.session.commit()
        return render_template("channels/alert_done.html", heading=_("Bevakningen är avslutad"),
                               text=_("Du får inga fler mejl från den här bevakningen, och adressen är raderad."))
    what = alerts.Filters(sub.q, sub.category, sub.county, sub.municipality).describe(catalog.labels())
    return render_template("channels/alert_unsubscribe.html", form=UnsubscribeForm(), what=what)


# --------------------------------------------------------------------------- staff notice setting


class NoticeForm(FlaskForm):
    enabled = BooleanField(_l("Skicka e-post till mig om granskningar (nya inskick i mitt län, beslut om mina exempel)"))
    submit = SubmitField(_l("Spara"))


@bp.route("/konto/aviseringar", methods=["GET", "POST"])
@login_required
def notice_settings():
    """Turn one's own e-mail notices on or off."""
    user = current_user._get_current_object()
    form = NoticeForm()
    if request.method == "GET":
        form.enabled.data = user.notify_by_email
    elif form.validate_on_submit():
        notices.set_notices(user, form.enabled.data)
        db.session.commit()
        flash(_("E-postaviseringar är påslagna.") if user.notify_by_email else _("E-postaviseringar är avstängda."), "info")
        return redirect(url_for(".notice_settings")), 303
    else:
        abort(400)
    response = Response(render_template("channels/notices.html", form=form))
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- open data


RETRY_AFTER = 60  # seconds: files of a large set are built in the background (kb/opendata.py)


@bp.get("/oppna-data", endpoint="opendata")
def opendata_page():
    """The licence and the downloads (or a note that they are being prepared)."""
    served = opendata.files()
    sizes = ({kind: (served.directory / name).stat().st_size for kind, (name, _mime) in opendata.FILES.items()}
             if served else None)
    return render_template("channels/opendata.html", served=served, version=served.version if served else None,
                           files=opendata.FILES, sizes=sizes, license_name=_license_name(),
                           license_url=opendata.LICENSE_URL, retry_after=RETRY_AFTER)


def _license_name() -> str:
    """opendata.LICENSE_NAME (Creative Commons' Swedish name) in the page's language."""
    name = _("CC0 1.0 Universell (fri från upphovsrätt)")
    return name if current_language() == "en" else opendata.LICENSE_NAME


@bp.get("/oppna-data/<filename>")
def opendata_file(filename: str):
    """goda-exempel.csv, .json or .zip, built once per data version; ETag is the version."""
    by_name = {name: mime for name, mime in opendata.FILES.values()}
    if filename == "dcat.jsonld":
        version = opendata.data_version()
        response = jsonify(opendata.dcat(version))
        response.headers["Content-Type"] = "application/ld+json; charset=utf-8"
        return response
    if filename not in by_name:
        abort(404)
    served = opendata.files()
    if served is None:
        response = current_app.response_class(
            _("Filerna förbereds just nu. Försök igen om en minut: %(url)s", url=request.url) + "\n",
            status=503, mimetype="text/plain")
        response.headers["Retry-After"] = str(RETRY_AFTER)
        response.headers["Cache-Control"] = "no-store"
        return response
    response = send_file(served.directory / filename, mimetype=by_name[filename], as_attachment=True,
                         download_name=filename, etag=served.version.key, last_modified=served.version.modified,
                         max_age=300 if served.current else 30, conditional=True)
    return response


# --------------------------------------------------------------------------- sitemap, robots, favicon


SITEMAP_MAX = 50_000  # URLs per sitemap file (sitemaps.org); more make a sitemap index
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _sitemap_urls() -> list[tuple[str, str]]:
    """(loc, lastmod) of every published example and every category, county and municipality page."""
    fallback = opendata.data_version().modified
    urls: list[tuple[str, object]] = []
    by_category: dict[str, object] = {}
    by_county: dict[str, object] = {}
    by_municipality: dict[str, object] = {}

    def later(store, key, when):
        if key not in store or when > store[key]:
            store[key] = when

    for slug, when, category, municipality_codes, county_codes in queries.published_changes():
        urls.append((external_url("browse.example", slug=slug), when))
        later(by_category, category, when)
        for code in {*county_codes, *(m[:2] for m in municipality_codes)}:  # Revision.all_county_codes
            later(by_county, code, when)
        for code in municipality_codes:
            later(by_municipality, code, when)
    newest = max([*by_category.values(), fallback])
    urls += [(external_url("browse.home"), newest), (external_url("browse.categories"), newest),
             (external_url("browse.counties"), newest)]
    urls += [(external_url("browse.category", slug=c.slug), by_category.get(c.slug, fallback)) for c in catalog.categories()]
    urls += [(external_url("browse.county", slug=c.slug), by_county.get(c.code, fallback)) for c in places.counties()]
    urls += [(external_url("browse.municipality", slug=m.slug), by_municipality.get(m.code, fallback))
             for m in places.municipalities()]
    urls += [(external_url(e), fallback) for e in ("channels.about", "channels.accessibility", "channels.opendata", "api_docs.docs")]
    return [(loc, aware(when).date().isoformat()) for loc, when in urls]


def _sitemap_etag(version: str) -> str:
    return hashlib.sha256(f"{version}|{request.path}|{request.host_url}".encode()).hexdigest()[:32]


def _sitemap_parts() -> list[list[tuple[str, str]]]:
    urls = _sitemap_urls()
    return [urls[i:i + SITEMAP_MAX] for i in range(0, len(urls), SITEMAP_MAX)]


def _xml_response(root, etag: str) -> Response:
    response = Response(ET.tostring(root, encoding="utf-8", xml_declaration=True), mimetype="application/xml")
    response.set_etag(etag)
    return response


def _not_modified(etag: str) -> Response | None:
    """304 when the client has this version (checked before anything is built)."""
    if etag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    return None


def _urlset(urls: list[tuple[str, str]]):
    urlset = ET.Element("urlset", xmlns=SITEMAP_NS)
    for loc, lastmod in urls:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = loc
        ET.SubElement(url, "lastmod").text = lastmod
    return urlset


@bp.get("/sitemap.xml")
def sitemap():
    """Every published example and every category, county and municipality page, with lastmod;
    above SITEMAP_MAX URLs a sitemap index of /sitemap-1.xml, /sitemap-2.xml, …"""
    etag = _sitemap_etag(opendata.data_version().key)
    unchanged = _not_modified(etag)
    if unchanged is not None:
        return unchanged
    parts = _sitemap_parts()
    if len(parts) == 1:
        return _xml_response(_urlset(parts[0]), etag)
    index = ET.Element("sitemapindex", xmlns=SITEMAP_NS)
    for number, part in enumerate(parts, 1):
        entry = ET.SubElement(index, "sitemap")
        ET.SubElement(entry, "loc").text = external_url("channels.sitemap_part", number=number)
        ET.SubElement(entry, "lastmod").text = max(lastmod for _loc, lastmod in part)
    return _xml_response(index, etag)


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int):
    """One part of a sitemap index (only when there are more than SITEMAP_MAX URLs)."""
    etag = _sitemap_etag(opendata.data_version().key)
    unchanged = _not_modified(etag)
    if unchanged is not None:
        return unchanged
    parts = _sitemap_parts()
    if len(parts) == 1 or not 1 <= number <= len(parts):
        abort(404)
    return _xml_response(_urlset(parts[number - 1]), etag)


def staff_prefixes() -> list[str]:
    """URL prefixes of every staff page (from the routes of the staff blueprints), shortest covering set."""
    from .. import STAFF_BLUEPRINTS

    prefixes = set(PRIVATE_PREFIXES)
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.rpartition(".")[0] in STAFF_BLUEPRINTS:
            prefixes.add(rule.rule.split("<", 1)[0])
    return sorted(p for p in prefixes if not any(q != p and p.startswith(q) for q in prefixes))


@bp.get("/robots.txt")
def robots():
    """Staff pages and token links stay out of search engines; the sitemap is announced."""
    lines = ["User-agent: *"] + [f"Disallow: {path}" for path in staff_prefixes()]
    lines += ["", f"Sitemap: {external_url('channels.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), 301)


# --------------------------------------------------------------------------- about and accessibility


@bp.get("/om")
def about():
    return render_template("channels/about.html")


@bp.get("/tillganglighet")
def accessibility():
    return render_template("channels/accessibility.html")
