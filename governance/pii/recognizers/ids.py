"""National identity numbers validated by their check digits (python-stdnum).

A bare 11-digit number may be an order id or a PESEL; only a check-digit validator can
tell. `python-stdnum` keeps the validators of hundreds of national numbers; the ones
below have check digits or embedded birth dates strict enough that a random id passes
rarely (at most 2.3% of random 11-digit numbers, PESEL). The Dutch BSN (one check in 11),
the Danish CPR (a date), the Portuguese CC and the US SSN (structure only) pass too often
to count without a column name or a context word that says so.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from types import ModuleType

from governance.pii.recognizers.base import SpanRecognizer

STRONG = ("it.codicefiscale", "es.dni", "es.nie", "pl.pesel", "no.fodselsnummer",
          "se.personnummer", "fi.hetu", "fr.nir", "de.idnr", "br.cpf", "be.nn", "ch.ssn",
          "ie.pps")
WEAK = ("us.ssn", "nl.bsn", "dk.cpr", "pt.cc")
_CANDIDATE = re.compile(r"(?<![\w.-])(?=[\w .-]*\d[\w .-]*\d)[A-Za-z0-9][\w.-]{6,20}"
                        r"(?:[ ][A-Za-z0-9][\w.-]{0,7}){0,3}(?![\w])")


@cache
def _modules(names: tuple[str, ...]) -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"stdnum.{n}") for n in names)


@cache
def national_id(value: str, weak: bool = False) -> bool:
    """True when a value is a valid national id number of some country."""
    value = value.strip()
    if not 7 <= len(value) <= 24 or sum(c.isdigit() for c in value) < 5:
        return False
    names = STRONG + WEAK if weak else STRONG
    for module in _modules(names):
        try:
            if module.is_valid(value):
                return True
        except Exception:
            continue
    return False


class CheckedNationalIdRecognizer(SpanRecognizer):
    """Numbers in text that validate as some country's national id."""

    ENTITY = "NATIONAL_ID"

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """Candidates with enough digits that a strong validator accepts."""
        out = []
        for m in _CANDIDATE.finditer(text):
            value = m.group().rstrip(".-")
            if national_id(value):
                out.append((m.start(), m.start() + len(value), 0.7))
        return out
