"""Span-level redaction of free text: each detected entity is replaced by <ENTITY_TYPE>."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from presidio_analyzer import BatchAnalyzerEngine, RecognizerResult
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from governance.pii.classify import PATTERN_ENTITIES
from governance.pii.engine import DEFAULT_MODEL, get_analyzer

REDACT_ENTITIES = (*PATTERN_ENTITIES, "PERSON", "LOCATION")
_MIN_SCORE = 0.35


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


def redact_texts(texts: Sequence[str | None], known: Sequence[Sequence[str]] | None = None,
                 model: str = DEFAULT_MODEL) -> tuple[list[str | None], Counter[str]]:
    """Redact a batch of texts; `known` holds each row's declared personal values."""
    analyzer = get_analyzer(model)
    anonymizer = AnonymizerEngine()
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    present = [t if isinstance(t, str) else "" for t in texts]
    results = batch.analyze_iterator(present, language="en", batch_size=128,
                                     entities=list(REDACT_ENTITIES))
    out: list[str | None] = []
    counts: Counter[str] = Counter()
    for i, (text, found) in enumerate(zip(present, results, strict=True)):
        if texts[i] is None:
            out.append(None)
            continue
        spans = [r for r in found if r.score >= _MIN_SCORE]
        if known is not None:
            spans += _known_spans(text, known[i])
        if not spans:
            out.append(text)
            continue
        operators = {e: OperatorConfig("replace", {"new_value": f"<{e}>"})
                     for e in {s.entity_type for s in spans}}
        redacted = anonymizer.anonymize(text=text, analyzer_results=spans, operators=operators)
        counts.update(item.entity_type for item in redacted.items)
        out.append(redacted.text)
    return out, counts
