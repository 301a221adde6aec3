"""Recognizers for unseen shapes: first-only and last-only names, addresses, national numbers."""

from __future__ import annotations

import pytest

from governance.pii.recognizers.ids import national_id
from governance.pii.recognizers.names import person_spans
from governance.pii.recognizers.numbers import (
    DateOfBirthRecognizer,
    DriverLicenceRecognizer,
    GroupedCardRecognizer,
    NationalPhoneRecognizer,
    luhn_valid,
)
from governance.pii.recognizers.places import PlaceRecognizer, StreetAddressRecognizer
from governance.pii.redact import merge_spans, redact_texts


def _found(spans, text):
    return [text[s:e] for s, e, _ in spans]


@pytest.mark.parametrize(("text", "name"), [
    ("Please ask Ingrid about the refund.", "Ingrid"),
    ("Mr Kowalski called twice.", "Kowalski"),
    ("Mr van der Heiden called twice.", "van der Heiden"),
    ("Regards, Małgorzata", "Małgorzata"),
    ("Escalated by Franz Hermighausen yesterday.", "Franz Hermighausen"),
])
def test_names_without_context_for_ner_are_found(text, name):
    assert name in _found(person_spans(text), text)


@pytest.mark.parametrize("text", [
    "Order 4471-2209 shipped on 14 March.",
    "Please restart the router and try the checkout again.",
    "The Garden Hose Deluxe is back in stock.",
    "HOW DO I RESET MY PASSWORD AND UPDATE MY BILLING DETAILS",
])
def test_prose_without_people_has_no_names(text):
    assert person_spans(text) == []


@pytest.mark.parametrize(("text", "address"), [
    ("It went to 4299 Hickman Street yesterday.", "4299 Hickman Street"),
    ("Deliver to Drakeveien 207, 4631 KRISTIANSAND S please",
     "Drakeveien 207, 4631 KRISTIANSAND S"),
    ("New address: 7, boulevard Victor Hugo.", "7, boulevard Victor Hugo"),
    ("She moved to Via Roma 12 last year.", "Via Roma 12"),
    ("Send it to Hauptstraße 5a.", "Hauptstraße 5a"),
])
def test_street_addresses_in_many_formats(text, address):
    assert address in _found(StreetAddressRecognizer().spans(text), text)


@pytest.mark.parametrize(("text", "town"), [
    ("The parcel never arrived in Weber-sur-Bertin.", "Weber-sur-Bertin"),
    ("She moved to Lake Matthew last spring.", "Lake Matthew"),
])
def test_towns_by_their_shape(text, town):
    assert town in _found(PlaceRecognizer().spans(text), text)


def test_towns_from_the_gazetteer_and_postcodes_with_them():
    text = "The parcel never arrived in Zamora; postcode 28013."
    found = _found(PlaceRecognizer().spans(text), text)
    assert "Zamora" in found and "28013" in found
    assert PlaceRecognizer().spans("We reopened the garden centre on Monday.") == []


@pytest.mark.parametrize("number", ["0472 13 29 62", "+47 466 03 112", "(630) 966-4260",
                                    "030 901820 11", "28 91 95 56"])
def test_phone_numbers_in_national_formats(number):
    text = f"Reach me on {number} after five."
    assert number in _found(NationalPhoneRecognizer().spans(text), text)


@pytest.mark.parametrize("text", ["Order 4471-2209 arrived", "Total 1,234.56 EUR",
                                  "Invoice 2026-10-24 paid", "Tracking 40000007919"])
def test_numbers_that_are_not_phones(text):
    assert NationalPhoneRecognizer().spans(text) == []


@pytest.mark.parametrize("card", ["4111 1111 1111 1111", "4111-1111-1111-1111",
                                  "3782 822463 10005", "4111111111111111",
                                  "2720 6847 1088 3899"])
@pytest.mark.parametrize("after", [" was charged", ".", ", then refunded"])
def test_cards_in_every_grouping_need_a_valid_luhn_sum(card, after):
    text = f"card {card}{after}"
    assert card in _found(GroupedCardRecognizer().spans(text), text)
    assert not luhn_valid("4111111111111112")
    assert GroupedCardRecognizer().spans("card 4111 1111 1111 1112 was charged") == []


@pytest.mark.parametrize(("text", "date"), [
    ("Her date of birth is 1/9/1993.", "1/9/1993"),
    ("born on 12 March 1985 in Oslo", "12 March 1985"),
    ("the DOB on file is 1993-01-09", "1993-01-09"),
])
def test_birth_dates_by_context_only(text, date):
    assert date in _found(DateOfBirthRecognizer().spans(text), text)
    assert DateOfBirthRecognizer().spans("Order placed on 1/9/2026.") == []


def test_licences_named_as_such():
    text = "driver's licence number X1234567 was checked"
    assert _found(DriverLicenceRecognizer().spans(text), text) == ["X1234567"]


def test_national_ids_need_valid_check_digits():
    assert national_id("44051401458")       # a valid PESEL
    assert not national_id("44051401459")   # its check digit off by one
    assert not national_id("ORD-1000007")


def test_overlapping_spans_merge_so_no_part_survives():
    text = "Contact Franz Hermighausen at 4299 Hickman Street."
    redacted, counts = redact_texts([text])
    assert "Hermighausen" not in redacted[0] and "Hickman" not in redacted[0]
    assert counts["PERSON"] >= 1 and counts["LOCATION"] >= 1
    from presidio_analyzer import RecognizerResult as R

    merged = merge_spans([R("PERSON", 0, 5, 0.9), R("LOCATION", 3, 20, 0.7)])
    assert [(m.entity_type, m.start, m.end) for m in merged] == [("LOCATION", 0, 20)]
