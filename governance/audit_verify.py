"""Check an audit trail against its hash chain, its signed checkpoints and its witnesses.

The chain catches a careless edit; the signed checkpoints catch a careful rewrite (drop an
entry, re-chain, rewrite the head) by whoever lacks the private key; the witnesses' copies
catch what the folder alone cannot show, such as an older copy of the whole folder restored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from governance.audit import AuditLog, AuditLogError
from governance.audit_sign import Checkpoint, key_id, signature_ok


@dataclass(frozen=True)
class TrailReport:
    """The outcome of checking a trail: where it first disagrees, and what was checked."""

    ok: bool
    entries: int
    first_bad: int | None
    reason: str
    signed: bool  # signatures were checked with a trusted public key
    key_id: str
    checkpoints: int  # signed checkpoints that verified
    witnessed: int | None  # witnessed checkpoints compared, None when no witness was read
    unchecked: int = 0  # stored checkpoints left unchecked for want of a key

    def summary(self) -> str:
        """One or two lines for `dataops audit verify`."""
        if not self.ok:
            where = f" at entry {self.first_bad}" if self.first_bad is not None else ""
            return f"audit trail BROKEN{where}: {self.reason}"
        lines = [f"audit trail OK: {self.entries} entries"]
        if self.signed:
            lines.append(f"signed: {self.checkpoints} checkpoint(s) verify with audit key "
                         f"{self.key_id}, the last one covering entry {self.entries}")
        else:
            lines.append("UNSIGNED: no audit key is configured (DATAOPS_AUDIT_KEY), so only "
                         "the hash chain was checked and a rewrite of the whole audit folder "
                         "would go unseen; create a key with `dataops audit init-key`")
            if self.unchecked:
                lines.append(f"{self.unchecked} signed checkpoint(s) are stored but were not "
                             "checked: set DATAOPS_AUDIT_KEY (or DATAOPS_AUDIT_PUBLIC_KEY)")
        if self.witnessed is None:
            lines.append("no witness was read (no Dagster instance: DAGSTER_HOME is unset)")
        else:
            lines.append(f"witness: all {self.witnessed} witnessed checkpoint(s) are in the "
                         "trail")
        return "\n".join(lines)


def _hashes(log: AuditLog) -> list[str]:
    try:
        return [entry.hash for entry in log.entries()]
    except AuditLogError:
        return []  # the chain check already names the damaged line


def _signed_problems(log: AuditLog, hashes: list[str], public: Ed25519PublicKey,
                     kid: str) -> tuple[list[tuple[float, str]], int]:
    """Problems with the stored checkpoints, and how many verified."""
    count, problems, last, good = len(hashes), [], 0, 0
    for number, cp in enumerate(log.checkpoints(), start=1):
        if cp is None:
            problems.append((last + 1, f"line {number} of {log.checkpoints_path.name} is "
                             "not a checkpoint"))
            continue
        if not signature_ok(cp, public):
            problems.append((cp.seq, f"the checkpoint of entry {cp.seq} is not signed by the "
                             f"audit key {kid}: it was forged or edited"))
            continue
        if cp.seq < last:
            problems.append((cp.seq, f"the checkpoint of entry {cp.seq} comes after the one "
                             f"of entry {last}: checkpoints were reordered"))
        elif cp.seq > count:
            problems.append((count + 1, f"a signed checkpoint covers entry {cp.seq} but the "
                             f"trail ends at entry {count}: entries were removed from the end"))
        elif hashes[cp.seq - 1] != cp.head:
            problems.append((cp.seq, f"entry {cp.seq} disagrees with its signed checkpoint: "
                             "the trail was rewritten from here (or just before)"))
        else:
            good += 1
        last = max(last, cp.seq)
    if count and good == 0 and not problems:
        problems.append((1, "there are no signed checkpoints: they were deleted, or the trail "
                         "was written without the audit key"))
    elif count and last < count:
        problems.append((last + 1, f"entries {last + 1} to {count} are not covered by a "
                         "signed checkpoint: added by hand, or the checkpoints were deleted"))
    return problems, good


def _witness_problems(hashes: list[str],
                      witnessed: Sequence[Checkpoint]) -> list[tuple[float, str]]:
    count, problems = len(hashes), []
    for cp in witnessed:
        if cp.seq > count:
            problems.append((count + 1, f"the witness holds a checkpoint of entry {cp.seq} but "
                             f"the trail ends at entry {count}: it was truncated or an older "
                             "copy was restored"))
        elif cp.seq < 1 or hashes[cp.seq - 1] != cp.head:
            problems.append((max(cp.seq, 1), f"entry {cp.seq} disagrees with the checkpoint "
                             "the witness holds: the trail was rewritten"))
    return problems


def verify_trail(log: AuditLog, public: Ed25519PublicKey | None = None,
                 witnessed: Sequence[Checkpoint] | None = None) -> TrailReport:
    """Check chain, signatures (when a trusted key is given) and witnessed checkpoints."""
    chain = log.verify()
    hashes = _hashes(log)
    problems: list[tuple[float, str]] = []
    if not chain.ok:
        problems.append((chain.first_bad if chain.first_bad is not None else math.inf,
                         chain.reason))
    kid, good = (key_id(public), 0) if public is not None else ("", 0)
    if public is not None:
        signed, good = _signed_problems(log, hashes, public, kid)
        problems += signed
    if witnessed is not None:
        problems += _witness_problems(hashes, witnessed)
    if problems:
        # The earliest entry that disagrees; on a tie, the chain's own finding comes first.
        seq, reason = min(problems, key=lambda p: p[0])
        first = None if seq == math.inf else int(seq)
        return TrailReport(False, len(hashes), first, reason, public is not None, kid, good,
                           None if witnessed is None else len(witnessed))
    unchecked = len(log.checkpoints()) if public is None else 0
    return TrailReport(True, chain.entries, None, "ok", public is not None, kid, good,
                       None if witnessed is None else len(witnessed), unchecked)
