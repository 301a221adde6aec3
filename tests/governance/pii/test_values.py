"""Evidence from single values: names, places, postcodes and dates, whatever the case."""

from __future__ import annotations

from datetime import date

import pytest

from governance.pii.classify import classify_column
from governance.pii.values import as_date, is_address, is_place, person_kind, postcode_kind

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(("value", "kind"), [
    ("Ingrid", "first"), ("INGRID", "first"), ("Hermighausen", None),
    ("Tomasz Nowak", "full"), ("Nowak, Tomasz", "full"), ("Prof. Sarah Hartmann", "full"),
    ("Garcia Ltd", None), ("Smith, Jones and Brown", None), ("Engineer, civil", None),
    ("Refund", None), ("SKU-123", None),
])
def test_person_kind(value, kind):
    assert person_kind(value) == kind
    assert person_kind("kowalski") in ("first", "last")  # a surname, and a first name too


def test_places_addresses_postcodes_and_dates():
    assert is_place("KRISTIANSAND S") and is_place("Zamora") and not is_place("Refund")
    assert is_address("4299 HICKMAN STREET") and is_address("drakeveien 207")
    assert postcode_kind("SW1A 1AA") == "distinct" and postcode_kind("28013") == "digits"
    assert postcode_kind("hello") is None
    assert as_date("1/9/1993") == date(1993, 1, 9)
    assert as_date("25.12.1980") == date(1980, 12, 25)
    assert as_date("order 12") is None


# At least 25 distinct values each: fewer in 100 rows would read as a category.
FIRST = ["Ingrid", "Tomasz", "Aisha", "Lars", "Chiara", "Mateus", "Siobhan", "Kenji", "Olga",
         "Pedro", "Fatima", "Sven", "Giulia", "Joanna", "Henrik", "Lucía", "Thabo", "Emma",
         "Agnieszka", "Bjørn", "Camille", "Dmitri", "Esther", "Farid", "Greta", "Hiroshi"]
SURNAMES = ["Kowalski", "Hansen", "Rossi", "Silva", "Nguyen", "Müller", "Okafor", "Dubois",
            "Johansson", "García", "Novak", "Schmidt", "Costa", "Nielsen", "Bianchi", "Lopez",
            "Wiśniewski", "Haugen", "Ferreira", "Jansen", "Moreau", "Kovač", "Lindqvist",
            "Papadopoulos", "Fitzgerald", "Yilmaz"]
CITIES = ["Kristiansand", "Bergen", "Kraków", "Porto", "Bologna", "Lyon", "Utrecht",
          "Leipzig", "Zaragoza", "Aarhus", "Uppsala", "Tampere", "Gdańsk", "Curitiba",
          "Manchester", "Graz", "Ghent", "Cork", "Brno", "Pécs", "Trondheim", "Wrocław",
          "Coimbra", "Salamanca", "Bordeaux", "Eindhoven"]


def _column(values: list[str], n: int = 100, upper: bool = False) -> list[str]:
    out = [values[i % len(values)] for i in range(n)]
    return [v.upper() for v in out] if upper else out


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize(("values", "entity"), [(FIRST, "PERSON"), (SURNAMES, "PERSON"),
                                                (CITIES, "LOCATION")])
def test_single_token_columns_by_content_alone(values, entity, upper):
    finding = classify_column("col_03", _column(values, upper=upper), TODAY,
                              use_name_hints=False)
    assert finding.pii and finding.main_entity == entity, finding


def test_all_caps_prose_is_not_a_person():
    faq = ["HOW DO I RESET MY PASSWORD?", "WHERE CAN I SEE MY INVOICES AND RECEIPTS?",
           "CAN I CHANGE THE DELIVERY DATE AFTER ORDERING?", "WHAT IS THE RETURNS POLICY?",
           "HOW LONG DOES SHIPPING TAKE TO MY COUNTRY?"] * 30
    assert not classify_column("col_09", faq, TODAY, use_name_hints=False).pii
