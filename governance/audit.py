"""Append-only, hash-chained audit trail of what happened to each dataset version.

One JSON object per line in <data_dir>/audit/audit.jsonl. Each entry carries the sha256 of
the entry before it, so editing, removing, inserting or reordering lines breaks the chain;
audit.head anchors the last entry so dropping the tail is caught too. With an audit key, every
append also writes a signed checkpoint (audit.checkpoints) and hands it to witnesses outside
the data directory (governance/audit_sign.py), so a rewrite by whoever can write this folder
is caught too (governance/audit_verify.py). Details hold only counts, short identifiers and
digests: the trail must never become a copy of personal data.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from governance.atomic import atomic_write_text
from governance.audit_sign import Checkpoint, Signer, Witness, parse_checkpoint
from governance.errors import GovernanceError
from governance.identifiers import check_dataset_name, check_version
from governance.principals import os_user
from governance.settings import Layout

ACTIONS = frozenset({"ingest", "duplicate", "materialize", "check", "export", "refuse", "purge",
                     "erase", "hold_add", "hold_remove", "access", "request", "query",
                     "incident", "consent"})
GENESIS = "0" * 64
MAX_TEXT = 80
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_TEXT = re.compile(r"[A-Za-z0-9_.:/<>=, -]*")
# Six digits in a row is where phone, account and national id numbers start.
_DIGIT_RUN = re.compile(r"[0-9]{6,}")
_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


class AuditValueError(GovernanceError):
    """A value may not be written to the audit trail (it could be personal data)."""


class AuditLogError(GovernanceError):
    """The audit trail is damaged, so appending to or reading it would hide that."""


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    seq: int
    at: str
    action: str
    dataset: str
    version: str | None
    actor: str
    details: dict[str, Any] = field(default_factory=dict)
    prev: str = GENESIS
    hash: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The entry as a plain dict, as stored."""
        return asdict(self)


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking the whole chain."""

    ok: bool
    entries: int
    first_bad: int | None
    reason: str


def audit_path(data_dir: Path) -> Path:
    """Where the audit trail of a data directory lives."""
    return Layout(data_dir).data_dir / "audit" / "audit.jsonl"


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _digest(data: dict[str, Any]) -> str:
    body = {k: v for k, v in data.items() if k != "hash"}
    return hashlib.sha256(_canonical(body).encode("utf-8")).hexdigest()


def _safe_value(key: str, value: object) -> None:
    # Messages name the key only: echoing a refused value would leak it into logs.
    if isinstance(value, float) and not math.isfinite(value):
        raise AuditValueError(f"Audit value '{key}' must be a finite number")
    if value is None or isinstance(value, bool | int | float):
        return
    if not isinstance(value, str):
        raise AuditValueError(f"Audit value '{key}' must be a number, bool, None or short text")
    if _DIGEST.fullmatch(value):
        return
    if (len(value) > MAX_TEXT or "@" in value or not _TEXT.fullmatch(value)
            or _DIGIT_RUN.search(value)):
        raise AuditValueError(
            f"Audit value '{key}' looks like free text or personal data; record counts, "
            f"identifiers (at most {MAX_TEXT} characters, no '@', no runs of 6+ digits) "
            "or sha256 digests instead")


def check_details(details: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of details if every key and value is safe to audit, else raise."""
    if not isinstance(details, dict):
        raise AuditValueError("Audit details must be a flat dict")
    for key, value in details.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise AuditValueError("Audit details have a key that is not an identifier "
                                  "(letters, digits and underscores)")
        _safe_value(key, value)
    return dict(details)


def _default_actor() -> str:
    # The effective uid's name, not getpass.getuser(): that reads $USER first, which anyone
    # can set to put someone else's name on the record.
    return os_user()


def _parse(line: str) -> AuditEntry | None:
    try:
        return AuditEntry(**json.loads(line))
    except (ValueError, TypeError):
        return None


