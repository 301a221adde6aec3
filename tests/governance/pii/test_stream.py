"""JSON Lines redaction: text fields redacted, other fields kept, bad lines refused by number."""

from __future__ import annotations

import io
import json

from governance.pii.stream import redact_jsonl


def test_lines_are_redacted_and_bad_lines_refused_without_their_content():
    source = io.StringIO(
        json.dumps({"id": 1, "text": "Mr Kowalski called from 0472 13 29 62."}) + "\n"
        + "{not json Kowalski\n"
        + json.dumps({"id": 3, "body": "no text field"}) + "\n"
        + "\n"
        + json.dumps({"id": 5, "text": "Ticket closed after 14 days without a reply."}) + "\n")
    sink = io.StringIO()
    report = redact_jsonl(source, sink)
    out = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert [r["id"] for r in out] == [1, 5]
    assert "Kowalski" not in out[0]["text"] and "0472" not in out[0]["text"]
    assert "<PERSON>" in out[0]["text"] and "<PHONE_NUMBER>" in out[0]["text"]
    assert out[1]["text"] == "Ticket closed after 14 days without a reply."
    assert report.lines == 5 and report.redacted == 1
    assert [r.split(":")[0] for r in report.refused] == ["line 2", "line 3"]
    assert not any("Kowalski" in r for r in report.refused)
