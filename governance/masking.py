"""Masked renderings of values, for samples shown in check results and logs."""

from __future__ import annotations

from typing import Any

_MAX_SHOWN = 40


def mask_value(value: Any) -> str:
    """Mask a possibly personal value, keeping only its shape (first/last character, length)."""
    if value is None:
        return "<null>"
    text = str(value)
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{_mask_part(local)}@{_mask_part(domain)}"
    return _mask_part(text)


def _mask_part(text: str) -> str:
    if len(text) <= 2:
        return "*" * len(text)
    return text[0] + "*" * min(len(text) - 2, 8) + text[-1]


def show_value(value: Any, personal: bool) -> str:
    """A value as shown in check metadata: masked if personal, else truncated."""
    if personal:
        return mask_value(value)
    if value is None:
        return "<null>"
    text = str(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"
