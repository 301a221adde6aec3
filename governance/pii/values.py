"""Evidence from a single short value: a name part, a place, an address, a postcode, an id.

Columns of single tokens ("Ingrid", "KOWALSKI", "Kristiansand S") give NER nothing to
work with, so each value is checked against the lexicons, the gazetteer and the
address and postcode shapes. Case does not matter: values in capitals or lower case are
read as if written in title case.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from typing import Any

from dateutil import parser as date_parser

from governance.pii.lexicon import common_zipf, fold, get_lexicon, zipf_ceiling
from governance.pii.recognizers.numbers import DATE_EXPR
from governance.pii.recognizers.places import ADDRESS

_WORDS = re.compile(r"[^\W\d_][\w'\u2019]*(?:-[^\W\d_][\w'\u2019]*)*")
# Legal forms and joiners that make a list of surnames a company ("Smith, Jones and Brown").
_COMPANY = {"inc", "llc", "ltd", "limited", "plc", "gmbh", "ag", "kg", "co", "corp", "sa",
            "sas", "sarl", "srl", "spa", "bv", "nv", "as", "asa", "ab", "oy", "sp", "zoo",
            "group", "holding", "holdings", "and", "und", "et", "e", "y", "og", "en", "i",
            "cie", "ltda", "me", "eireli", "industries", "partners", "sons", "associates"}
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme",
           "mlle", "sr", "sra", "srta", "sig", "dott", "pan", "pani", "dipl", "ing", "mag",
           "jr", "ii", "iii", "iv", "phd", "md", "msc", "bsc"}
# Among other names a value may be a commoner English word ("Robert", "Scott") than in text.
_COLUMN_BANDS = ((100, 5.6), (1000, 4.8), (float("inf"), 4.2))
_DATE = re.compile(rf"^(?i:{DATE_EXPR})$")


def titled(value: str) -> str:
    """The value in title case when it is written all in capitals or all in lower case."""
    return value.title() if value.isupper() or value.islower() else value


@cache
def person_kind(value: str) -> str | None:
    """'first', 'last' or 'full' when a short value reads as a name or part of one."""
    text = titled(value.strip())
    words = _WORDS.findall(text)
    if not words or len(words) > 5 or any(ch.isdigit() for ch in text) or "@" in text:
        return None
    if any(fold(w) in _COMPANY for w in words) or "&" in text:
        return None
    lex = get_lexicon()
    words = [w for w in words if fold(w) not in _TITLES] or words
    if len(words) == 1:
        word = words[0]
        z = common_zipf(word.lower())
        if z < zipf_ceiling(lex.first_rank(word), _COLUMN_BANDS):
            return "first"
        if (z < zipf_ceiling(lex.surname_rank(word), _COLUMN_BANDS)
                or _known_parts(word, lex.surname_rank)):
            return "last"
        return None
    first, last = words[0], words[-1]
    if text.count(",") == 1:  # "Kowalski, Jan"
        first, last = last, first
    if common_zipf(first.lower()) < zipf_ceiling(lex.first_rank(first), _COLUMN_BANDS) and (
            lex.surname_rank(last) or _known_parts(last, lex.surname_rank)
            or common_zipf(last.lower()) < 2.5):
        return "full"
    return None


def _known_parts(word: str, rank: Any) -> bool:
    """A double-barrelled name whose parts are all known ("Koret-Verwoert" needs both)."""
    parts = word.split("-")
    return len(parts) > 1 and all(rank(p) for p in parts)


@cache
def is_place(value: str) -> bool:
    """True when the value names a city, town, region or country in the gazetteer."""
    text = value.strip()
    lex = get_lexicon()
    if lex.is_place(text):
        return True
    # "KRISTIANSAND S", "Oslo 0150", "75001 Paris": a place with a district letter or postcode.
    stripped = re.sub(r"^\d[\d -]{2,8}\s+|\s+(?:\d[\d -]{2,8}|[A-Z])$", "", text)
    return stripped != text and lex.is_place(stripped)


@cache
def is_address(value: str) -> bool:
    """True when the value is shaped like a street address."""
    return bool(ADDRESS.search(titled(value.strip())))


@cache
def _postcode_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in get_lexicon().postcode_patterns)


@cache
def postcode_kind(value: str) -> str | None:
    """'distinct' for postcodes with letters or dashes, 'digits' for plain ones, else None."""
    text = value.strip().upper()
    if not 3 <= len(text) <= 10:
        return None
    if not any(p.match(text) for p in _postcode_patterns()):
        return None
    return "digits" if text.isdigit() else "distinct"


def as_date(value: Any) -> date | None:
    """A date from a date, a datetime or a string in a common date format."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not 6 <= len(value.strip()) <= 32:
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    if not _DATE.match(text):
        return None
    try:
        return date_parser.parse(text).date()
    except (ValueError, OverflowError):
        try:
            return date_parser.parse(text, dayfirst=True).date()
        except (ValueError, OverflowError):
            return None
