"""Places as data for the API: counts, neighbours, labour-market regions and GeoJSON boundaries.

The counts passed in are the search service's facet counts, so the API and the search
page always agree (an example in a municipality also counts for its county).
"""
from __future__ import annotations

import json

from . import atlas, places
LEVELS = atlas.LEVELS  # the API names its levels as the place data does


def _place_ref(p: places.Place) -> dict:
    return {"code": p.code, "name": p.name}


def places_document(county_counts: dict[str, int], municipality_counts: dict[str, int], url_for_place) -> dict:
    """Counties with their municipalities, each with count, neighbours and labour-market region."""
    by_county: dict[str, list] = {}
    for m in places.municipalities():
        region = atlas.region_of(m.code)
        by_county.setdefault(m.county_code, []).append({
            "code": m.code,
            "name": m.name,
            "count": municipality_counts.get(m.code, 0),
            "url": url_for_place(m),
            "neighbours": [_place_ref(n) for n in atlas.neighbours(m.code)],
            "fa_region": {"code": region.code, "name": region.name},
        })
    return {
        "counties": [
            {"code": c.code, "name": c.name, "count": county_counts.get(c.code, 0), "url": url_for_place(c),
             "municipalities": by_county.get(c.code, [])}
            for c in places.counties()
        ],
        "fa_regions": [
            {"code": r.code, "name": r.name, "municipalities": list(r.municipalities)} for r in atlas.regions().values()
        ],
    }


def feature_collection(level: str, counts: dict[str, int], url_for_place) -> str:
    """An RFC 7946 FeatureCollection of simplified boundaries with example counts, as JSON text.

    The geometries are stored as JSON text (kb.atlas) and copied in as they are."""
    pool = places.counties() if level == "county" else places.municipalities()
    features = []
    for p in pool:
        properties = {"code": p.code, "name": p.name, "level": level, "count": counts.get(p.code, 0), "url": url_for_place(p)}
        if level == "municipality":
            region = atlas.region_of(p.code)
            properties.update({"county": p.county_code, "fa_region": region.code, "fa_region_name": region.name})
        features.append('{"type":"Feature","id":%s,"geometry":%s,"properties":%s}' % (
            json.dumps(p.code), atlas.geojson_geometry(level, p.code),
            json.dumps(properties, ensure_ascii=False, separators=(",", ":"))))
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
