"""Places as data for the API: counts, neighbours, labour-market regions and GeoJSON boundaries.

The counts passed in are the search service's facet counts, so the API and the search
page always agree (an example in a municipality also counts for its county).
"""
from __future__ import annotations

from functools import cache

from . import geo, places

LEVELS = ("municipality", "county")
COORDINATE_DECIMALS = 5  # about one metre; RFC 7946 suggests no more than 6


def _place_ref(p: places.Place) -> dict:
    return {"code": p.code, "name": p.name}


def places_document(county_counts: dict[str, int], municipality_counts: dict[str, int], url_for_place) -> dict:
    """Counties with their municipalities, each with count, neighbours and labour-market region."""
    by_county: dict[str, list] = {}
    for m in places.municipalities():
        region = geo.region_of(m.code)
        by_county.setdefault(m.county_code, []).append({
            "code": m.code,
            "name": m.name,
            "count": municipality_counts.get(m.code, 0),
            "url": url_for_place(m),
            "neighbours": [_place_ref(n) for n in geo.neighbours(m.code)],
            "fa_region": {"code": region.code, "name": region.name},
        })
    return {
        "counties": [
            {"code": c.code, "name": c.name, "count": county_counts.get(c.code, 0), "url": url_for_place(c),
             "municipalities": by_county.get(c.code, [])}
            for c in places.counties()
        ],
        "fa_regions": [
            {"code": r.code, "name": r.name, "municipalities": list(r.municipalities)} for r in geo.regions().values()
        ],
    }


def _ring(coords) -> list:
    return [[round(x, COORDINATE_DECIMALS), round(y, COORDINATE_DECIMALS)] for x, y in coords]


def _polygon(polygon) -> list:
    return [_ring(polygon.exterior.coords), *(_ring(r.coords) for r in polygon.interiors)]


@cache
def _geometries(level: str) -> dict[str, dict]:
    """Code → GeoJSON geometry (WGS 84 lon/lat, right-hand rule), computed once per process."""
    out = {}
    for code, geom in geo.wgs84_outlines(level).items():
        if geom.geom_type == "Polygon":
            out[code] = {"type": "Polygon", "coordinates": _polygon(geom)}
        else:
            out[code] = {"type": "MultiPolygon", "coordinates": [_polygon(p) for p in geom.geoms]}
    return out


def feature_collection(level: str, counts: dict[str, int], url_for_place) -> dict:
    """An RFC 7946 FeatureCollection of simplified boundaries with example counts."""
    pool = places.counties() if level == "county" else places.municipalities()
    geometries = _geometries(level)
    features = []
    for p in pool:
        properties = {"code": p.code, "name": p.name, "level": level, "count": counts.get(p.code, 0), "url": url_for_place(p)}
        if level == "municipality":
            region = geo.region_of(p.code)
            properties.update({"county": p.county_code, "fa_region": region.code, "fa_region_name": region.name})
        features.append({"type": "Feature", "id": p.code, "geometry": geometries[p.code], "properties": properties})
    return {"type": "FeatureCollection", "features": features}
