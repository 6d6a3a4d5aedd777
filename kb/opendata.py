"""Open data: the whole published corpus as CSV, JSON and a ZIP of content files, plus DCAT-AP-SE.

All three files are generated together from one read of the published set, so they always
agree, and are cached on disk under KB_INSTANCE_PATH/opendata/<data version>/. The data
version is a fingerprint of what is published (count, newest change, newest revision and
the categories); any approval, archiving, edit or load gives a new version and new files.
The ZIP is written from the exporter's texts (`exchange.export_texts`), so it holds exactly
what `flask kb export` writes and `flask kb load` reads.

Building takes about 4 ms per example (10 000 examples: ~30 s). A request builds the
files itself only while the published set is small (SYNC_LIMIT); above that it serves the
newest files already built (an earlier version, said so on the page) or, before the very
first build, answers that they are being prepared, and starts the build in a background
thread of its process (one build at a time per instance, under a file lock).
"""
from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, request

from . import exchange, queries
from .extensions import db
from .feeds import last_changed
from .links import external_url
from .mail import aware
from .models import Category, Entry, EntryState

FILES = {
    "csv": ("goda-exempel.csv", "text/csv"),
    "json": ("goda-exempel.json", "application/json"),
    "zip": ("goda-exempel.zip", "application/zip"),
}
LICENSE_NAME = "CC0 1.0 Universell (fri från upphovsrätt)"
LICENSE_URL = "https://creativecommons.org/publicdomain/zero/1.0/deed.sv"
LICENSE_URI = "http://creativecommons.org/publicdomain/zero/1.0/"
CSV_COLUMNS = [
    "slug", "title", "summary", "url", "category", "category_name",
    "municipality_codes", "municipality_names", "county_codes", "county_names",
    "all_county_codes", "all_county_names", "tags", "status", "period_start", "period_end",
    "source_title", "source_published", "source_sections",
    "contact_organisation", "contact_name", "contact_email", "links",
    "published_at", "updated_at", "body_markdown",
]
SEP = "; "
FORMAT = 2  # bump when the files' layout changes, so cached files of an older layout are not served (2: version.json)
SYNC_LIMIT = 1000  # published examples up to which a request builds missing files itself (a few seconds)
BATCH = 500  # entries loaded at a time while building
VERSION_FILE = "version.json"

log = logging.getLogger(__name__)
_building = threading.Lock()  # one build thread per process; the file lock makes it one per instance


@dataclass
class Version:
    key: str
    count: int
    modified: datetime


def data_version() -> Version:
    """A fingerprint of the published set (cheap: two aggregate queries)."""
    published = sa.and_(Entry.state == EntryState.PUBLISHED, Entry.published_revision_id.is_not(None))
    count, newest, top_rev = db.session.execute(
        sa.select(sa.func.count(Entry.id), sa.func.max(Entry.updated_at), sa.func.max(Entry.published_revision_id)).where(published)
    ).one()
    # Archiving changes updated_at of an entry that is no longer in the published set: count every entry's change.
    any_change = db.session.scalar(sa.select(sa.func.max(Entry.updated_at)))
    cats = db.session.execute(sa.select(Category.slug, Category.name, Category.description).order_by(Category.slug)).all()
    raw = f"{FORMAT}|{count}|{newest}|{any_change}|{top_rev}|{cats!r}"
    modified = aware(newest) if newest else datetime(2014, 11, 1, tzinfo=UTC)
    return Version(hashlib.sha256(raw.encode()).hexdigest()[:16], count or 0, modified)


def _cache_root() -> Path:
    return Path(current_app.config["KB_INSTANCE_PATH"]) / "opendata"


