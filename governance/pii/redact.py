"""Span-level redaction of free text: each detected entity is replaced by <ENTITY_TYPE>.

Detection is Presidio's analyzer over our registry (NER, name lexicons, gazetteer,
address shapes, phone parsers, checksummed numbers, context-anchored ids and birth
dates), run in batches. Overlapping spans are merged before Presidio's anonymizer
replaces them, so a name found whole by one recognizer and in part by another leaves
no part behind.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from presidio_analyzer import BatchAnalyzerEngine, RecognizerResult
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from governance.pii.engine import DEFAULT_MODEL, get_analyzer

REDACT_ENTITIES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS",
                   "US_SSN", "UK_NINO", "IT_FISCAL_CODE", "ES_NIF", "ES_NIE", "PL_PESEL",
                   "FI_PERSONAL_IDENTITY_CODE", "SE_PERSONNUMMER", "NATIONAL_ID",
                   "DRIVER_LICENSE", "DATE_OF_BIRTH", "PERSON", "LOCATION")
_MIN_SCORE = 0.35
_BATCH = 128


def _known_spans(text: str, known: Iterable[str]) -> list[RecognizerResult]:
    """Spans where a value the row declares as personal (a name, an e-mail) is quoted."""
    spans = []
    for value in known:
        value = (value or "").strip()
        if len(value) < 3:
            continue
        for part in {value, *value.split()} if " " in value else {value}:
            if len(part) < 3:
                continue
            for m in re.finditer(rf"\b{re.escape(part)}\b", text, flags=re.IGNORECASE):
                entity = "EMAIL_ADDRESS" if "@" in part else "PERSON"
                spans.append(RecognizerResult(entity, m.start(), m.end(), 1.0))
    return spans


def merge_spans(spans: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """Union overlapping spans; the merged span takes the type of its weightiest part.

    A part weighs its length times its score, so an address found whole outweighs the
    town inside it that NER took for a person.
    """
    out: list[RecognizerResult] = []
    weights: list[float] = []
    for s in sorted(spans, key=lambda r: (r.start, -r.end)):
        weight = (s.end - s.start) * s.score
        if out and s.start < out[-1].end:
            last = out[-1]
            entity = last.entity_type if weights[-1] >= weight else s.entity_type
            weights[-1] = max(weights[-1], weight)
            out[-1] = RecognizerResult(entity, last.start, max(last.end, s.end),
                                       max(last.score, s.score))
        else:
            out.append(RecognizerResult(s.entity_type, s.start, s.end, s.score))
            weights.append(weight)
    return out


def detect_spans(texts: Sequence[str], model: str = DEFAULT_MODEL
                 ) -> Iterator[list[RecognizerResult]]:
    """Merged personal-data spans of each text, in batches."""
    batch = BatchAnalyzerEngine(analyzer_engine=get_analyzer(model))
    for found in batch.analyze_iterator(list(texts), language="en", batch_size=_BATCH,
                                        entities=list(REDACT_ENTITIES)):
        yield merge_spans([r for r in found if r.score >= _MIN_SCORE])


def redact_texts(texts: Sequence[str | None], known: Sequence[Sequence[str]] | None = None,
                 model: str = DEFAULT_MODEL) -> tuple[list[str | None], Counter[str]]:
    """Redact a batch of texts; `known` holds each row's declared personal values."""
    anonymizer = AnonymizerEngine()
    present = [t if isinstance(t, str) else "" for t in texts]
    results = detect_spans(present, model)
    out: list[str | None] = []
    counts: Counter[str] = Counter()
    for i, (text, found) in enumerate(zip(present, results, strict=True)):
        if texts[i] is None:
            out.append(None)
            continue
        spans = list(found)
        if known is not None:
            spans += _known_spans(text, known[i])
        if not spans:
            out.append(text)
            continue
        spans = merge_spans(spans)
        operators = {e: OperatorConfig("replace", {"new_value": f"<{e}>"})
                     for e in {s.entity_type for s in spans}}
        redacted = anonymizer.anonymize(text=text, analyzer_results=spans, operators=operators)
        counts.update(item.entity_type for item in redacted.items)
        out.append(redacted.text)
    return out, counts
