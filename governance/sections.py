"""What the contract section readers share: a mapping with known keys, or a named refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from governance.errors import ContractError

# How a section reader builds its error: fail(where, reason) names the file and field.
Fail = Callable[[str, str], ContractError]


def known_mapping(raw: Any, where: str, keys: set[str], fail: Fail,
                  example: str = "") -> dict[str, Any]:
    """`raw` as a mapping holding only `keys`; else the section's ContractError."""
    if not isinstance(raw, dict):
        raise fail(where, "must be a mapping" + (f", e.g. {example}" if example else ""))
    unknown = set(raw) - keys
    if unknown:
        raise fail(where, f"unknown keys {sorted(unknown)}; use {sorted(keys)}")
    return raw
