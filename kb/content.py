"""The only reader and writer of content/: Markdown files with YAML front matter.

A file is `---\\n<YAML>\\n---\\n\\n<Markdown body>\\n`. `parse_directory` validates
everything and collects every problem (file, field, line, what is wrong, what is
valid) before anything touches the database; `dump_example` writes the canonical
form, so load → export reproduces a canonical file byte for byte.

Front matter is split and parsed here rather than with python-frontmatter because
error messages need line numbers in the file, and export needs byte-exact control
over the YAML it writes; both are a few lines on top of PyYAML.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask_babel import gettext as _

from . import places
from .fields import LIMITS, FieldInvalid, canonical_link, check_email, check_length, check_link, check_links, check_tags
from .models import PracticeStatus

FIELDS = ("title", "slug", "category", "municipalities", "counties", "summary", "tags", "status", "period", "contact", "links", "source", "adopted_by")
REQUIRED = ("title", "slug", "category", "summary")
SOURCE_FIELDS = ("title", "published", "sections")
PERIOD_FIELDS = ("start", "end")
CONTACT_FIELDS = ("organisation", "name", "email")
ADOPTION_FIELDS = ("municipality", "year", "note", "link", "example")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATUSES = tuple(s.value for s in PracticeStatus)


@dataclass
class ContentError:
    """One problem in one file, phrased for the person who has to fix it."""

    path: Path
    message: str
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line:
            where += f":{self.line}"
        if self.field:
            where += ": " + _("fältet '%(field)s'", field=self.field)
        return f"{where}: {self.message}"


class ContentInvalid(Exception):
    """Raised with every ContentError found; nothing has been written."""

    def __init__(self, errors: list[ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class CategoryData:
    slug: str
    name: str
    description: str = ""
    name_en: str = ""  # English name and description (optional; English pages fall back to Swedish)
    description_en: str = ""


@dataclass
class AdoptionData:
    """One municipality that took up an example ("Har inspirerat")."""

    municipality: str  # official name
    year: int
    note: str = ""
    link: str = ""
    example: str = ""  # slug of the adopting municipality's own example, if any


@dataclass
class ExampleData:
    """A validated example, as read from or written to a file."""

    slug: str
    title: str
    category: str
    summary: str
    body: str
    municipalities: list[str] = field(default_factory=list)  # official names
    counties: list[str] = field(default_factory=list)  # official names
    tags: list[str] = field(default_factory=list)
    status: str = PracticeStatus.OKAND.value
    source_title: str = ""
    source_published: str = ""
    source_sections: list[str] = field(default_factory=list)
    period_start: int | None = None
    period_end: int | None = None
    contact_organisation: str = ""  # only public contacts are ever in a file
    contact_name: str = ""
    contact_email: str = ""
    links: list[str] = field(default_factory=list)
    adopted_by: list[AdoptionData] = field(default_factory=list)
    path: Path | None = None


# --------------------------------------------------------------------------- reading


def _split(text: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the front matter starts)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise ValueError(_("filen måste börja med en rad '---' följd av YAML-huvudet (front matter)"))
    end = re.search(r"^---[ \t]*$", text[4:], flags=re.MULTILINE)
    if end is None:
        raise ValueError(_("YAML-huvudet avslutas inte: en rad med bara '---' saknas efter huvudet"))
    front = text[4 : 4 + end.start()]
    body = text[4 + end.end() :]
    return front, body.strip("\n"), 2


def _key_lines(front: str, first_line: int) -> dict[str, int]:
    """Map each top-level key to its line number in the file."""
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + first_line for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def _str_list(value, name: str, err) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        err(name, _("ska vara en lista (en rad '- namn' per värde), inte en enskild text"))
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        err(name, _("ska vara en lista med texter, t.ex.\n  - Borlänge"))
        return []
    return [v.strip() for v in value]


def _official_places(name: str, value, err) -> list[str]:
    """Official names for the places listed under `name`; unknown ones are reported with suggestions."""
    lookup = places.municipality if name == "municipalities" else places.county
    out: list[str] = []
    for typed in _str_list(value, name, err):
        try:
            out.append(lookup(typed).name)
        except places.UnknownPlace as exc:
            hint = _did_you_mean(exc.suggestions)
            if name == "municipalities":
                err(name, _("okänd kommun %(name)s.%(hint)s Använd kommunens officiella namn.", name=repr(typed), hint=hint))
            else:
                err(name, _("okänt län %(name)s.%(hint)s Använd länets officiella namn, t.ex. 'Dalarnas län'.",
                            name=repr(typed), hint=hint))
    return out


def _did_you_mean(suggestions) -> str:
    """' Menade du 'Falun' eller 'Filipstad'?' (with its leading space), or '' without suggestions."""
    if not suggestions:
        return ""
    return " " + _("Menade du %(names)s?", names=(" " + _("eller") + " ").join(repr(s) for s in suggestions))


def decode(raw: bytes) -> str:
    """File bytes as text, the way `Path.read_text` reads them (UTF-8, universal newlines)."""
    return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def parse_example(path: Path, categories: set[str], raw: bytes | None = None) -> tuple[ExampleData | None, list[ContentError]]:
    """Parse and validate one example file (or its bytes `raw`, already read); returns the data or the errors found."""
    errors: list[ContentError] = []
    try:
        text = path.read_text(encoding="utf-8") if raw is None else decode(raw)
    except UnicodeDecodeError as exc:
        return None, [ContentError(path, _("filen är inte giltig UTF-8 (byte %(n)s); spara den som UTF-8", n=exc.start))]
    try:
        front, body, first_line = _split(text)
    except ValueError as exc:
        return None, [ContentError(path, str(exc), line=1)]
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [ContentError(path, _("YAML-huvudet går inte att läsa: %(problem)s", problem=problem), line=line)]
    if not isinstance(data, dict):
        return None, [ContentError(path, _("YAML-huvudet ska vara nyckel: värde-par (title:, slug:, ...)"), line=2)]
    lines = _key_lines(front, first_line)

    def err(name: str, message: str) -> None:
        errors.append(ContentError(path, message, field=name, line=lines.get(name.split(".")[0])))

    for key in data:
        if key not in FIELDS:
            err(str(key), _("okänt fält; giltiga fält är: %(fields)s", fields=", ".join(FIELDS)))
    for key in REQUIRED:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append(ContentError(path, _("saknas eller är tomt; fältet är obligatoriskt"), field=key, line=lines.get(key)))

    def text_field(name: str) -> str:
        value = data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            err(name, _("ska vara en text, inte %(type)s", type=type(value).__name__))
            return ""
        try:
            return check_length(name, value)
        except FieldInvalid as exc:
            err(name, str(exc))
            return value.strip()

    title = text_field("title")
    slug = text_field("slug")
    summary = text_field("summary")
    category = text_field("category")

    if slug and not SLUG_RE.match(slug):
        err("slug", _("%(slug)s är ogiltig; använd små bokstäver a–z, siffror och bindestreck, t.ex. 'kopa-villor'",
                      slug=repr(slug)))
    elif slug and slug != path.stem:
        err("slug", _("%(slug)s stämmer inte med filnamnet; filen ska heta %(name)s.md (eller slug vara %(stem)s)",
                      slug=repr(slug), name=slug, stem=repr(path.stem)))
    if category and category not in categories:
        err("category", _("okänd kategori %(category)s; giltiga är: %(valid)s", category=repr(category),
                          valid=", ".join(sorted(categories))))

    municipalities = _official_places("municipalities", data.get("municipalities"), err)
    counties = _official_places("counties", data.get("counties"), err)
    if "municipalities" not in data and "counties" not in data:
        errors.append(ContentError(path, _("minst en plats krävs: ange 'municipalities' och/eller 'counties'"), field="municipalities"))
    if len(set(municipalities)) != len(municipalities):
        err("municipalities", _("samma kommun står flera gånger"))
    if len(set(counties)) != len(counties):
        err("counties", _("samma län står flera gånger"))

    tags = _str_list(data.get("tags"), "tags", err)
    tags = [t.lower() for t in tags]
    try:
        check_tags(tags)
    except FieldInvalid as exc:
        err("tags", str(exc))
    if len(set(tags)) != len(tags):
        err("tags", _("samma tagg står flera gånger"))

    status = data.get("status", PracticeStatus.OKAND.value)
    if status not in STATUSES:
        err("status", _("%(status)s är ogiltig; giltiga värden är: %(valid)s", status=repr(status), valid=", ".join(STATUSES)))

    source = data.get("source") or {}
    source_title = source_published = ""
    source_sections: list[str] = []
    if not isinstance(source, dict):
        err("source", _("ska vara en mappning med title, published och sections"))
    else:
        for key in source:
            if key not in SOURCE_FIELDS:
                err("source", _("okänt delfält %(key)s; giltiga är: %(valid)s", key=repr(key), valid=", ".join(SOURCE_FIELDS)))
        try:
            source_title = check_length("source_title", str(source.get("title") or ""))
        except FieldInvalid as exc:
            err("source", f"title: {exc}")
        source_published = str(source.get("published") or "").strip()
        if source_published and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", source_published):
            err("source", _("published %(value)s är ogiltigt; skriv ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD", value=repr(source_published)))
        raw_sections = source.get("sections")
        if raw_sections is not None:
            if not isinstance(raw_sections, list):
                err("source", _("sections ska vara en lista, t.ex. ['3.3']"))
            else:
                source_sections = [str(s) for s in raw_sections]

    period_start = period_end = None
    period = data.get("period")
    if period is not None:
        if not isinstance(period, dict) or any(k not in PERIOD_FIELDS for k in period):
            err("period", _("ska vara en mappning med start och/eller end, t.ex. start: 2014"))
        else:
            years = {}
            for key in PERIOD_FIELDS:
                value = period.get(key)
                if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1900 <= value <= 2100):
                    err("period", _("%(key)s ska vara ett årtal mellan 1900 och 2100, inte %(value)s", key=key, value=repr(value)))
                else:
                    years[key] = value
            period_start, period_end = years.get("start"), years.get("end")
            if period_start and period_end and period_end < period_start:
                err("period", _("end kan inte vara före start"))

    contact = data.get("contact") or {}
    if not isinstance(contact, dict) or any(k not in CONTACT_FIELDS for k in contact):
        err("contact", _("ska vara en mappning med %(fields)s", fields=", ".join(CONTACT_FIELDS)))
        contact = {}
    for key, value in list(contact.items()):
        if not isinstance(value, str):
            err("contact", _("%(key)s ska vara en text", key=key))
            contact[key] = ""
            continue
        try:
            contact[key] = check_email(value) if key == "email" and value.strip() else check_length(f"contact_{key}", value)
        except FieldInvalid as exc:
            err("contact", f"{key}: {exc}")

    links = _str_list(data.get("links"), "links", err)
    try:
        links = check_links(links)
    except FieldInvalid as exc:
        err("links", str(exc))

    adopted_by = _adoptions(data.get("adopted_by"), municipalities, err)

    if not body.strip():
        errors.append(ContentError(path, _("texten efter YAML-huvudet saknas; skriv exemplet i Markdown")))
    else:
        try:
            check_length("body", body)
        except FieldInvalid as exc:
            errors.append(ContentError(path, str(exc)))

    if errors:
        return None, errors
    return (
        ExampleData(
            slug=slug, title=title, category=category, summary=summary, body=body,
            municipalities=municipalities, counties=counties, tags=tags, status=status,
            source_title=source_title, source_published=source_published,
            source_sections=source_sections, period_start=period_start, period_end=period_end,
            contact_organisation=str(contact.get("organisation") or "").strip(),
            contact_name=str(contact.get("name") or "").strip(),
            contact_email=str(contact.get("email") or "").strip(), links=links, adopted_by=adopted_by,
            path=path,
        ),
        [],
    )


def _adoptions(value, own: list[str], err) -> list[AdoptionData]:
    """The optional `adopted_by` list: municipality (official name), year, and optional note, link, example."""
    if value is None:
        return []
    if not isinstance(value, list):
        err("adopted_by", _("ska vara en lista av mappningar, t.ex.\n  - municipality: Falun\n    year: 2016"))
        return []
    out: list[AdoptionData] = []
    seen: set[str] = set()
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict) or any(k not in ADOPTION_FIELDS for k in item):
            err("adopted_by", _("post %(i)s: ska vara en lista av mappningar, t.ex.\n  - municipality: Falun\n    year: 2016; "
                                "giltiga delfält är %(valid)s", i=i, valid=", ".join(ADOPTION_FIELDS)))
            continue
        name, year = item.get("municipality"), item.get("year")
        note, link, example = item.get("note", ""), item.get("link", ""), item.get("example", "")
        ok = True
        try:
            official = places.municipality(name).name if isinstance(name, str) else None
        except places.UnknownPlace as exc:
            official = None
            err("adopted_by", _("post %(i)s: okänd kommun %(name)s.%(hint)s", i=i, name=repr(name),
                                hint=_did_you_mean(exc.suggestions)))
            ok = False
        if ok and official is None:
            err("adopted_by", _("post %(i)s: municipality saknas; ange kommunens officiella namn", i=i))
            ok = False
        if official and (official in own or official in seen):
            err("adopted_by", _("post %(i)s: %(name)s står redan som exemplets kommun eller flera gånger", i=i, name=official))
            ok = False
        if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
            err("adopted_by", _("post %(i)s: year ska vara ett årtal mellan 1990 och 2100, inte %(value)s", i=i, value=repr(year)))
            ok = False
        if not isinstance(note, str) or len(note.strip()) > LIMITS["adoption_note"]:
            err("adopted_by", _("post %(i)s: note ska vara en text på högst %(n)s tecken", i=i, n=LIMITS["adoption_note"]))
            ok = False
        if not isinstance(link, str):
            err("adopted_by", _("post %(i)s: link ska vara en text", i=i))
            ok = False
        elif link.strip():
            try:
                link = check_link(link)
            except FieldInvalid as exc:
                err("adopted_by", _("post %(i)s: link: %(error)s", i=i, error=exc))
                ok = False
        if not isinstance(example, str) or (example and not SLUG_RE.match(example)):
            err("adopted_by", _("post %(i)s: example ska vara slug för ett exempel, t.ex. 'kopa-villor'", i=i))
            ok = False
        if ok:
            seen.add(official)
            out.append(AdoptionData(official, year, note.strip(), link.strip(), example.strip()))
    return out


def parse_categories(path: Path, raw: bytes | None = None) -> tuple[list[CategoryData], list[ContentError]]:
    """Read categories.yaml: a list of {slug, name, description, name_en, description_en} (English optional)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8") if raw is None else decode(raw))
    except (OSError, UnicodeDecodeError) as exc:
        return [], [ContentError(path, _("kan inte läsas: %(error)s", error=exc))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], [ContentError(path, _("YAML-fel: %(problem)s", problem=getattr(exc, "problem", exc)), line=mark.line + 1 if mark else None)]
    items = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        return [], [ContentError(path, _("ska innehålla 'categories:' med en lista av {slug, name, description}"))]
    out, errors, seen = [], [], set()
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not item.get("slug") or not item.get("name"):
            errors.append(ContentError(path, _("kategori nr %(i)s saknar slug eller name", i=i), field="categories"))
            continue
        slug = str(item["slug"])
        if not SLUG_RE.match(slug):
            errors.append(ContentError(path, _("kategori-slug %(slug)s är ogiltig; använd a–z, 0–9 och bindestreck", slug=repr(slug)),
                                       field="categories"))
        if slug in seen:
            errors.append(ContentError(path, _("kategori-slug %(slug)s står två gånger", slug=repr(slug)), field="categories"))
        seen.add(slug)
        out.append(CategoryData(slug, str(item["name"]), str(item.get("description") or "").strip(),
                                str(item.get("name_en") or "").strip(), str(item.get("description_en") or "").strip()))
    return out, errors


