"""Escalation: open incidents notify their support channels as the contract's rules say.

For every incident still open (nobody acknowledged it), each rule of its severity whose delay
has passed since opening notifies its channels. A step is sent once per channel, ever: the
notification row is claimed (a unique key on incident, step and channel) before anything is
sent, so two passes at once (the sensor and `dataops incident escalate`) or a pass repeated
an hour later send nothing more. A failed send is recorded (row, outbox, event) and not
retried: the outbox keeps the text for a person to pass on. A process that dies between the
claim and the send leaves the row `sending`: at most once, never twice. The caller passes
`now`, so tests and `--as-of` replace the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from governance.incidents.book import SYSTEM, IncidentBook
from governance.incidents.model import OPEN, Incident
from governance.incidents.notify import SENDING, SENT, Delivery, Notifier, message_for
from governance.incidents.policy import EscalationRule, IncidentPolicy, SupportChannel
from governance.incidents.store import iso
from governance.tables import NOTIFICATIONS


@dataclass(frozen=True)
class Escalation:
    """One escalation step taken for one incident, and what each channel did with it."""

    incident_id: str
    dataset: str
    step: str
    escalated: bool                  # False: the notification at opening
    deliveries: tuple[Delivery, ...]


def _claim(book: IncidentBook, incident: Incident, rule: EscalationRule,
           channel: SupportChannel, now: datetime) -> bool:
    """Take the (incident, step, channel) row; False when someone already has."""
    with book.store.write() as conn:
        cursor = conn.execute(
            f"INSERT OR IGNORE INTO {NOTIFICATIONS} (incident_id, step, channel, tool, "
            "recipient, status, detail, at) VALUES (?, ?, ?, ?, '', ?, '', ?)",
            [incident.id, rule.step, channel.name, channel.tool, SENDING, iso(now)])
        return cursor.rowcount == 1


def _finish(book: IncidentBook, incident: Incident, rule: EscalationRule,
            deliveries: list[Delivery], now: datetime) -> None:
    """Record each channel's outcome and the step's event and audit entry, together."""
    sent = sum(1 for d in deliveries if d.status == SENT)
    with book.store.write() as conn:
        for d in deliveries:
            conn.execute(f"UPDATE {NOTIFICATIONS} SET recipient = ?, status = ?, detail = ? "
                         "WHERE incident_id = ? AND step = ? AND channel = ?",
                         [d.recipient, d.status, d.detail, incident.id, rule.step, d.channel])
        detail = "; ".join(f"{d.channel}: {d.status}" for d in deliveries)
        book.log(conn, incident, "notified" if rule.at_opening else "escalated", SYSTEM, now,
                 detail=f"step {rule.step}: {detail}", step=rule.step,
                 channels=len(deliveries), sent=sent)


def escalate(book: IncidentBook, policies: Mapping[str, IncidentPolicy] | None,
             now: datetime, notifier: Notifier) -> list[Escalation]:
    """One escalation pass at `now`: every due step of every open incident, sent once."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    book.reopen_expired(now)
    taken: list[Escalation] = []
    for incident in book.list(state=OPEN):
        policy = (policies or {}).get(incident.dataset) or book.policy(incident.dataset)
        for rule in policy.rules(incident.severity):
            if now < incident.opened_at + rule.after:
                break  # rules are in delay order: the later ones are not due either
            message = message_for(incident, rule.step, escalated=not rule.at_opening)
            deliveries = []
            for name in rule.channels:
                channel = policy.channel(name)
                if _claim(book, incident, rule, channel, now):
                    deliveries.append(notifier.deliver(message, channel, policy.owner_emails,
                                                       now))
            if deliveries:
                _finish(book, incident, rule, deliveries, now)
                taken.append(Escalation(incident.id, incident.dataset, rule.step,
                                        not rule.at_opening, tuple(deliveries)))
    return taken
