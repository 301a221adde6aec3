"""Recognizers for numbers that identify people: phones, cards, birth dates, licences, ids.

Each is a Presidio recognizer, so it sits in the analyzer's registry beside the
predefined ones. The patterns are generic shapes (digit groups, separators, check
digits) validated by libraries (`phonenumbers`, Luhn) or anchored on context words
("date of birth", "driver's licence", "SSN"); none lists values of its own.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers

from governance.pii.recognizers.base import SpanRecognizer

# Regions whose national formats are tried for a number without a country code.
PHONE_REGIONS = ("US", "CA", "GB", "IE", "DE", "AT", "CH", "FR", "BE", "NL", "LU", "ES", "PT",
                 "IT", "NO", "SE", "DK", "FI", "IS", "PL", "CZ", "SK", "HU", "RO", "GR", "TR",
                 "BR", "MX", "AR", "CL", "CO", "IN", "AU", "NZ", "ZA", "NG", "JP", "SG", "IL")
_PHONE = re.compile(
    r"(?<![\w+/.,-])(?:\+|00)?(?:\(\d{1,5}\)|\d)(?:[ .\-/]?(?:\(\d{1,5}\)|\d)){5,17}"
    r"(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?![\w/]|[.,-]\d)")
_PHONE_CONTEXT = re.compile(r"(?i)\b(?:phone|tel|telephone|mobile|cell|call|ring|rang|dial|"
                            r"text|sms|"
                            r"whatsapp|fax|reach (?:me|us|him|her) (?:on|at)|contact number)\b")
_DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_IP_LIKE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def _without_extension(candidate: str) -> str:
    """The number before an extension ("830-993-7490x464" -> "830-993-7490")."""
    return re.split(r"\s*(?:x|ext\.?)\s*\d", candidate.strip())[0].strip()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@cache
def possible_phone(candidate: str) -> bool:
    """True when a digit string is a possible phone number, international or in a known region."""
    core = _without_extension(candidate)
    digits = _digits(core)
    if not 7 <= len(digits) <= 15 or _DATE_LIKE.match(core) or _IP_LIKE.match(core):
        return False
    if core.startswith(("+", "00")):
        number = "+" + digits[2:] if core.startswith("00") else "+" + digits
        try:
            return phonenumbers.is_possible_number(phonenumbers.parse(number, None))
        except phonenumbers.NumberParseException:
            return False
    for region in PHONE_REGIONS:
        try:
            if phonenumbers.is_possible_number(phonenumbers.parse(core, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


def phone_shaped(candidate: str, has_context: bool) -> bool:
    """Written like a phone number: a trunk or country prefix, brackets, or enough digits."""
    core = _without_extension(candidate)
    digits = _digits(core)
    separated = bool(re.search(r"[ .\-/()]", core))
    if core.startswith(("+", "00", "(")) or (core.startswith("0") and (
            separated or 9 <= len(digits) <= 11)):
        return possible_phone(core)
    groups = re.split(r"[ .-]", core)
    if len(groups) >= 3 and all(2 <= len(g) <= 4 and g.isdigit() for g in groups) and (
            8 <= len(digits) <= 12):
        # Three or more short digit groups ("466 03 112", "28 91 95 56") are how phone
        # numbers are written in most of Europe; ids and amounts are not grouped so.
        return possible_phone(core)
    if has_context:
        return possible_phone(core)
    # Without a prefix or context, only the North American 3-3-4 grouping is phone-like;
    # other digit runs are order numbers, amounts and ids.
    return separated and len(digits) == 10 and bool(
        re.fullmatch(r"\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}", core)) and possible_phone(core)


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class NationalPhoneRecognizer(SpanRecognizer):
    """Phone numbers in national and international formats of many regions."""

    ENTITY = "PHONE_NUMBER"

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """Digit groups written like a phone number and possible in some region."""
        out = []
        for m in _PHONE.finditer(text):
            window = text[max(0, m.start() - 40):m.start()]
            context = bool(_PHONE_CONTEXT.search(window))
            if phone_shaped(m.group(), context):
                out.append((m.start(), m.end(), 0.75 if context else 0.6))
        return out


_CARD = re.compile(r"(?<![\w.-])\d(?:[ -]?\d){12,18}(?!\w|[.,-]\d)")


class GroupedCardRecognizer(SpanRecognizer):
    """Payment card numbers in any grouping (4-4-4-4, 4-6-5, 4-6-4, plain) with a valid Luhn sum."""

    ENTITY = "CREDIT_CARD"

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """13-19 digits, spaces or dashes between groups, Luhn-valid."""
        out = []
        for m in _CARD.finditer(text):
            digits = _digits(m.group())
            groups = re.split(r"[ -]", m.group())
            grouped_ok = len(groups) == 1 or all(2 <= len(g) <= 8 for g in groups)
            if 13 <= len(digits) <= 19 and grouped_ok and luhn_valid(digits):
                out.append((m.start(), m.end(), 0.9))
        return out


_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
DATE_EXPR = (r"(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|"
             rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS},?\s+\d{{4}}|"
             rf"{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})")
_DOB = re.compile(
    r"(?i)\b(?:date\s+of\s+birth|birth\s*date|birthday|born(?:\s+on)?|d\.?o\.?b\.?)"
    r"[^\d.;!?]{0,30}?"  # "DOB: ", "born on the ", "date of birth on file is "
    rf"(?P<date>{DATE_EXPR})")


class DateOfBirthRecognizer(SpanRecognizer):
    """Dates that the text says are birth dates ("date of birth", "born on", "DOB")."""

    ENTITY = "DATE_OF_BIRTH"

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """The date after a birth context word."""
        return [(m.start("date"), m.end("date"), 0.85) for m in _DOB.finditer(text)]


_ID_VALUE = r"(?P<value>(?=[A-Z0-9 ./-]*\d)[A-Z0-9][A-Z0-9./-]*(?:[ ][A-Z0-9][A-Z0-9./-]*){0,4})"
_LICENCE = re.compile(
    r"(?i:\b(?:driver'?s'?|drivers|driving)\s+licen[cs]e(?:\s+(?:number|no\.?|nr\.?|id|#))?|"
    r"\bDL\s*(?:#|no\.?|number))(?:\s+(?:is|was))?[\s:#,-]*" + _ID_VALUE)
_NATIONAL_ID = re.compile(
    r"(?i:\b(?:ssn|social\s+security(?:\s+number)?|national\s+(?:id|identity|insurance)"
    r"(?:\s+(?:number|no\.?|card))?|nino|personnummer|f[øo]dselsnummer|personal\s+id(?:entity)?"
    r"(?:\s+(?:number|code))?|id\s+(?:number|card(?:\s+number)?)|pesel|nif|nie|dni|bsn|cpf|"
    r"codice\s+fiscale|tax\s+(?:id|number|code)|tin|passport(?:\s+(?:number|no\.?))?)"
    r"(?:\s+(?:is|was))?)[\s:#,-]*" + _ID_VALUE)


def _value_span(m: re.Match[str]) -> tuple[int, int]:
    value = m.group("value").rstrip(" .,-/")
    return m.start("value"), m.start("value") + len(value)


class DriverLicenceRecognizer(SpanRecognizer):
    """Driver's licence numbers named as such in the text."""

    ENTITY = "DRIVER_LICENSE"

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """The value after 'driver's licence (number)' or 'DL#'."""
        return [(*_value_span(m), 0.85) for m in _LICENCE.finditer(text)]


class NationalIdRecognizer(SpanRecognizer):
    """National ids, tax ids and passport numbers named as such in the text."""

    ENTITY = "NATIONAL_ID"

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """The value after 'SSN', 'national id', 'PESEL', 'passport number' and the like."""
        return [(*_value_span(m), 0.8) for m in _NATIONAL_ID.finditer(text)]
