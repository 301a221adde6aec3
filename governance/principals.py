"""Who is calling: the OS user and groups of the process, and a service token if one is given.

The roles file binds roles to these principals, so naming a role is not enough to act as it.
The user comes from the process's effective uid, never from $USER or $LOGNAME (which anyone
can set: getpass.getuser() reads them first). A service without an OS account of its own
presents a token in $DATAOPS_PRINCIPAL_TOKEN; the roles file holds only its sha256.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import re
from dataclasses import dataclass

TOKEN_ENV = "DATAOPS_PRINCIPAL_TOKEN"
# POSIX portable user and group names (plus '$' for machine accounts), matched in full.
OS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?")
TOKEN_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Principal:
    """The caller as the roles file sees it."""

    user: str
    groups: frozenset[str]
    token_sha256: str | None = None

    def describe(self) -> str:
        """Who the caller is, for a refusal message shown to that caller."""
        via = ", with a service token" if self.token_sha256 else ""
        return f"OS user {self.user}{via}"


def token_digest(token: str) -> str:
    """The sha256 a roles file records for a service token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def os_user() -> str:
    """The effective OS user's name (uid:N when the uid has no passwd entry)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # containers may run a uid with no passwd entry
        return f"uid:{uid}"


def os_groups() -> frozenset[str]:
    """Names of the process's effective and supplementary groups."""
    names = set()
    for gid in {os.getegid(), *os.getgroups()}:
        try:
            names.add(grp.getgrgid(gid).gr_name)
        except KeyError:
            continue  # a gid without a name cannot be bound in the roles file anyway
    return frozenset(names)


def current_principal() -> Principal:
    """The calling process: OS user, OS groups, and the digest of $DATAOPS_PRINCIPAL_TOKEN."""
    token = os.environ.get(TOKEN_ENV)
    return Principal(os_user(), os_groups(), token_digest(token) if token else None)
