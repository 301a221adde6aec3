"""What a column's name suggests about its content (a prior, never the verdict on its own)."""

from __future__ import annotations

import re

# Ordered: the first matching hint wins. Anchored loosely so prefixes like customer_ work.
_HINTS: tuple[tuple[str, str], ...] = (
    (r"e_?mail", "EMAIL_ADDRESS"),
    (r"phone|mobile|cell|fax|tel(ephone)?\b|msisdn", "PHONE_NUMBER"),
    (r"birth|dob\b|born", "DATE_TIME"),
    (r"card_?(num|no|number)?$|\bpan\b|cc_?num", "CREDIT_CARD"),
    (r"iban|bank_?account", "IBAN_CODE"),
    (r"(^|_)ip(_?addr(ess)?)?$|ip_address", "IP_ADDRESS"),
    (r"ssn|social_?security", "US_SSN"),
    (r"nino|national_?(id|insurance)", "UK_NINO"),
    (r"nhs", "UK_NHS"),
    (r"address|street|addr\b", "LOCATION"),
    (r"(^|_)(first|last|full|given|family|sur|customer|applicant|contact|patient|"
     r"employee|person|user)?_?name$", "PERSON"),
)
# Names that end in "name" but hold no person.
_NOT_PERSON = re.compile(r"(company|product|file|host|table|column|brand|org|"
                         r"organi[sz]ation|merchant|vendor|user_?name_?id)_?name$")


def name_hint(column: str) -> str | None:
    """The entity a column name suggests, if any."""
    name = column.lower()
    for pattern, entity in _HINTS:
        if re.search(pattern, name):
            if entity == "PERSON" and _NOT_PERSON.search(name):
                return None
            return entity
    return None