@dataclass
class ContentSet:
    categories: list[CategoryData]
    examples: list[ExampleData]
    synonyms: str | None = None  # the YAML text of synonyms.yaml, when present


def parse_directory(root: Path, raw: dict[Path, bytes] | None = None,
                    unchanged: dict[Path, str] | None = None) -> ContentSet:
    """Validate a whole content directory; raise ContentInvalid listing every problem.

    `raw` holds file bytes already read (so what is parsed is exactly what was hashed);
    files in `unchanged` (path → title) were validated by an earlier load and are not
    read again: only their titles take part in the uniqueness check.
    """
    root = Path(root)
    raw = raw or {}
    unchanged = unchanged or {}
    errors: list[ContentError] = []
    if not root.is_dir():
        raise ContentInvalid([ContentError(root, _("katalogen finns inte"))])
    cat_path = root / "categories.yaml"
    if not cat_path.is_file():
        raise ContentInvalid([ContentError(cat_path, _("saknas; den listar kategorierna (slug, name, description)"))])
    categories, cat_errors = parse_categories(cat_path, raw.get(cat_path))
    errors += cat_errors
    slugs = {c.slug for c in categories}
    examples: list[ExampleData] = []
    files = sorted((root / "examples").glob("*.md"))
    if not files:
        errors.append(ContentError(root / "examples", _("inga exempel (*.md) hittades")))
    for path in files:
        if path in unchanged:
            continue
        example, file_errors = parse_example(path, slugs, raw.get(path))
        errors += file_errors
        if example:
            examples.append(example)
    synonyms_text = None
    syn_path = root / "synonyms.yaml"
    if syn_path.is_file():
        from .search.synonyms import SynonymError, parse

        try:
            synonyms_text = syn_path.read_text(encoding="utf-8") if syn_path not in raw else decode(raw[syn_path])
            parse(synonyms_text)
        except (UnicodeDecodeError, SynonymError) as exc:
            errors.append(ContentError(syn_path, str(exc)))
    known = {ex.slug for ex in examples} | {path.stem for path in unchanged}  # files not re-read are examples too
    for ex in examples:
        for item in ex.adopted_by:
            if item.example and item.example not in known:
                errors.append(ContentError(ex.path, _("adopted_by: exemplet %(slug)s finns inte bland filerna", slug=repr(item.example)),
                                             field="adopted_by"))
    titles: dict[str, Path] = {places.fold(title): path for path, title in unchanged.items()}
    for ex in examples:
        key = places.fold(ex.title)
        if key in titles:
            errors.append(ContentError(ex.path, _("samma titel som %(file)s; titlar ska vara unika", file=titles[key].name), field="title"))
        titles.setdefault(key, ex.path)
    if errors:
        raise ContentInvalid(errors)
    return ContentSet(categories, examples, synonyms_text)


