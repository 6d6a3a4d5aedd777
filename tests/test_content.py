"""content/: validation (every error path), load → export byte for byte, all-or-nothing load."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from kb import content
from kb.extensions import db
from kb.models import Entry, Revision
from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT.parent / "shared" / "seed" / "catalog.yaml"
CATEGORIES = {"bostader", "okat-mottagande", "regional-samverkan", "kvalitet-i-verksamheten", "attityder-i-samhallet"}

GOOD = """---
title: Ett prov
slug: ett-prov
category: bostader
municipalities:
- Borlänge
summary: En kort sammanfattning.
tags:
- prov
status: okänd
source:
  title: Rapporten
  published: 2014-11
  sections:
  - '3.3'
---

## Vad gjordes

Text.
"""


def write(tmp_path: Path, text: str, name: str = "ett-prov.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_for(tmp_path: Path, text: str, name: str = "ett-prov.md") -> list[content.ContentError]:
    example, errors = content.parse_example(write(tmp_path, text, name), CATEGORIES)
    assert example is None
    assert errors, "expected at least one error"
    return errors


def test_parse_example_good_file(tmp_path):
    example, errors = content.parse_example(write(tmp_path, GOOD), CATEGORIES)
    assert errors == []
    assert example.municipalities == ["Borlänge"]
    assert example.source_sections == ["3.3"]


@pytest.mark.parametrize(
    ("old", "new", "field", "needle"),
    [
        ("municipalities:\n- Borlänge", "municipalities:\n- Borlänga", "municipalities", "Menade du 'Borlänge'"),
        ("municipalities:\n- Borlänge", "municipalities: Borlänge", "municipalities", "ska vara en lista"),
        ("municipalities:\n- Borlänge", "counties:\n- Dalarnas lään", "counties", "Menade du 'Dalarnas län'"),
        ("municipalities:\n- Borlänge\n", "", "municipalities", "minst en plats"),
        ("category: bostader", "category: bostad", "category", "giltiga är: attityder-i-samhallet"),
        ("slug: ett-prov", "slug: Ett Prov", "slug", "små bokstäver"),
        ("slug: ett-prov", "slug: ett-annat", "slug", "filnamnet"),
        ("title: Ett prov", "title: " + "x" * 151, "title", "högst 150"),
        ("title: Ett prov", "title: ''", "title", "obligatoriskt"),
        ("title: Ett prov", "title: [a, b]", "title", "ska vara en text"),
        ("summary: En kort sammanfattning.", "summary: " + "y" * 501, "summary", "högst 500"),
        ("status: okänd", "status: klar", "status", "planerad, pågående, avslutad, okänd"),
        ("tags:\n- prov", "tags:\n- prov\n- prov", "tags", "flera gånger"),
        ("tags:\n- prov", "tags:\n" + "".join(f"- t{i}\n" for i in range(21)), "tags", "Högst 20 nyckelord"),
        ("tags:\n- prov", "tags:\n- " + "z" * 61, "tags", "högst 60 tecken"),
        ("status: okänd", "status: okänd\nauthor: Någon", "author", "okänt fält"),
        ("  published: 2014-11", "  published: november", "source", "ÅÅÅÅ-MM"),
        ("  sections:\n  - '3.3'", "  sections: '3.3'", "source", "ska vara en lista"),
        ("status: okänd", "status: okänd\nperiod:\n  start: 1800", "period", "1900 och 2100"),
        ("status: okänd", "status: okänd\nperiod:\n  start: 2016\n  end: 2014", "period", "före start"),
        ("status: okänd", "status: okänd\nlinks:\n- javascript:alert(1)", "links", "http://"),
        ("status: okänd", "status: okänd\ncontact:\n  email: inte-epost", "contact", "giltig e-postadress"),
        ("status: okänd", "status: okänd\ncontact:\n  telefon: '123'", "contact", "organisation, name, email"),
    ],
)
def test_parse_example_field_error_names_field_line_and_valid_values(tmp_path, old, new, field, needle):
    text = GOOD.replace(old, new)
    assert text != GOOD
    errors = errors_for(tmp_path, text)
    matching = [e for e in errors if e.field == field]
    assert matching, [str(e) for e in errors]
    message = str(matching[0])
    assert needle in message, message
    assert "ett-prov.md" in message
    if field != "municipalities" or "minst" not in needle:
        assert matching[0].line is not None and matching[0].line >= 2


def test_parse_example_line_number_points_at_the_field(tmp_path):
    errors = errors_for(tmp_path, GOOD.replace("category: bostader", "category: nope"))
    assert errors[0].line == 4  # '---' is line 1, title 2, slug 3, category 4


def test_parse_example_missing_front_matter(tmp_path):
    errors = errors_for(tmp_path, "Bara text utan huvud\n")
    assert "---" in errors[0].message


def test_parse_example_unterminated_front_matter(tmp_path):
    errors = errors_for(tmp_path, "---\ntitle: x\n")
    assert "avslutas inte" in errors[0].message


def test_parse_example_broken_yaml_reports_line(tmp_path):
    errors = errors_for(tmp_path, GOOD.replace("category: bostader", "category: [bostader"))
    assert "YAML" in errors[0].message and errors[0].line is not None


def test_parse_example_front_matter_not_a_mapping(tmp_path):
    errors = errors_for(tmp_path, "---\n- a\n- b\n---\n\nText\n")
    assert "nyckel" in errors[0].message


def test_parse_example_empty_body(tmp_path):
    errors = errors_for(tmp_path, GOOD.split("## Vad")[0])
    assert "texten" in errors[0].message


def test_parse_example_not_utf8(tmp_path):
    path = tmp_path / "ett-prov.md"
    path.write_bytes(GOOD.encode("latin-1"))
    example, errors = content.parse_example(path, CATEGORIES)
    assert example is None and "UTF-8" in errors[0].message


def test_parse_directory_reports_every_bad_file_at_once(content_copy):
    for name in ("modulhus.md", "brukslinjen.md"):
        path = content_copy / "examples" / name
        path.write_text(path.read_text(encoding="utf-8").replace("category: bostader", "category: x"), encoding="utf-8")
    with pytest.raises(content.ContentInvalid) as err:
        content.parse_directory(content_copy)
    files = {e.path.name for e in err.value.errors}
    assert files == {"modulhus.md", "brukslinjen.md"}


def test_parse_directory_duplicate_titles(content_copy):
    a = content_copy / "examples" / "modulhus.md"
    b = content_copy / "examples" / "paviljongboende.md"
    title = next(line for line in a.read_text(encoding="utf-8").splitlines() if line.startswith("title:"))
    text = b.read_text(encoding="utf-8").splitlines()
    text[1] = title
    b.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(content.ContentInvalid) as err:
        content.parse_directory(content_copy)
    assert "samma titel" in str(err.value)


def test_parse_directory_missing_categories_file(content_copy):
    (content_copy / "categories.yaml").unlink()
    with pytest.raises(content.ContentInvalid) as err:
        content.parse_directory(content_copy)
    assert "categories.yaml" in str(err.value)


def test_content_covers_every_catalog_id_with_summary_and_body():
    need(CATALOG.is_file(), f"the seed catalog {CATALOG} (../shared beside the checkout)")
    catalog = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    data = content.parse_directory(ROOT / "content")
    by_slug = {e.slug: e for e in data.examples}
    assert {e["id"] for e in catalog["examples"]} == set(by_slug)
    for item in catalog["examples"]:
        ex = by_slug[item["id"]]
        assert ex.category == item["category"]
        assert ex.summary and len(ex.body) > 200
        want_m = {content.places.municipality(n).name for n in item["places"].get("municipalities", [])}
        want_c = {content.places.county(n).name for n in item["places"].get("counties", [])}
        assert set(ex.municipalities) == want_m and set(ex.counties) == want_c, ex.slug
        assert "## Vad gjordes" in ex.body
    assert {c.slug for c in data.categories} == {c["slug"] for c in catalog["categories"]}


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["kb", *args])


def test_load_then_export_reproduces_content_byte_for_byte(loaded_app, tmp_path):
    with loaded_app.app_context():
        result = _cli(loaded_app, "export", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    src = sorted(p.relative_to(ROOT / "content") for p in (ROOT / "content").rglob("*") if p.is_file())
    out = sorted(p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert src == out
    for rel in src:
        assert (ROOT / "content" / rel).read_bytes() == (tmp_path / "out" / rel).read_bytes(), rel


def test_load_is_idempotent(make_app):
    app = make_app()
    with app.app_context():
        revisions = db.session.scalar(sa.select(sa.func.count()).select_from(Revision))
        result = _cli(app, "load")
        assert result.exit_code == 0, result.output
        assert "0 nya, 0 ändrade, 56 oförändrade" in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Revision)) == revisions


def test_load_changed_file_adds_a_published_revision(make_app, content_copy):
    app = make_app(content_dir=content_copy)
    path = content_copy / "examples" / "modulhus.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Vad gjordes", "## Vad gjordes\n\nNytt stycke om modulhus.", 1), encoding="utf-8")
    with app.app_context():
        result = _cli(app, "load", str(content_copy))
        assert result.exit_code == 0, result.output
        assert "1 ändrade" in result.output
        entry = db.session.scalars(sa.select(Entry).where(Entry.slug == "modulhus")).one()
        assert [r.number for r in entry.revisions] == [1, 2]
        assert entry.published_revision.number == 2
        assert "Nytt stycke om modulhus." in entry.published_revision.body


def test_load_with_misspelt_municipality_changes_nothing(make_app, content_copy):
    app = make_app(content_dir=content_copy)
    with app.app_context():
        before = {e.slug: e.published_revision.title for e in db.session.scalars(sa.select(Entry))}
    good = content_copy / "examples" / "paviljongboende.md"
    good.write_text(good.read_text(encoding="utf-8").replace("title: ", "title: ÄNDRAD ", 1), encoding="utf-8")
    bad = content_copy / "examples" / "modulhus.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("- Jokkmokk", "- Jokmokk"), encoding="utf-8")
    with app.app_context():
        result = _cli(app, "load", str(content_copy))
        assert result.exit_code != 0
        assert "modulhus.md" in result.output
        assert "municipalities" in result.output
        assert "Menade du 'Jokkmokk'" in result.output
        db.session.expire_all()
        after = {e.slug: e.published_revision.title for e in db.session.scalars(sa.select(Entry))}
    assert after == before


def test_export_skips_unpublished_and_removes_their_files(make_app, tmp_path):
    from kb.models import EntryState

    app = make_app()
    with app.app_context():
        entry = db.session.scalars(sa.select(Entry).where(Entry.slug == "modulhus")).one()
        out = tmp_path / "snap"
        assert _cli(app, "export", str(out)).exit_code == 0
        assert (out / "examples" / "modulhus.md").exists()
        entry.state = EntryState.ARCHIVED
        db.session.commit()
        assert _cli(app, "export", str(out)).exit_code == 0
        assert not (out / "examples" / "modulhus.md").exists()
        assert len(list((out / "examples").glob("*.md"))) == 55


def test_write_atomic_keeps_old_file_when_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "a.md"
    path.write_text("gammal", encoding="utf-8")

    def boom(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(content.os, "replace", boom)
    with pytest.raises(OSError):
        content.write_atomic(path, "ny")
    assert path.read_text(encoding="utf-8") == "gammal"
    assert list(tmp_path.iterdir()) == [path]


# --- English category names (content/categories.yaml name_en, description_en) ---------------

def test_every_category_has_an_english_name_and_description():
    categories, errors = content.parse_categories(ROOT / "content" / "categories.yaml")
    assert errors == []
    for c in categories:
        assert c.name_en and c.description_en, c.slug
        assert not any(ch in c.name_en for ch in "åäöÅÄÖ"), c.name_en


def test_english_category_fields_are_optional_and_round_trip(tmp_path):
    path = tmp_path / "categories.yaml"
    path.write_text("categories:\n- slug: bostader\n  name: Bostäder\n  description: Om bostäder.\n", encoding="utf-8")
    (only,), errors = content.parse_categories(path)
    assert errors == [] and only.name_en == "" and only.description_en == ""
    assert "name_en" not in content.dump_categories([only])
    only.name_en, only.description_en = "Housing", "About housing."
    path.write_text(content.dump_categories([only]), encoding="utf-8")
    (again,), _errors = content.parse_categories(path)
    assert (again.name_en, again.description_en) == ("Housing", "About housing.")


def test_load_stores_and_updates_the_english_category_names(make_app, content_copy):
    from kb.models import Category

    app = make_app(content_dir=content_copy)
    with app.app_context():
        housing = db.session.scalars(sa.select(Category).where(Category.slug == "bostader")).one()
        assert (housing.name, housing.name_en) == ("Bostäder", "Housing")
        path = content_copy / "categories.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("name_en: Housing", "name_en: Homes"), encoding="utf-8")
        result = _cli(app, "load", str(content_copy))
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        housing = db.session.scalars(sa.select(Category).where(Category.slug == "bostader")).one()
        assert (housing.name, housing.name_en) == ("Bostäder", "Homes")