def _record(entry: Entry) -> dict:
    rev = entry.published_revision
    ex = exchange.example_data(entry)  # the exchange format: only a public contact is included
    munis = sorted(rev.municipalities, key=lambda m: m.code)
    counties = sorted(rev.counties, key=lambda c: c.code)
    county_names = {c.code: c.name for c in rev.counties} | {m.county.code: m.county.name for m in rev.municipalities}
    return {
        "slug": entry.slug,
        "title": rev.title,
        "summary": rev.summary,
        "url": external_url("browse.example", slug=entry.slug),
        "category": {"slug": rev.category.slug, "name": rev.category.name},
        "municipalities": [{"code": m.code, "name": m.name, "county": m.county_code} for m in munis],
        "counties": [{"code": c.code, "name": c.name} for c in counties],
        "all_counties": [{"code": code, "name": county_names[code]} for code in rev.all_county_codes],
        "tags": list(ex.tags),
        "status": ex.status,
        "period": {"start": ex.period_start, "end": ex.period_end},
        "source": {"title": ex.source_title, "published": ex.source_published, "sections": list(ex.source_sections)},
        "contact": {"organisation": ex.contact_organisation, "name": ex.contact_name, "email": ex.contact_email},
        "links": list(ex.links),
        "published_at": aware(entry.published_at or entry.created_at).isoformat(),
        "updated_at": last_changed(entry).isoformat(),
        "body_markdown": rev.body,
    }


def _cell(value):
    """Text that a spreadsheet would run as a formula (=, +, @, -x, tab, CR first) gets a leading
    apostrophe (OWASP's CSV-injection advice); the JSON and ZIP keep the text untouched."""
    if isinstance(value, str) and value and (value[0] in "=+@\t\r" or (value[0] == "-" and value[1:2] not in ("", " ", "-"))):
        return "'" + value
    return value


def _csv_row(r: dict) -> list:
    return [_cell(v) for v in _csv_values(r)]


def _csv_values(r: dict) -> list:
    return [
        r["slug"], r["title"], r["summary"], r["url"], r["category"]["slug"], r["category"]["name"],
        SEP.join(m["code"] for m in r["municipalities"]), SEP.join(m["name"] for m in r["municipalities"]),
        SEP.join(c["code"] for c in r["counties"]), SEP.join(c["name"] for c in r["counties"]),
        SEP.join(c["code"] for c in r["all_counties"]), SEP.join(c["name"] for c in r["all_counties"]),
        SEP.join(r["tags"]), r["status"], r["period"]["start"] or "", r["period"]["end"] or "",
        r["source"]["title"], r["source"]["published"], SEP.join(r["source"]["sections"]),
        r["contact"]["organisation"], r["contact"]["name"], r["contact"]["email"], SEP.join(r["links"]),
        r["published_at"], r["updated_at"], r["body_markdown"],
    ]


