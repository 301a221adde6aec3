"""Consent records per data subject and purpose: read from a file, kept append-only.

A record says that one subject gave or withdrew consent to one purpose at a time, how it
was collected and under which policy version (the Kantara consent receipt's
consentTimestamp, collectionMethod and consentReceiptID; ISO/IEC TS 27560's state and
notice version). The subject is stored as the keyed hash of their key, normalised the way
erasure normalises it, never as the key. A new record never rewrites an old one: the
latest by consent time per subject and purpose wins (a withdrawal wins a tie).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from governance.audit import AuditValueError, check_details
from governance.consent.purposes import Purpose, contract_purposes
from governance.contract_model import DatasetContract
from governance.erasure import normalise
from governance.errors import GovernanceError
from governance.pii.treatment import keyed_hash

GIVEN, WITHDRAWN, UNKNOWN = "given", "withdrawn", "unknown"
STATES = (GIVEN, WITHDRAWN)
PRINCIPAL = "piiPrincipalId"  # Kantara's name for the subject; the contract's key also works
PURPOSE, STATE, AT = "purpose", "state", "consentTimestamp"
METHOD, POLICY, RECEIPT = "collectionMethod", "policyVersion", "consentReceiptID"
REQUIRED = (PURPOSE, STATE, AT, METHOD, POLICY)
# A consent time this far ahead of the clock is a typing mistake, not a record.
_CLOCK_SKEW = timedelta(minutes=5)
_WORD = re.compile(r"[a-z][a-z0-9_]{0,62}")


class ConsentError(GovernanceError):
    """A consent request or file cannot be used as given."""


class ConsentFileError(ConsentError):
    """A consent file cannot be read at all: nothing of it is recorded."""

    def __init__(self, path: str, reason: str, line: int | None = None,
                 field_name: str | None = None) -> None:
        where = "".join([f", line {line}" if line else "",
                         f", field '{field_name}'" if field_name else ""])
        super().__init__(f"Consent file {path}{where}: {reason}. Nothing was recorded.")


@dataclass(frozen=True)
class ConsentRecord:
    """One subject's consent state for one purpose (the subject as a keyed hash only)."""

    dataset: str
    purpose: str
    subject_hash: str
    key_column: str
    state: str
    consent_at: datetime
    collection_method: str
    policy_version: str
    receipt_id: str | None = None


@dataclass(frozen=True)
class Refusal:
    """One record left out of an import: where it is and why (never its values)."""

    line: int
    field: str
    reason: str

    def describe(self, path: str) -> str:
        """The refusal as one line naming the file, line and field."""
        return f"{path}: line {self.line}: field '{self.field}': {self.reason}"


@dataclass
class ParsedFile:
    """The usable records of a file and the refused ones."""

    records: list[ConsentRecord] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def shown(value: object) -> str:
    """A value fit for a message: a plain lower-case word as itself, anything else hidden
    (a shifted column could put a subject's e-mail address where a state belongs)."""
    return repr(value) if isinstance(value, str) and _WORD.fullmatch(value) else "this value"


def parse_time(text: Any) -> datetime:
    """An ISO 8601 time as aware UTC (a time without an offset is taken as UTC)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("is empty; give an ISO 8601 time such as 2026-05-01T09:30:00Z")
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("is not an ISO 8601 time such as 2026-05-01T09:30:00Z") from None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def _safe_text(name: str, value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValueError("is empty")
    try:
        check_details({name: text})
    except AuditValueError:
        raise ValueError("must be short plain text (letters, digits, '.', '-', '/', ':'; at "
                         "most 80 characters, no e-mail addresses or long numbers)") from None
    return text


def subject_hash(contract: DatasetContract, value: str, hash_key: str) -> str:
    """The keyed hash of a subject's key, normalised as erasure normalises it."""
    if not hash_key:
        raise ConsentError("consent records keep a keyed hash of the subject: set "
                           "DATAOPS_HASH_KEY")
    column = contract.subject_key
    if column is None:
        raise ConsentError(f"{contract.name} declares no subjectKey, so it has no subjects "
                           "to record consent for")
    return keyed_hash(normalise(contract, column, value), hash_key.encode("utf-8"))


def consent_purpose(contract: DatasetContract, name: Any) -> Purpose:
    """The contract's consent-based purpose called name; ValueError says why not."""
    declared = {p.name: p for p in contract_purposes(contract)}
    purpose = declared.get(name) if isinstance(name, str) else None
    if purpose is None:
        raise ValueError(f"{shown(name)} is not a purpose of {contract.name} (declared: "
                         f"{', '.join(sorted(declared)) or 'none'})")
    if not purpose.needs_consent:
        raise ValueError(f"{purpose.name} rests on {purpose.legal_basis}, not consent; "
                         "consent records are not used for it")
    return purpose


