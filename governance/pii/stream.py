"""Redact the `text` field of JSON Lines, streamed in batches (behind `dataops redact-text`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from governance.pii.redact import redact_texts

BATCH_LINES = 256


@dataclass
class StreamReport:
    """Lines read, redacted and refused; refusals name the line and the reason, never content."""

    lines: int = 0
    redacted: int = 0
    refused: list[str] = field(default_factory=list)


def _parse(number: int, line: str, report: StreamReport) -> dict | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        report.refused.append(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
        return None
    if not isinstance(record, dict) or "text" not in record or not isinstance(
            record["text"], str | None):
        report.refused.append(f"line {number}: not a JSON object with a string 'text' field")
        return None
    return record


def _batches(lines: Iterable[str], report: StreamReport) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for number, line in enumerate(lines, start=1):
        report.lines = number
        if not line.strip():
            continue
        record = _parse(number, line, report)
        if record is not None:
            batch.append(record)
        if len(batch) >= BATCH_LINES:
            yield batch
            batch = []
    if batch:
        yield batch


def redact_jsonl(source: TextIO, sink: TextIO) -> StreamReport:
    """Write each valid line of `source` to `sink` with its `text` redacted; refuse the rest."""
    report = StreamReport()
    for batch in _batches(source, report):
        redacted, _ = redact_texts([r.get("text") for r in batch])
        for record, text in zip(batch, redacted, strict=True):
            report.redacted += text != record.get("text")
            sink.write(json.dumps({**record, "text": text}, ensure_ascii=False) + "\n")
        sink.flush()
    return report