def _build(target: Path, version: Version) -> None:
    """Write the three files for one version in one streamed pass over the published set
    (BATCH entries in memory at a time, also at 100 000 examples)."""
    stamp = version.modified.astimezone(UTC).timetuple()[:6]
    head = {
        "title": "Goda exempel – lokala lösningar för mottagande av nyanlända",
        "license": {"name": LICENSE_NAME, "url": LICENSE_URL},
        "version": version.key,
        "modified": version.modified.isoformat(),
    }
    count = 0
    # UTF-8 with BOM so that Excel opens å, ä, ö correctly.
    with open(target / FILES["csv"][0], "w", encoding="utf-8-sig", newline="") as csv_file, \
            open(target / FILES["json"][0], "w", encoding="utf-8") as json_file, \
            zipfile.ZipFile(target / FILES["zip"][0], "w", compression=zipfile.ZIP_DEFLATED) as zf:
        writer = csv.writer(csv_file, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        json_file.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "examples": [')
        readme = zipfile.ZipInfo("LICENS.txt", date_time=stamp)
        zf.writestr(readme, f"Goda exempel – öppna data\nLicens: {LICENSE_NAME}\n{LICENSE_URL}\n"
                            "Läs in med: flask kb load <katalog>\n")

        def add_to_zip(relative: str, text: str) -> None:
            info = zipfile.ZipInfo(relative, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))

        for relative, text in exchange.catalogue_texts():
            add_to_zip(relative, text)
        query = queries.published_entries_query().execution_options(yield_per=BATCH)
        for entry in db.session.scalars(query):
            record = _record(entry)
            writer.writerow(_csv_row(record))
            element = json.dumps(record, ensure_ascii=False, indent=1).replace("\n", "\n  ")
            json_file.write(("," if count else "") + "\n  " + element)
            add_to_zip(*exchange.example_text(entry))
            count += 1
        json_file.write(("\n " if count else "") + f'],\n "count": {count}\n}}')
    (target / VERSION_FILE).write_text(json.dumps(  # last: a directory with this file is complete
        {"key": version.key, "count": count, "modified": version.modified.isoformat()}), encoding="utf-8")


def _complete(target: Path) -> bool:
    return (target / VERSION_FILE).is_file()


def _build_version(version: Version) -> Path:
    """Build the files of `version` (if no one has) and return their directory."""
    root = _cache_root()
    target = root / version.key
    if _complete(target):
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".build-"))
    try:
        _build(tmp, version)
        try:
            os.rename(tmp, target)
        except OSError:
            if _complete(target):  # another process built the same version first; theirs is identical
                shutil.rmtree(tmp, ignore_errors=True)
            else:  # a directory left without its version file (an older layout): replace it
                stale = root / f".stale-{secrets.token_hex(4)}"
                with contextlib.suppress(OSError):
                    os.rename(target, stale)
                os.rename(tmp, target)
                shutil.rmtree(stale, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in root.iterdir():  # keep the current version and the one before (a download may be running)
        if old.is_dir() and old.name != version.key and not old.name.startswith(".build-"):
            if old.stat().st_mtime < target.stat().st_mtime - 3600:
                shutil.rmtree(old, ignore_errors=True)
    return target


def _newest_built() -> tuple[Version, Path] | None:
    """The most recently built complete version, if any."""
    root = _cache_root()
    found = []
    for path in root.iterdir() if root.is_dir() else ():
        if path.is_dir() and not path.name.startswith(".") and _complete(path):
            found.append((path.stat().st_mtime, path))
    for _mtime, path in sorted(found, reverse=True):
        try:
            meta = json.loads((path / VERSION_FILE).read_text(encoding="utf-8"))
            return Version(meta["key"], meta["count"], datetime.fromisoformat(meta["modified"])), path
        except (OSError, ValueError, KeyError):
            continue
    return None


def build(version: Version | None = None) -> Path | None:
    """Build the current version's files unless another process is building; its directory or None."""
    version = version or data_version()
    root = _cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "build.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        try:
            return _build_version(version)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build_in_background(version: Version) -> threading.Thread | None:
    """Start building `version` in a thread of this process unless one is running."""
    if not _building.acquire(blocking=False):
        return None
    app = current_app._get_current_object()
    base = request.host_url if request else None  # the files' links name the host the site is reached at

    def run():
        try:
            # A request context of its own (the links of the files need a host), after this request ended.
            with app.test_request_context(base_url=base):
                build(version)
        except Exception:
            log.exception("open data files for version %s could not be built", version.key)
        finally:
            _building.release()

    thread = threading.Thread(target=run, name="kb-opendata-build", daemon=True)
    thread.start()
    return thread


@dataclass
class Served:
    """The files a request gets: their version and directory, and whether they are current."""

    version: Version
    directory: Path
    current: bool


def files() -> Served | None:
    """The files to serve. The current version's when built; while the published set is small,
    built now; otherwise the newest earlier files (the current version is being built in the
    background), or None before the very first build has finished."""
    version = data_version()
    target = _cache_root() / version.key
    if _complete(target):
        return Served(version, target, True)
    if version.count <= SYNC_LIMIT:
        return Served(version, _build_version(version), True)
    _build_in_background(version)
    newest = _newest_built()
    return Served(newest[0], newest[1], False) if newest else None


def dcat(version: Version) -> dict:
    """A DCAT-AP-SE description (JSON-LD) of the catalogue, the dataset and its three distributions."""
    landing = external_url("channels.opendata")
    filetypes = {"csv": "CSV", "json": "JSON", "zip": "ZIP"}
    media = {"csv": "text/csv", "json": "application/json", "zip": "application/zip"}
    distributions = []
    for kind, (name, _mime) in FILES.items():
        url = external_url("channels.opendata_file", filename=name)
        distributions.append({
            "@id": url + "#distribution",
            "@type": "dcat:Distribution",
            "dcterms:title": {"@language": "sv", "@value": {
                "csv": "Alla exempel som CSV (UTF-8 med BOM, en rad per exempel)",
                "json": "Alla exempel som JSON",
                "zip": "Alla exempel som Markdown-filer (samma format som content/)",
            }[kind]},
            "dcat:accessURL": {"@id": landing},
            "dcat:downloadURL": {"@id": url},
            "dcterms:format": {"@id": f"http://publications.europa.eu/resource/authority/file-type/{filetypes[kind]}"},
            "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media[kind]}"},
            "dcterms:license": {"@id": LICENSE_URI},
            "dcterms:modified": {"@type": "xsd:dateTime", "@value": version.modified.isoformat()},
        })
    publisher = {
        "@id": external_url("channels.about") + "#utgivare",
        "@type": "foaf:Agent",
        "foaf:name": "Goda exempel (redaktionen, i samarbete med länsstyrelserna)",
        "dcterms:type": {"@id": "http://purl.org/adms/publishertype/NationalAuthority"},
    }
    dataset = {
        "@id": landing + "#dataset",
        "@type": "dcat:Dataset",
        "dcterms:title": [
            {"@language": "sv", "@value": "Goda exempel – lokala lösningar för mottagande av nyanlända"},
            {"@language": "en", "@value": "Good examples – local solutions for receiving newly arrived refugees"},
        ],
        "dcterms:description": [
            {"@language": "sv", "@value": (
                "Beprövade lokala lösningar från svenska kommuner och län för bostäder, mottagande, regional samverkan, "
                "kvalitet och attityder. Grunden är bilagan ”Goda exempel” i slutrapporten Ökat kommunalt "
                f"flyktingmottagande (2014). {version.count} publicerade exempel.")},
            {"@language": "en", "@value": "Proven local solutions from Swedish municipalities and counties for receiving refugees."},
        ],
        "dcterms:publisher": {"@id": publisher["@id"]},
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": "Goda exempel",
            "vcard:hasURL": {"@id": external_url("channels.about")},
            **({"vcard:hasEmail": {"@id": "mailto:" + current_app.config["KB_CONTACT_EMAIL"]}}
               if current_app.config.get("KB_CONTACT_EMAIL") else {}),
        },
        "dcat:theme": [{"@id": "http://publications.europa.eu/resource/authority/data-theme/SOCI"},
                       {"@id": "http://publications.europa.eu/resource/authority/data-theme/GOVE"}],
        "dcat:keyword": [{"@language": "sv", "@value": k} for k in
                         ("flyktingmottagande", "nyanlända", "kommuner", "bostäder", "integration", "goda exempel")],
        "dcterms:language": {"@id": "http://publications.europa.eu/resource/authority/language/SWE"},
        "dcterms:spatial": {"@id": "http://publications.europa.eu/resource/authority/country/SWE"},
        "dcterms:accessRights": {"@id": "http://publications.europa.eu/resource/authority/access-right/PUBLIC"},
        "dcterms:license": {"@id": LICENSE_URI},
        "dcterms:issued": {"@type": "xsd:date", "@value": "2014-11-01"},
        "dcterms:modified": {"@type": "xsd:dateTime", "@value": version.modified.isoformat()},
        "dcat:landingPage": {"@id": landing},
        "dcterms:conformsTo": {"@id": external_url("api_docs.openapi_json")},
        "dcat:distribution": [{"@id": d["@id"]} for d in distributions],
    }
    catalog = {
        "@id": landing + "#catalog",
        "@type": "dcat:Catalog",
        "dcterms:title": {"@language": "sv", "@value": "Goda exempel – öppna data"},
        "dcterms:description": {"@language": "sv", "@value": "Katalog över öppna data från Goda exempel."},
        "dcterms:publisher": {"@id": publisher["@id"]},
        "dcterms:license": {"@id": LICENSE_URI},
        "foaf:homepage": {"@id": external_url("browse.home")},
        "dcterms:language": {"@id": "http://publications.europa.eu/resource/authority/language/SWE"},
        "dcterms:modified": {"@type": "xsd:dateTime", "@value": version.modified.isoformat()},
        "dcat:dataset": [{"@id": dataset["@id"]}],
    }
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dcterms": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@graph": [catalog, dataset, publisher, *distributions],
    }