def make_record(contract: DatasetContract, row: dict[str, Any], key_field: str,
                hash_key: str, now: datetime) -> ConsentRecord:
    """One record from one row; ValueError carries (field, reason) of the first problem."""
    def need(name: str, check: Any) -> Any:
        try:
            return check(row.get(name))
        except ValueError as exc:
            raise ValueError(name, str(exc)) from None

    value = row.get(key_field)
    if not isinstance(value, str | int) or not str(value).strip():
        raise ValueError(key_field, "the subject key is empty")
    purpose = need(PURPOSE, lambda v: consent_purpose(contract, v))
    state = need(STATE, lambda v: v.strip().lower() if isinstance(v, str)
                 and v.strip().lower() in STATES else _bad_state(v))
    at = need(AT, parse_time)
    if at > now + _CLOCK_SKEW:
        raise ValueError(AT, "is in the future; a record counts from the time consent was "
                         "given or withdrawn")
    method = need(METHOD, lambda v: _safe_text(METHOD, v))
    policy = need(POLICY, lambda v: _safe_text(POLICY, v))
    receipt = row.get(RECEIPT)
    if receipt not in (None, ""):
        receipt = need(RECEIPT, lambda v: _safe_text(RECEIPT, v))
    assert contract.subject_key is not None  # consent_purpose refuses datasets without one
    return ConsentRecord(contract.name, purpose.name, subject_hash(contract, str(value), hash_key),
                         contract.subject_key, state, at, method, policy, receipt or None)


def _bad_state(value: Any) -> str:
    raise ValueError(f"{shown(value)} is not a consent state; use given or withdrawn")


def _rows(path: Path, text: str, key_field: str | None) -> Iterator[tuple[int, Any]]:
    """(line, row) pairs of a CSV or JSON Lines file; CSV headers are checked first."""
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        for name in (key_field or PRINCIPAL, *REQUIRED):
            if name not in header:
                raise ConsentFileError(str(path), "the header has no such column", 1, name)
        for row in reader:
            yield reader.line_num, row
        return
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        raise ConsentFileError(str(path), "use a .csv or .jsonl (JSON Lines) file")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            yield number, None
            continue
        yield number, row


def parse_file(path: Path, contract: DatasetContract, hash_key: str,
               now: datetime | None = None) -> ParsedFile:
    """Every usable record of a consent file, and where and why the others were refused."""
    if not hash_key:
        subject_hash(contract, "", hash_key)  # raises the missing-key error
    if contract.subject_key is None:
        raise ConsentError(f"{contract.name} declares no subjectKey, so it has no subjects "
                           "to record consent for")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConsentFileError(str(path), f"cannot read the file ({type(exc).__name__})") \
            from None
    now = now or datetime.now(UTC)
    header = next(csv.reader(io.StringIO(text)), []) if path.suffix.lower() == ".csv" else []
    # The file may name the subject by the contract's key column or by Kantara's name.
    key_field = contract.subject_key if contract.subject_key in header or not header \
        else PRINCIPAL
    out = ParsedFile()
    for line, row in _rows(path, text, key_field):
        if not isinstance(row, dict):
            out.refused.append(Refusal(line, "(line)", "not a JSON object"))
            continue
        field_name = key_field if key_field in row or PRINCIPAL not in row else PRINCIPAL
        missing = [n for n in (field_name, *REQUIRED) if n not in row]
        if missing:
            out.refused.append(Refusal(line, missing[0], "missing"))
            continue
        try:
            out.records.append(make_record(contract, row, field_name, hash_key, now))
        except ValueError as exc:
            name, reason = exc.args if len(exc.args) == 2 else ("(line)", str(exc))
            out.refused.append(Refusal(line, name, reason))
    if not out.records and not out.refused:
        raise ConsentFileError(str(path), "the file holds no records")
    return out


def withdrawal(contract: DatasetContract, column: str, value: str, purpose: str,
               hash_key: str, now: datetime | None = None,
               method: str = "dataops consent withdraw",
               policy: str = "not stated") -> ConsentRecord:
    """The record of one subject withdrawing consent to one purpose now (the key is hashed
    at once and never kept)."""
    if column != contract.subject_key:
        raise ConsentError(f"{contract.name} finds subjects by "
                           f"{contract.subject_key or 'no subjectKey'!r}, not {shown(column)}")
    if not value.strip():
        raise ConsentError("the subject key is empty; write it as column=value")
    try:
        chosen = consent_purpose(contract, purpose)
        method, policy = _safe_text(METHOD, method), _safe_text(POLICY, policy)
    except ValueError as exc:
        raise ConsentError(str(exc)) from None
    at = (now or datetime.now(UTC)).astimezone(UTC)
    return ConsentRecord(contract.name, chosen.name, subject_hash(contract, value, hash_key),
                         column, WITHDRAWN, at, method, policy)
