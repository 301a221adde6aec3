"""Signed checkpoints of the audit trail, the audit key, and witnesses that keep copies.

A hash chain whose anchor sits beside it proves nothing against whoever can write the folder:
they can drop an entry, re-chain every later one and rewrite the head. So after every append
the head (sequence number and hash) is signed with an Ed25519 key whose private half lives
outside the data directory, and each signed checkpoint is handed to witnesses (the Dagster
instance, optionally a URL) that the data-directory writer cannot rewrite.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from governance.atomic import atomic_writer
from governance.errors import GovernanceError

KEY_ENV = "DATAOPS_AUDIT_KEY"
PUBLIC_KEY_ENV = "DATAOPS_AUDIT_PUBLIC_KEY"
WITNESS_URL_ENV = "DATAOPS_AUDIT_WITNESS_URL"
DEFAULT_KEY = Path("~/.config/dataops/audit_ed25519")
WITNESS_TIMEOUT_S = 3.0
log = logging.getLogger(__name__)


class AuditKeyError(GovernanceError):
    """The audit key is missing, unreadable, or would sit where the data writer can reach it."""


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the trail had `seq` entries and its last entry's hash was `head`."""

    seq: int
    head: str
    at: str
    key_id: str
    sig: str

    def signed_bytes(self) -> bytes:
        """The bytes the signature covers (everything but the signature)."""
        body = {"seq": self.seq, "head": self.head, "at": self.at, "key_id": self.key_id}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def as_dict(self) -> dict[str, object]:
        """The checkpoint as stored and witnessed."""
        return asdict(self)


# A witness keeps its own copy of every checkpoint; the governance layer only knows this shape.
Witness = Callable[[Checkpoint], None]


def key_id(public: Ed25519PublicKey) -> str:
    """A short, stable name of a public key: the first 16 hex digits of its sha256."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_path(private_path: Path) -> Path:
    """Where the public half of a key is recorded: next to the private key, `<key>.pub`."""
    return private_path.with_name(private_path.name + ".pub")


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def create_key(path: Path, data_dir: Path | None = None) -> str:
    """Write a new Ed25519 key (0600) and its public half (`<key>.pub`); return the key id."""
    path = Path(path).expanduser()
    if data_dir is not None and _inside(path, data_dir):
        # Whoever can write the data directory could then sign a rewritten trail.
        raise AuditKeyError(f"The audit key must live outside the data directory {data_dir}; "
                            f"choose another path than {path}")
    if path.exists() or public_key_path(path).exists():
        raise AuditKeyError(f"An audit key already exists at {path}; refusing to replace it "
                            "(checkpoints signed with it could no longer be checked)")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    with atomic_writer(path, permissions=0o600) as fh:
        fh.write(pem)
    public = private.public_key()
    with atomic_writer(public_key_path(path), permissions=0o644) as fh:
        fh.write(public.public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return key_id(public)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key written by create_key."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except FileNotFoundError:
        raise AuditKeyError(f"{KEY_ENV} names {path}, which does not exist; create it with "
                            "`dataops audit init-key`") from None
    except (OSError, ValueError, TypeError) as exc:
        raise AuditKeyError(f"Cannot read the audit key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"The audit key {path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read an Ed25519 public key (`<key>.pub`)."""
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise AuditKeyError(f"Cannot read the audit public key {path}: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"The audit public key {path} is not an Ed25519 key")
    return key


class Signer:
    """Signs checkpoints with the private audit key."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.key_id = key_id(private.public_key())

    def sign(self, seq: int, head: str, now: datetime | None = None) -> Checkpoint:
        """A checkpoint of the trail at entry `seq` with hash `head`."""
        at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        draft = Checkpoint(seq, head, at, self.key_id, "")
        sig = self._private.sign(draft.signed_bytes()).hex()
        return Checkpoint(seq, head, at, self.key_id, sig)


def signature_ok(checkpoint: Checkpoint, public: Ed25519PublicKey) -> bool:
    """Whether the checkpoint was signed by this public key's private half."""
    try:
        public.verify(bytes.fromhex(checkpoint.sig), checkpoint.signed_bytes())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def signer_from_env() -> Signer | None:
    """The signer of $DATAOPS_AUDIT_KEY, or None when no key is configured (unsigned trail)."""
    value = os.environ.get(KEY_ENV)
    if not value:
        return None
    path = Path(value).expanduser()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return Signer(load_private_key(path))  # raises the plain "key missing" error
    return _signer(str(path), stamp)


@lru_cache(maxsize=4)
def _signer(path: str, stamp: int) -> Signer:
    # Every audit append asks for the signer: read and parse the key file once per version
    # of it (the modification time is part of the cache key), not once per entry.
    return Signer(load_private_key(Path(path)))


def trusted_public_key_from_env() -> Ed25519PublicKey | None:
    """The key checkpoints must verify with: $DATAOPS_AUDIT_PUBLIC_KEY, else `<key>.pub`."""
    explicit = os.environ.get(PUBLIC_KEY_ENV)
    if explicit:
        return load_public_key(Path(explicit).expanduser())
    value = os.environ.get(KEY_ENV)
    if not value:
        return None
    private = Path(value).expanduser()
    pub = public_key_path(private)
    # The recorded public half is the trust anchor; deriving it from the private key is
    # only the fallback for keys made by hand.
    return load_public_key(pub) if pub.is_file() else load_private_key(private).public_key()


def parse_checkpoint(data: object) -> Checkpoint | None:
    """A checkpoint from its stored form, or None when the record is damaged."""
    if not isinstance(data, dict):
        return None
    try:
        cp = Checkpoint(seq=data["seq"], head=data["head"], at=data["at"],
                        key_id=data["key_id"], sig=data["sig"])
    except (KeyError, TypeError):
        return None
    if not isinstance(cp.seq, int) or isinstance(cp.seq, bool) or not isinstance(cp.head, str):
        return None
    return cp


def url_witness(url: str) -> Witness:
    """A witness that POSTs each checkpoint as JSON; failures are logged, never fatal."""

    def post(checkpoint: Checkpoint) -> None:
        body = json.dumps(checkpoint.as_dict(), sort_keys=True).encode("utf-8")
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=WITNESS_TIMEOUT_S) as response:
                response.read()
        except (OSError, ValueError) as exc:
            # The trail and its signed checkpoint are already on disk; a witness that is
            # down must not stop the pipeline, but the gap should be visible in the logs.
            log.warning("audit witness %s did not take checkpoint %s: %s", url,
                        checkpoint.seq, exc)

    return post


def url_witness_from_env() -> Witness | None:
    """The URL witness of $DATAOPS_AUDIT_WITNESS_URL, if set."""
    url = os.environ.get(WITNESS_URL_ENV)
    return url_witness(url) if url else None