class AuditLog:
    """An append-only, hash-chained JSON Lines audit trail with an anchored head."""

    def __init__(self, path: Path, signer: Signer | None = None,
                 witnesses: Sequence[Witness] = ()) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_suffix(".head")
        self.lock_path = self.path.with_suffix(".lock")
        # Beside the trail, so a backup of the audit folder takes them along.
        self.checkpoints_path = self.path.with_suffix(".checkpoints")
        self.signer = signer
        self.witnesses = tuple(witnesses)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock_path.open("a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _lines(self) -> list[str]:
        if not self.path.is_file():
            return []
        return self.path.read_text(encoding="utf-8").splitlines()

    def _head(self) -> dict[str, Any] | None:
        if not self.head_path.is_file():
            return None
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            return {"seq": int(head["seq"]), "hash": str(head["hash"])}
        except (ValueError, TypeError, KeyError):
            return {"seq": -1, "hash": ""}  # unreadable: matches no entry, so verify fails

    def _tail(self) -> AuditEntry | None:
        """The last entry, refusing to extend a log whose tail is torn or not anchored."""
        raw = self.path.read_bytes() if self.path.is_file() else b""
        if raw and not raw.endswith(b"\n"):
            raise AuditLogError(f"{self.path} ends in a partial line; run `dataops audit verify`")
        last = _parse(raw.splitlines()[-1].decode("utf-8")) if raw else None
        if raw and last is None:
            raise AuditLogError(f"{self.path}: the last line is not an audit entry")
        # Appending after a truncation would re-anchor the head and hide the loss for good.
        if not _anchored(self._head(), last):
            raise AuditLogError(f"{self.path} does not match {self.head_path.name}; refusing "
                                "to append; run `dataops audit verify`")
        return last

    def append(self, action: str, dataset: str, version: str | None = None,
               details: dict[str, Any] | None = None, actor: str | None = None,
               now: datetime | None = None) -> AuditEntry:
        """Validate and append one entry, then move the head anchor to it."""
        if action not in ACTIONS:
            raise AuditValueError(f"Unknown audit action {action!r}; use one of "
                                  f"{', '.join(sorted(ACTIONS))}")
        check_dataset_name(dataset)
        if version is not None:
            check_version(version)
        safe = check_details(details or {})
        who = actor if actor is not None else _default_actor()
        _safe_value("actor", who)
        at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        with self._locked():
            last = self._tail()
            data = {"seq": (last.seq + 1) if last else 1, "at": at, "action": action,
                    "dataset": dataset, "version": version, "actor": who, "details": safe,
                    "prev": last.hash if last else GENESIS}
            data["hash"] = _digest(data)
            with self.path.open("ab") as fh:
                fh.write((_canonical(data) + "\n").encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            self._write_head(data["seq"], data["hash"])
            checkpoint = self._checkpoint(data["seq"], data["hash"])
        self._witness(checkpoint)
        return AuditEntry(**data)

    def _checkpoint(self, seq: int, digest: str) -> Checkpoint:
        """Sign the new head (when keyed) and append the checkpoint; call under the lock."""
        if self.signer is None:
            # Unsigned, witnesses still keep (seq, head): a rolled-back file is still caught.
            return Checkpoint(seq, digest, "", "", "")
        checkpoint = self.signer.sign(seq, digest)
        with self.checkpoints_path.open("ab") as fh:
            fh.write((_canonical(checkpoint.as_dict()) + "\n").encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        return checkpoint

    def _witness(self, checkpoint: Checkpoint) -> None:
        # Outside the lock: a slow witness must not hold up other writers.
        for witness in self.witnesses:
            witness(checkpoint)

    def checkpoint_head(self) -> Checkpoint | None:
        """Sign the current head now (after adopting a key); None for an empty trail."""
        with self._locked():
            last = self._tail()
            if last is None:
                return None
            checkpoint = self._checkpoint(last.seq, last.hash)
        self._witness(checkpoint)
        return checkpoint

    def checkpoints(self) -> list[Checkpoint | None]:
        """Stored checkpoints in file order; None for a line that is not a checkpoint."""
        if not self.checkpoints_path.is_file():
            return []
        out: list[Checkpoint | None] = []
        for line in self.checkpoints_path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(parse_checkpoint(json.loads(line)))
            except ValueError:
                out.append(None)
        return out

    def _write_head(self, seq: int, digest: str) -> None:
        atomic_write_text(self.head_path, _canonical({"seq": seq, "hash": digest}) + "\n")

    def entries(self, dataset: str | None = None, version: str | None = None,
                action: str | None = None) -> list[AuditEntry]:
        """Entries in log order, optionally only those of one dataset, version or action."""
        out = []
        for number, line in enumerate(self._lines(), start=1):
            entry = _parse(line)
            if entry is None:
                raise AuditLogError(f"{self.path}: line {number} is not an audit entry; "
                                    "run `dataops audit verify`")
            if ((dataset is None or entry.dataset == dataset)
                    and (version is None or entry.version == version)
                    and (action is None or entry.action == action)):
                out.append(entry)
        return out

    def verify(self) -> VerifyResult:
        """Recompute every hash, link and sequence number, and compare the tail to the head."""
        parsed = [_parse(line) for line in self._lines()]
        seq, prev = 1, GENESIS
        for i, entry in enumerate(parsed):
            if entry is None:
                return VerifyResult(False, i, i + 1, f"line {i + 1} is not a valid audit entry")
            if _problem(entry, seq, prev) is not None:
                return VerifyResult(False, i, *_diagnose(parsed, i, seq, prev))
            seq, prev = seq + 1, entry.hash
        count, head = len(parsed), self._head()
        if head is None:
            ok = count == 0
            return VerifyResult(ok, count, None, "ok" if ok else "audit.head is missing")
        if head["seq"] < 0:
            return VerifyResult(False, count, None, "audit.head is unreadable")
        if head["seq"] > count:
            return VerifyResult(False, count, count + 1,
                                f"the log was truncated after entry {count}")
        if head["seq"] < count:
            # An append interrupted between the line and the head, or lines added by hand.
            return VerifyResult(False, head["seq"], head["seq"] + 1,
                                f"entry {head['seq'] + 1} onwards is not anchored by audit.head")
        if count and head["hash"] != prev:
            return VerifyResult(False, count - 1, count, f"entry {count} was edited")
        return VerifyResult(True, count, None, "ok")


def _anchored(head: dict[str, Any] | None, last: AuditEntry | None) -> bool:
    """Whether the head anchor still points at (or just behind) the last entry."""
    if head is None or last is None:
        return head is None and last is None
    if head["seq"] == last.seq:
        return head["hash"] == last.hash
    # A head behind the log means an append died before moving it; the next append heals it.
    return 0 < head["seq"] < last.seq


def _problem(entry: AuditEntry, seq: int, prev: str) -> str | None:
    try:
        own = _digest(entry.as_dict())
    except (TypeError, ValueError):
        own = ""
    if own != entry.hash:
        return "hash"
    if entry.seq != seq:
        return "seq"
    return "prev" if entry.prev != prev else None


def _diagnose(parsed: list[AuditEntry | None], i: int, seq: int, prev: str) -> tuple[int, str]:
    """The first bad seq and the tampering that best explains why line i breaks the chain."""
    entry, later = parsed[i], [e for e in parsed[i + 1:] if e is not None]
    assert entry is not None
    problem = _problem(entry, seq, prev)
    genuine = problem != "hash" and isinstance(entry.seq, int)
    if genuine and entry.seq > seq and any(e.seq == seq and _problem(e, seq, prev) is None
                                           for e in later):
        return seq, f"entry {seq} is out of order"
    if genuine and entry.seq < seq:
        return entry.seq, f"entry {entry.seq} appears twice: an entry was inserted"
    nxt = parsed[i + 1] if i + 1 < len(parsed) else None
    if nxt is not None and _problem(nxt, seq, prev) is None:
        return seq, f"an extra entry was inserted before entry {seq}"
    if problem == "hash":
        return seq, f"entry {seq} was edited"
    if problem == "prev" and seq > 1:
        # Locally a re-hashed entry and a removal with renumbering look the same.
        return seq, f"entry {seq} is missing or was removed, or entry {seq - 1} was rewritten"
    return seq, f"entry {seq} is missing or was removed"
