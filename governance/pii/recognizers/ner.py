"""spaCy's named entities, minus the spans its small model gets wrong in support texts."""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from governance.pii.lexicon import common_zipf, get_lexicon
from governance.pii.recognizers.names import (
    CALENDAR_WORDS,
    acronym,
    after_determiner,
    is_caps_text,
)

# A span made only of words at least this common in English ("Thanks", "Garden Hose")
# is not a name or a place, however the model tags it.
_COMMON_ONLY_ZIPF = 4.3


def _plausible(text: str, result: RecognizerResult, caps: bool) -> bool:
    span = text[result.start:result.end]
    if not span[:1].isupper():
        return False  # the small model tags some lowercase nouns ("garden hose") as people
    words = re.findall(r"[^\W\d_]+", span)
    if not words:
        return False
    lex = get_lexicon()
    if not caps and (after_determiner(text, result.start) or all(
            acronym(w, caps) or w.lower() in CALENDAR_WORDS for w in words)):
        return False  # "the Kindle", "JBL", "April": products, acronyms and months
    if caps:
        # In all-capitals text the model guesses from shape alone; trust the lexicons.
        return any(lex.first_rank(w) or lex.surname_rank(w) or lex.is_place(w) for w in words) \
            and any(common_zipf(w.lower()) < 3.5 for w in words)
    return any(common_zipf(w.lower()) < _COMMON_ONLY_ZIPF for w in words)


class FilteredSpacyRecognizer(SpacyRecognizer):
    """PERSON and LOCATION from spaCy's NER, with implausible spans dropped."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON", "LOCATION"])

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        """Presidio's entry point."""
        caps = is_caps_text(text)
        return [r for r in super().analyze(text, entities, nlp_artifacts)
                if _plausible(text, r, caps)]
