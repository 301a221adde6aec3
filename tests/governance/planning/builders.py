"""Small hand-made vendors and histories whose plans can be checked by hand."""

from __future__ import annotations

from governance.planning.history import BatchHistory, History
from governance.planning.spec import BatchPlan, PlanningSpec, VendorCapacity


def vendor(name: str, headcount: int = 1, hours: float = 1.0, price: float = 0.1,
           unit: str = "label") -> VendorCapacity:
    """A vendor in USD."""
    return VendorCapacity(name, headcount, hours, price, unit, "USD")


def batch(version: str, rates: dict[str, tuple[float, ...]], items: int = 100,
          adjudicated: int = 0, cost: float = 0.0) -> BatchHistory:
    """A batch where each vendor's annotators worked at the given labels per hour."""
    return BatchHistory(version, items, items, 0, adjudicated, 0, cost, None, rates)


def spec(*vendors: VendorCapacity, reviewer: str | None = None,
         redundancy: int = 1) -> PlanningSpec:
    """A planning spec with no gold, no budget, and the first vendor as reviewer."""
    named = {v.name: v for v in vendors}
    return PlanningSpec(named, BatchPlan(redundancy, 0.0, reviewer or vendors[0].name), "USD")


def history(*batches: BatchHistory, gold: dict[str, tuple[int, int]] | None = None,
            **kwargs) -> History:
    """A history of the dataset `labels`."""
    return History("labels", tuple(batches), gold=gold or {}, **kwargs)