# --------------------------------------------------------------------------- writing


def _dump_yaml(data: dict) -> str:
    # Block style, list items flush with their key, long texts on one line.
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100_000, default_flow_style=False)


def dump_example(ex: ExampleData) -> str:
    """The canonical text of an example file."""
    front: dict = {"title": ex.title, "slug": ex.slug, "category": ex.category}
    if ex.municipalities:
        front["municipalities"] = list(ex.municipalities)
    if ex.counties:
        front["counties"] = list(ex.counties)
    front["summary"] = ex.summary
    front["tags"] = list(ex.tags)
    front["status"] = ex.status
    if ex.period_start or ex.period_end:
        front["period"] = {k: v for k, v in (("start", ex.period_start), ("end", ex.period_end)) if v}
    contact = {k: v for k, v in (("organisation", ex.contact_organisation), ("name", ex.contact_name), ("email", ex.contact_email)) if v}
    if contact:
        front["contact"] = contact
    if ex.links:
        front["links"] = [canonical_link(link) for link in ex.links]
    front["source"] = {
        "title": ex.source_title,
        "published": ex.source_published,
        "sections": list(ex.source_sections),
    }
    if ex.adopted_by:
        front["adopted_by"] = [
            {k: v for k, v in (("municipality", a.municipality), ("year", a.year), ("note", a.note),
                               ("link", canonical_link(a.link) if a.link else ""), ("example", a.example)) if v}
            for a in ex.adopted_by
        ]
    return f"---\n{_dump_yaml(front)}---\n\n{ex.body.strip()}\n"


def dump_categories(categories: list[CategoryData]) -> str:
    """The canonical text of categories.yaml."""
    items = []
    for c in categories:
        item = {"slug": c.slug, "name": c.name, "description": c.description}
        if c.name_en:
            item["name_en"] = c.name_en
        if c.description_en:
            item["description_en"] = c.description_en
        items.append(item)
    return _dump_yaml({"categories": items})


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that a crash leaves either the old or the new version, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
