"""A dataset's incident policy: causes, escalation, auto-resolution, owner and support channels.

Read from the contract's `incidents` custom property and the ODCS top-level `support` list:

    support:
      - channel: support-data-mail      # the name escalation rules refer to
        tool: email                     # email: SMTP; slack/teams/...: a webhook POST
        url: mailto:support-data@example.com
        scope: issues
    customProperties:
      - property: incidents
        value:
          causes: [annotation tool outage]      # added to DEFAULT_CAUSES
          escalation:                           # per severity, in any order
            high:
              - {after: 0 min, notify: [support-data-mail]}   # 0: at opening
              - {after: 2 h, notify: [support-data-oncall]}   # still not acknowledged
          autoResolve:                          # a passing re-run may close these keys
            - {key: latency_within_slo, cause: upstream source change}

Severities (what the sensor passes to `severity_for`): a blocking check failure, a failed run
and a breach of an `error` service level are high; a breach of a `warning` service level and a
drift refresh request are medium. A missing batch is a breach of the `frequency` service level
and takes that level's severity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from governance.audit import AuditValueError, check_details
from governance.contract_model import DatasetContract, parse_duration
from governance.errors import ContractError, GovernanceError
from governance.incidents.model import DEFAULT_CAUSES, HIGH, MEDIUM, SEVERITIES

# Where a signal comes from, and the severity it gets.
BLOCKING_CHECK, RUN_FAILURE, DRIFT_REFRESH = "blocking_check", "run_failure", "drift_refresh"
SLO_ERROR, SLO_WARNING = "slo_error", "slo_warning"
SEVERITY_BY_SOURCE = {BLOCKING_CHECK: HIGH, RUN_FAILURE: HIGH, SLO_ERROR: HIGH,
                      SLO_WARNING: MEDIUM, DRIFT_REFRESH: MEDIUM}
EMAIL_TOOL = "email"
# Tools reached by an HTTP POST of a Slack-compatible JSON payload.
WEBHOOK_TOOLS = ("slack", "teams", "googlechat", "discord", "webhook", "other")
_KEYS = {"causes", "escalation", "autoResolve"}
_RULE_KEYS = {"after", "notify"}


class UnknownCauseError(GovernanceError):
    """A resolution named no cause, or one that is not in the dataset's cause taxonomy."""


def severity_for(source: str) -> str:
    """The severity of a signal by where it comes from (one of SEVERITY_BY_SOURCE)."""
    try:
        return SEVERITY_BY_SOURCE[source]
    except KeyError:
        raise GovernanceError(f"unknown signal source {source!r}; use one of "
                              f"{', '.join(sorted(SEVERITY_BY_SOURCE))}") from None


def slo_severity(level: str) -> str:
    """The severity of a service-level breach from the level's contract severity."""
    return severity_for(SLO_ERROR if level == "error" else SLO_WARNING)


@dataclass(frozen=True)
class SupportChannel:
    """One ODCS support channel: where notifications for the dataset go."""

    name: str
    tool: str
    url: str
    scope: str = ""

    @property
    def email(self) -> str | None:
        """The address of a mailto: URL, else None."""
        parts = urlsplit(self.url)
        return unquote(parts.path) if parts.scheme == "mailto" and parts.path else None

    @property
    def webhook(self) -> str | None:
        """The http(s) URL a webhook tool posts to, else None."""
        if self.tool == EMAIL_TOOL:
            return None
        return self.url if urlsplit(self.url).scheme in ("http", "https") else None


@dataclass(frozen=True)
class EscalationRule:
    """After `after` without acknowledgement, an incident of `severity` notifies `channels`."""

    severity: str
    after: timedelta
    channels: tuple[str, ...]

    @property
    def step(self) -> str:
        """A stable name of this step ('high:2h', 'high:0m'): with the channel, sent once."""
        seconds = int(self.after.total_seconds())
        if seconds % 3600 == 0 and seconds:
            return f"{self.severity}:{seconds // 3600}h"
        return f"{self.severity}:{seconds // 60}m" if seconds % 60 == 0 else \
            f"{self.severity}:{seconds}s"

    @property
    def at_opening(self) -> bool:
        """True for a rule that notifies as soon as the incident opens."""
        return self.after == timedelta(0)


@dataclass(frozen=True)
class IncidentPolicy:
    """How one dataset's incidents are closed and escalated, and who owns them."""

    dataset: str
    owner: str
    owner_emails: tuple[str, ...]
    causes: tuple[str, ...]
    channels: tuple[SupportChannel, ...]
    escalation: tuple[EscalationRule, ...]
    auto_resolve: dict[str, str]

    def rules(self, severity: str) -> tuple[EscalationRule, ...]:
        """The escalation rules of one severity, earliest first."""
        return tuple(sorted((r for r in self.escalation if r.severity == severity),
                            key=lambda r: r.after))

    def channel(self, name: str) -> SupportChannel:
        """The support channel called name."""
        return next(c for c in self.channels if c.name == name)

    def check_cause(self, cause: str | None) -> str:
        """The cause if it is in the taxonomy; else UnknownCauseError listing the allowed."""
        allowed = "; ".join(self.causes)
        if not cause or not cause.strip():
            raise UnknownCauseError(f"a resolution needs a cause; {self.dataset} allows: "
                                    f"{allowed}")
        if cause.strip() not in self.causes:
            raise UnknownCauseError(f"{cause.strip()!r} is not a cause {self.dataset} knows; "
                                    f"use one of: {allowed}")
        return cause.strip()


