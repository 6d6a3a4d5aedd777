"""Choropleth and locator maps as inline SVG, drawn on the server from `kb.geo` boundaries.

No tiles and no requests elsewhere: the path data for each map (Sweden by county, a
county by municipality, the small locator) is derived once per boundary data version
into the place data of `kb.atlas` (see `kb.geo` for the drawing); a request only picks a
colour class per region.

Colours: a sequential single-hue scale (ColorBrewer "Blues"), light to dark as the count
grows, so it reads the same for colour-blind readers and in greyscale; every region has a
dark outline, and the same numbers are always printed in a table next to the map.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

from flask_babel import gettext, ngettext

from . import atlas, places

ZERO_FILL = "#ffffff"
PALETTE = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")  # ColorBrewer Blues, 4 classes
HIGHLIGHT = "#08306b"
CONTEXT = "#9ecae1"


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    slug: str
    d: str  # SVG path data


@dataclass(frozen=True)
class Outline:
    """The cached drawing of one map: view box and one path per region."""

    viewbox: str
    shapes: tuple[Shape, ...]


@dataclass
class Area:
    shape: Shape
    count: int
    fill: str
    href: str | None
    label: str
    current: bool = False


@dataclass
class LegendItem:
    fill: str
    label: str


@dataclass
class Choropleth:
    """A map ready for the template: regions with counts, colours and links, plus a legend."""

    id: str
    title: str
    viewbox: str
    areas: list[Area]
    legend: list[LegendItem] = field(default_factory=list)
    region_label: str = "Län"  # the kind of area, as the page's language names it (kb/labels.py FACETS)


def _outline(drawing: dict, lookup) -> Outline:
    shapes = []
    for code, d in drawing["paths"].items():
        place = lookup(code)
        shapes.append(Shape(code, place.name, place.slug, d))
    return Outline(drawing["viewbox"], tuple(shapes))


@cache
def county_outline(county_code: str) -> Outline:
    """The municipalities of one county (cached per process and county)."""
    return _outline(atlas.drawing("county", county_code), places.municipality)


@cache
def sweden_outline() -> Outline:
    """The 21 counties (cached per process)."""
    return _outline(atlas.drawing("sweden"), places.county)


@cache
def locator_outline() -> Outline:
    """The 21 counties, coarse, for the small locator map."""
    return _outline(atlas.drawing("locator"), places.county)


def classes(maximum: int) -> list[tuple[int, int]]:
    """Count ranges for the colour classes: at most four, the last ending at `maximum`."""
    if maximum <= 0:
        return []
    step = max(1, math.ceil(maximum / len(PALETTE)))
    ranges = []
    low = 1
    while low <= maximum:
        ranges.append((low, min(maximum, low + step - 1)))
        low += step
    return ranges


def _fill(count: int, ranges: list[tuple[int, int]]) -> str:
    if count <= 0:
        return ZERO_FILL
    for i, (low, high) in enumerate(ranges):
        if low <= count <= high:
            return PALETTE[i if len(ranges) == len(PALETTE) else i * (len(PALETTE) - 1) // max(1, len(ranges) - 1)]
    return PALETTE[-1]


def _legend(ranges: list[tuple[int, int]]) -> list[LegendItem]:
    items = [LegendItem(ZERO_FILL, "0")]
    for low, high in ranges:
        items.append(LegendItem(_fill(low, ranges), str(low) if low == high else f"{low}–{high}"))
    return items


def _exempel(n: int) -> str:
    return ngettext("%(num)s exempel", "%(num)s exempel", n)


def choropleth(outline: Outline, counts: dict[str, int], href, map_id: str, title: str,
               region_label: str, current: str | None = None) -> Choropleth:
    """Shade `outline` by `counts`; `href(shape)` gives each region's link."""
    ranges = classes(max((counts.get(s.code, 0) for s in outline.shapes), default=0))
    areas = []
    for shape in outline.shapes:
        n = counts.get(shape.code, 0)
        areas.append(Area(shape, n, _fill(n, ranges), href(shape), f"{shape.name}: {_exempel(n)}", shape.code == current))
    return Choropleth(map_id, title, outline.viewbox, areas, _legend(ranges), region_label)


@dataclass
class Locator:
    """A small, non-interactive map of Sweden with some places highlighted."""

    viewbox: str
    counties: list[tuple[Shape, str]]
    municipalities: list[str]
    label: str


def locator(municipality_codes: list[str], county_codes: list[str]) -> Locator:
    """Sweden by county; the given counties (and the municipalities' counties) shaded, the municipalities dark."""
    base = locator_outline()
    context = set(county_codes) | {c[:2] for c in municipality_codes}
    paths = atlas.locator_municipality_paths()
    names = [places.municipality(c).name for c in municipality_codes]
    county_names = [places.county(c).name for c in sorted(context)]
    label = gettext("Karta över Sverige som visar %(places)s", places=", ".join(names + county_names if names else county_names))
    return Locator(
        base.viewbox,
        [(s, HIGHLIGHT if (s.code in county_codes and not municipality_codes) else CONTEXT if s.code in context else ZERO_FILL)
         for s in base.shapes],
        [paths[c] for c in municipality_codes if c in paths],
        label,
    )


def warm() -> None:
    """Compute every cached drawing now."""
    sweden_outline()
    locator_outline()
    for county in places.counties():
        county_outline(county.code)
