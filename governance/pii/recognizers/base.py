"""The shape every recognizer of ours takes: spans from the text, as Presidio results."""

from __future__ import annotations

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


class SpanRecognizer(LocalRecognizer):
    """A recognizer that yields one entity for the regex matches its `accept` keeps."""

    ENTITY = ""
    SCORE = 0.6

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], supported_language="en",
                         name=type(self).__name__)

    def load(self) -> None:
        """Nothing to load: patterns are compiled at import."""

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """(start, end, score) of each entity in the text."""
        raise NotImplementedError

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        """Presidio's entry point."""
        if entities and self.ENTITY not in entities:
            return []
        return [RecognizerResult(self.ENTITY, s, e, score) for s, e, score in self.spans(text)]
