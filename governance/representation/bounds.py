"""Judge a version's representation figures against the contract's bounds.

A breach names the group, the member and the figure, with the figure's value; a member
whose figures are withheld is never named, and its figure is never given.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.representation.figures import OTHER, GroupFigures
from governance.representation.spec import Bounds

WITHHELD = "(withheld)"


@dataclass(frozen=True)
class Breach:
    """One figure outside its bound."""

    group: str
    member: str
    figure: str
    value: float | None  # None: the member's figures are withheld
    bound: str

    def describe(self) -> str:
        """One line for a check's description or a datasheet."""
        value = "withheld" if self.value is None else f"{self.value:.3g}"
        return f"{self.group} {self.member}: {self.figure} {value} (bound {self.bound})"

    def as_dict(self) -> dict[str, object]:
        """The breach as check metadata."""
        return {"group": self.group, "member": self.member, "figure": self.figure,
                "value": self.value, "bound": self.bound}


def _share_breaches(g: GroupFigures, floor: float, k: int) -> list[Breach]:
    out = [Breach(g.group, m.member, "share", round(m.share, 6), f">= {floor:g}")
           for m in g.members if m.member != OTHER and m.share < floor]
    # A withheld small member holds fewer than k rows, so its share is below k / total: when
    # that is at most the floor it surely breaches, and saying so shows no figure of it.
    if g.small and g.total and k / g.total <= floor:
        out.append(Breach(g.group, WITHHELD, "share", None,
                          f">= {floor:g}; {g.small} group(s) below {k} rows"))
    return out


def breaches(g: GroupFigures, bounds: Bounds, k: int) -> list[Breach]:
    """Every bound one group's figures breach."""
    out: list[Breach] = []
    floor = bounds.min_share_of(g.group)
    if floor is not None:
        out += _share_breaches(g, floor, k)
    for m in g.members:
        di, spd = m.disparate_impact, m.parity_difference
        if bounds.disparate_impact and di is not None:
            low, high = bounds.disparate_impact
            if not low <= di <= high:
                out.append(Breach(g.group, m.member, "disparate_impact", round(di, 6),
                                  f"[{low:g}, {high:g}]"))
        if bounds.parity_difference is not None and spd is not None \
                and abs(spd) > bounds.parity_difference:
            out.append(Breach(g.group, m.member, "parity_difference", round(spd, 6),
                              f"|x| <= {bounds.parity_difference:g}"))
    if g.drift is not None:
        if bounds.drift_p_value is not None and g.drift.p_value < bounds.drift_p_value:
            out.append(Breach(g.group, "*", "share_drift_p_value", g.drift.p_value,
                              f">= {bounds.drift_p_value:g}"))
        if bounds.psi is not None and g.drift.psi >= bounds.psi:
            out.append(Breach(g.group, "*", "share_psi", round(g.drift.psi, 6),
                              f"< {bounds.psi:g}"))
    return out
