"""Named errors with messages a data operations manager can act on."""

from __future__ import annotations


class GovernanceError(Exception):
    """Base class for every error this project raises on purpose."""


class ContractError(GovernanceError):
    """A dataset contract file is unreadable or breaks the standard or our rules."""

    def __init__(self, path: str, field: str, reason: str) -> None:
        self.path = path
        self.field = field
        self.reason = reason
        super().__init__(f"Contract {path}: field '{field}': {reason}")


class InvalidNameError(GovernanceError):
    """A dataset, version or column name is unsafe for SQL or the file system."""


class UnknownDatasetError(GovernanceError):
    """A command named a dataset that has no contract."""


class UnknownVersionError(GovernanceError):
    """A command named a dataset version that was never ingested."""


class IntakeError(GovernanceError):
    """A raw file cannot be read at all; its bytes are kept in the raw store."""

    def __init__(self, path: str, reason: str, line: int | None = None,
                 column: str | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        self.column = column
        where = ""
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"Cannot read {path}{where}: {reason}")


class DeliveryBlockedError(GovernanceError):
    """A version may not be delivered because a blocking check failed."""

    def __init__(self, dataset: str, version: str, reasons: list[str]) -> None:
        self.dataset = dataset
        self.version = version
        self.reasons = reasons
        joined = "; ".join(reasons)
        super().__init__(f"Delivery of {dataset} version {version} is blocked: {joined}")