def _fail(contract: DatasetContract, where: str, reason: str) -> ContractError:
    return ContractError(str(contract.path), where, reason)


def _channels(contract: DatasetContract) -> tuple[SupportChannel, ...]:
    out: list[SupportChannel] = []
    for i, item in enumerate(contract.odcs.support or []):
        where = f"support[{i}]"
        if not item.channel:
            raise _fail(contract, f"{where}.channel", "every support channel needs a name")
        if any(c.name == item.channel for c in out):
            raise _fail(contract, f"{where}.channel", f"{item.channel!r} is declared twice")
        channel = SupportChannel(item.channel, (item.tool or "other").lower(), item.url or "",
                                 item.scope or "")
        if channel.tool == EMAIL_TOOL and channel.url and channel.email is None:
            raise _fail(contract, f"{where}.url", "an email channel's url is mailto:<address>")
        out.append(channel)
    return tuple(out)


def _causes(contract: DatasetContract, raw: Any) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_CAUSES
    if not isinstance(raw, list) or not all(isinstance(c, str) and c.strip() for c in raw):
        raise _fail(contract, "customProperties.incidents.causes", "must be a list of causes")
    for cause in raw:
        try:
            # A cause goes into the audit trail, so it must be short plain words.
            check_details({"cause": cause.strip()})
        except AuditValueError:
            raise _fail(contract, "customProperties.incidents.causes",
                        f"{cause!r} must be short plain words (letters, digits, spaces, "
                        "'/', '-', at most 80 characters)") from None
    return tuple(dict.fromkeys((*DEFAULT_CAUSES, *(c.strip() for c in raw))))


def _rules(contract: DatasetContract, raw: Any,
           channels: tuple[SupportChannel, ...]) -> tuple[EscalationRule, ...]:
    where = "customProperties.incidents.escalation"
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise _fail(contract, where, "must map a severity to a list of rules")
    names = {c.name for c in channels}
    out: list[EscalationRule] = []
    for severity, rules in raw.items():
        if severity not in SEVERITIES:
            raise _fail(contract, f"{where}.{severity}",
                        f"unknown severity; use {', '.join(SEVERITIES)}")
        if not isinstance(rules, list):
            raise _fail(contract, f"{where}.{severity}", "must be a list of rules")
        for i, rule in enumerate(rules):
            here = f"{where}.{severity}[{i}]"
            if not isinstance(rule, dict) or set(rule) - _RULE_KEYS or "notify" not in rule:
                raise _fail(contract, here, "a rule has `after` (e.g. 2 h) and `notify` "
                            "(a list of support channel names)")
            try:
                after = parse_duration(rule.get("after", 0), "min")
            except ValueError as exc:
                raise _fail(contract, f"{here}.after", str(exc)) from None
            notify = rule["notify"]
            if not isinstance(notify, list) or not notify:
                raise _fail(contract, f"{here}.notify", "must list support channel names")
            unknown = [n for n in notify if n not in names]
            if unknown:
                raise _fail(contract, f"{here}.notify",
                            f"{unknown[0]!r} is not a channel of the contract's `support` "
                            f"list ({', '.join(sorted(names)) or 'none declared'})")
            if any(r.severity == severity and r.after == after for r in out):
                raise _fail(contract, f"{here}.after", "two rules of one severity have the "
                            "same delay; put their channels in one rule")
            out.append(EscalationRule(severity, after, tuple(dict.fromkeys(notify))))
    return tuple(out)


def _auto_resolve(contract: DatasetContract, raw: Any, causes: tuple[str, ...]) -> dict[str, str]:
    where = "customProperties.incidents.autoResolve"
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise _fail(contract, where, "must be a list of {key, cause}")
    out: dict[str, str] = {}
    for i, item in enumerate(raw):
        if (not isinstance(item, dict) or set(item) != {"key", "cause"}
                or not isinstance(item["key"], str) or not isinstance(item["cause"], str)):
            raise _fail(contract, f"{where}[{i}]", "each entry has a `key` (check or service "
                        "level) and the `cause` recorded when a passing re-run resolves it")
        if item["cause"] not in causes:
            raise _fail(contract, f"{where}[{i}].cause",
                        f"{item['cause']!r} is not in the cause taxonomy ({'; '.join(causes)})")
        out[item["key"]] = item["cause"]
    return out


def incident_policy(contract: DatasetContract) -> IncidentPolicy:
    """The contract's incident policy; a mistake is a ContractError naming the field."""
    raw = contract.custom.get("incidents") or {}
    if not isinstance(raw, dict):
        raise _fail(contract, "customProperties.incidents", "must be a mapping")
    unknown = set(raw) - _KEYS
    if unknown:
        raise _fail(contract, "customProperties.incidents",
                    f"unknown keys {sorted(unknown)}; use {sorted(_KEYS)}")
    channels = _channels(contract)
    causes = _causes(contract, raw.get("causes"))
    return IncidentPolicy(
        dataset=contract.name, owner=contract.owner_team, owner_emails=contract.owners,
        causes=causes, channels=channels,
        escalation=_rules(contract, raw.get("escalation"), channels),
        auto_resolve=_auto_resolve(contract, raw.get("autoResolve"), causes))
