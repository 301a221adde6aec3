"""Scoring for the personal-data evaluation: column verdicts and leaks after redaction.

Shared by bench/pii.py and tests/governance/pii/test_regression.py, so both measure the
same way. Pure Python, no engine imports.

Column level. A verdict per column is (personal?, main entity). Precision, recall and F1
are those of the personal verdict over all columns. Entity accuracy is over the truly
personal columns: a column counts as right when it is flagged personal AND its main
entity is in the column's acceptable set; a missed personal column counts as wrong.

Span level. A gold value is LEAKED when it survives verbatim in the redacted text (as a
whole token: not preceded or followed by a letter or digit). For PERSON, it is also leaked
when any name part of 3+ letters that starts with a capital (particles such as "van" or
"de" are not parts) survives verbatim as a whole word. Occurrences that were already
present outside every gold span of the original (template words) are discounted, so a
template word never counts as a leak. Recall = share of gold values not leaked.

Strict recall (reported beside it, not a target): a value also counts as leaked when any
of its parts of 3+ letters or digits survives ("Esplanada Pedro <PERSON>, 28" leaks the
street), which is what a reader of the redacted text could still learn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Verdict = tuple[bool, str | None]  # (flagged personal, main entity)
Span = tuple[int, int, str]


@dataclass(frozen=True)
class ColumnTruthLike:
    """The three truth fields scoring needs (bench/pii_eval_data.ColumnTruth has them)."""

    key: str
    personal: bool
    entities: frozenset[str]


@dataclass
class ColumnScore:
    """Column-level quality of one scan against the truth."""

    precision: float
    recall: float
    f1: float
    entity_accuracy: float
    tp: int
    fp: int
    fn: int
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # key, expected, got


def _describe(personal: bool, entities: Iterable[str]) -> str:
    if not personal:
        return "not personal"
    ents = sorted(entities)
    return ents[0] if len(ents) == 1 else ("id entity" if len(ents) > 4 else "|".join(ents))


def score_columns(truth: Sequence[ColumnTruthLike], verdicts: dict[str, Verdict]) -> ColumnScore:
    """Precision / recall / F1 of the personal verdict, entity accuracy, wrong columns."""
    tp = fp = fn = right_entity = 0
    wrong = []
    for c in truth:
        flagged, entity = verdicts.get(c.key, (False, None))
        if c.personal and flagged:
            tp += 1
        elif flagged:
            fp += 1
        elif c.personal:
            fn += 1
        ok = (flagged and entity in c.entities) if c.personal else not flagged
        right_entity += bool(c.personal and ok)
        if not ok:
            got = f"{entity or 'personal, no entity'}" if flagged else "not personal"
            wrong.append((c.key, _describe(c.personal, c.entities), got))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n_personal = sum(c.personal for c in truth)
    return ColumnScore(precision, recall, f1, right_entity / n_personal if n_personal else 1.0,
                       tp, fp, fn, wrong)


# ---------------------------------------------------------------- span level

_PARTICLES = re.compile(r"^[a-z]")


def _count(token: str, text: str) -> int:
    return len(re.findall(rf"(?<![^\W_]){re.escape(token)}(?![^\W_])", text))


def _outside(text: str, spans: Sequence[Span]) -> str:
    """The text with every gold span blanked out (NUL characters keep the offsets)."""
    chars = list(text)
    for start, end, _ in spans:
        chars[start:end] = "\0" * (end - start)
    return "".join(chars)


def name_parts(name: str) -> list[str]:
    """Parts of a name that identify someone: 3+ letters, starting with a capital."""
    return [p for p in re.split(r"[\s\-]+", name.strip(" ,.")) if
            sum(ch.isalpha() for ch in p) >= 3 and not _PARTICLES.match(p)]


def leaked_spans(text: str, redacted: str, spans: Sequence[Span]) -> list[bool]:
    """For each gold span of `text`, whether its value survives in `redacted`."""
    outside = _outside(text, spans)
    out = []
    for start, end, kind in spans:
        value = text[start:end]
        leak = _count(value, redacted) > _count(value, outside)
        if not leak and kind == "PERSON":
            leak = any(_count(p, redacted) > _count(p, outside) for p in name_parts(value))
        out.append(leak)
    return out


def value_parts(value: str) -> list[str]:
    """Parts of any value that say something on their own: 3+ letters or digits."""
    return [p for p in re.split(r"[^\w]+", value) if len(p) >= 3]


def partly_leaked_spans(text: str, redacted: str, spans: Sequence[Span]) -> list[bool]:
    """For each gold span, whether it or any of its parts survives in `redacted`."""
    outside = _outside(text, spans)
    whole = leaked_spans(text, redacted, spans)
    return [leak or any(_count(p, redacted) > _count(p, outside)
                        for p in value_parts(text[start:end]))
            for leak, (start, end, _) in zip(whole, spans, strict=True)]


@dataclass
class SpanScore:
    """Leak-based recall of one redactor over labelled sentences."""

    recall: float
    by_type: dict[str, tuple[int, int]]  # type -> (kept, total)
    clean_total: int
    clean_changed: int
    texts: int
    seconds: float
    # (type, leaked value): kept out of repr so no personal value reaches a log by accident
    leaks: list[tuple[str, str]] = field(default_factory=list, repr=False)
    strict_by_type: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def strict_recall(self) -> float:
        """Share of gold values of which no part of 3+ characters survives."""
        kept = sum(k for k, _ in self.strict_by_type.values())
        total = sum(n for _, n in self.strict_by_type.values())
        return kept / total if total else 1.0

    def strict_type_recall(self, kind: str) -> float:
        """Strict recall for one gold type (nan when the type is absent)."""
        kept, total = self.strict_by_type.get(kind, (0, 0))
        return kept / total if total else float("nan")

    @property
    def clean_changed_share(self) -> float:
        """Share of sentences quoting nobody that redaction changed."""
        return self.clean_changed / self.clean_total if self.clean_total else 0.0

    @property
    def texts_per_second(self) -> float:
        """Throughput of the redactor."""
        return self.texts / self.seconds if self.seconds else float("inf")

    def type_recall(self, kind: str) -> float:
        """Recall for one gold type (nan when the type is absent)."""
        kept, total = self.by_type.get(kind, (0, 0))
        return kept / total if total else float("nan")


def score_spans(texts: Sequence[str], spans: Sequence[Sequence[Span]],
                redacted: Sequence[str | None], seconds: float = 0.0) -> SpanScore:
    """Score redacted texts against gold spans (see the module docstring)."""
    by_type: dict[str, list[int]] = {}
    strict: dict[str, list[int]] = {}
    leaks: list[tuple[str, str]] = []
    clean_total = clean_changed = 0
    for text, gold, red in zip(texts, spans, redacted, strict=True):
        red = text if red is None else red
        if not gold:
            clean_total += 1
            clean_changed += red != text
            continue
        for (start, end, kind), leak in zip(gold, leaked_spans(text, red, gold), strict=True):
            counts = by_type.setdefault(kind, [0, 0])
            counts[0] += not leak
            counts[1] += 1
            if leak:
                leaks.append((kind, text[start:end]))
        for (_, _, kind), leak in zip(gold, partly_leaked_spans(text, red, gold), strict=True):
            counts = strict.setdefault(kind, [0, 0])
            counts[0] += not leak
            counts[1] += 1
    kept = sum(k for k, _ in by_type.values())
    total = sum(n for _, n in by_type.values())
    return SpanScore(kept / total if total else 1.0,
                     {k: (v[0], v[1]) for k, v in sorted(by_type.items())},
                     clean_total, clean_changed, len(texts), seconds, leaks,
                     {k: (v[0], v[1]) for k, v in sorted(strict.items())})
