"""Validating search parameters from a URL: every bad value gets a message naming it
and the valid form, shared by the HTML search page and the JSON API."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from .. import places
from .query import MAX_QUERY_CHARS, SORTS, SearchParams

MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_VERIFIED_WITHIN = 600  # months: checked within the last 50 years
SORT_VALUES = {**SORTS, **{v: v for v in SORTS.values()}}


@dataclass
class ParamError:
    param: str
    message: str  # Swedish, for people
    valid: str  # the valid form, for API clients


def _int(args, name: str, default: int, low: int, high: int, errors: list) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,6}", raw.strip()):  # ASCII only: "١٢" and "²" are not page numbers
        errors.append(ParamError(name, _("'%(name)s' ska vara ett heltal mellan %(low)s och %(high)s.", name=name, low=low, high=high), f"integer {low}..{high}"))
        return default
    value = int(raw)
    if not low <= value <= high:
        errors.append(ParamError(name, _("'%(name)s' ska vara ett heltal mellan %(low)s och %(high)s.", name=name, low=low, high=high), f"integer {low}..{high}"))
        return default
    return value


def parse_search_args(args, categories: set[str], default_per_page: int = 10) -> tuple[SearchParams, list[ParamError]]:
    """Read q, category, county, municipality, page, per_page, sort and verified_within (months);
    invalid values are dropped and reported."""
    errors: list[ParamError] = []
    params = SearchParams()
    params.q = args.get("q", "") or ""
    # clean_query() bounds the query properly; this only caps the work it does.
    params.q = params.q[: 20 * MAX_QUERY_CHARS]

    category = (args.get("category") or "").strip()
    if category:
        if category in categories:
            params.category = category
        else:
            errors.append(ParamError("category", _("Okänd kategori '%(value)s'. Giltiga: %(valid)s.", value=category[:50], valid=", ".join(sorted(categories))), "one of: " + ", ".join(sorted(categories))))

    county = (args.get("county") or "").strip()
    if county:
        if re.fullmatch(r"\d{2}", county) and any(c.code == county for c in places.counties()):
            params.county = county
        else:
            errors.append(ParamError("county", _("Okänt län '%(value)s'. Ange länskoden med två siffror, t.ex. 20 för Dalarnas län.", value=county[:50]), "2-digit county code, e.g. 20"))

    municipality = (args.get("municipality") or "").strip()
    if municipality:
        if re.fullmatch(r"\d{4}", municipality) and any(m.code == municipality for m in places.municipalities()):
            params.municipality = municipality
        else:
            errors.append(ParamError("municipality", _("Okänd kommun '%(value)s'. Ange kommunkoden med fyra siffror, t.ex. 2081 för Borlänge.", value=municipality[:50]), "4-digit municipality code, e.g. 2081"))

    params.page = _int(args, "page", 1, 1, MAX_PAGE, errors)
    params.per_page = _int(args, "per_page", default_per_page, 1, MAX_PER_PAGE, errors)

    if (args.get("verified_within") or "").strip():
        params.verified_within = _int(args, "verified_within", 0, 1, MAX_VERIFIED_WITHIN, errors) or None
    sort = (args.get("sort") or "").strip()
    if sort:
        if sort in SORT_VALUES:
            params.sort = SORT_VALUES[sort]
        else:
            errors.append(ParamError("sort", _("Okänd sortering '%(value)s'. Giltiga: %(valid)s.", value=sort[:30], valid=", ".join(SORTS)), "one of: " + ", ".join(SORTS)))
    return params, errors
