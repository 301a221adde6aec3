"""The notifier: an outbox file, SMTP and webhooks (a Slack-compatible JSON payload).

Every notification is written to the outbox (JSON Lines under the operations folder), whether
its channel delivered it or not, so a person can always read what was (or would have been)
sent. A channel that is not configured (no SMTP host, webhooks not enabled) is recorded in
the outbox with that status; a channel that fails records the error. Nothing here raises
into the caller: the incident sensor must keep running when a mail server is down.
A webhook URL may hold a secret token (Slack's do), so only its host is recorded.
"""

from __future__ import annotations

import contextlib
import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from governance.atomic import append_line
from governance.incidents.model import Incident
from governance.incidents.policy import EMAIL_TOOL, SupportChannel
from governance.incidents.store import iso

SENDING, SENT, FAILED = "sending", "sent", "failed"
NOT_CONFIGURED, DISABLED = "not configured", "disabled"
OUTBOX = "outbox"
_DETAIL_MAX = 200


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server (the password comes from the environment, never code)."""

    host: str
    port: int = 25
    sender: str = "dataops@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


@dataclass(frozen=True)
class Message:
    """What a notification says: a subject and plain text, plus Slack-style blocks.

    A report (not an incident) uses `incident_id` for its name and may carry an HTML
    alternative, sent with e-mail and never written to the outbox."""

    incident_id: str
    dataset: str
    step: str
    subject: str
    text: str
    html: str | None = None

    def slack_payload(self) -> dict[str, object]:
        """The webhook body: `text` for any Slack-compatible receiver, `blocks` for layout."""
        return {"text": self.subject, "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": self.subject[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": self.text}},
        ]}


@dataclass(frozen=True)
class Delivery:
    """What happened to one notification on one channel."""

    channel: str
    tool: str
    recipient: str
    status: str        # SENT, FAILED, NOT_CONFIGURED or DISABLED
    detail: str = ""


def message_for(incident: Incident, step: str, escalated: bool) -> Message:
    """The notification of an incident at one escalation step (names and counts only)."""
    verb = "still not acknowledged" if escalated else "opened"
    subject = (f"[{incident.severity}] {incident.id} {incident.dataset}: {incident.key} "
               f"({verb})")
    versions = ", ".join(incident.versions) or "no version"
    text = "\n".join([
        f"Incident {incident.id} ({incident.type}, severity {incident.severity}) on "
        f"{incident.dataset}: {incident.summary}",
        f"Check or service level: {incident.key}; versions: {versions}.",
        f"State: {incident.state}; owner: {incident.owner}; opened {iso(incident.opened_at)}.",
        f"Escalation step {step}. Acknowledge with `dataops incident ack {incident.id}`.",
    ])
    return Message(incident.id, incident.dataset, step, subject, text)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:_DETAIL_MAX]


class Notifier:
    """Sends notifications to support channels and records each in the outbox."""

    def __init__(self, outbox: Path, smtp: SmtpSettings | None = None,
                 webhooks_enabled: bool = False, timeout: float = 10.0) -> None:
        self.outbox = Path(outbox)
        self.smtp = smtp
        self.webhooks_enabled = webhooks_enabled
        self.timeout = timeout

    def deliver(self, message: Message, channel: SupportChannel,
                owner_emails: tuple[str, ...], at: datetime) -> Delivery:
        """Send one message on one channel, write the outbox line; never raises."""
        try:
            if channel.tool == EMAIL_TOOL:
                delivery = self._email(message, channel, owner_emails)
            else:
                delivery = self._webhook(message, channel)
        except Exception as exc:  # a notifier bug must not stop the sensor either
            delivery = Delivery(channel.name, channel.tool, "", FAILED, _short(exc))
        self.record(message, delivery, at)
        return delivery

    def record(self, message: Message, delivery: Delivery, at: datetime) -> None:
        """Append the outbox line of one notification (its text and what became of it)."""
        line = {"at": iso(at), "incident": message.incident_id, "dataset": message.dataset,
                "step": message.step, **asdict(delivery), "subject": message.subject,
                "text": message.text}
        # On a full or read-only disk the notifications table still has the row, and the
        # sensor keeps going.
        with contextlib.suppress(OSError):
            self.outbox.parent.mkdir(parents=True, exist_ok=True)
            append_line(self.outbox, json.dumps(line, sort_keys=True))

    def _email(self, message: Message, channel: SupportChannel,
               owner_emails: tuple[str, ...]) -> Delivery:
        recipients = (channel.email,) if channel.email else owner_emails
        to = ", ".join(recipients)
        if not recipients:
            return Delivery(channel.name, channel.tool, "", FAILED,
                            "no address: the channel has no mailto: url and the team no owner")
        if self.smtp is None:
            return Delivery(channel.name, channel.tool, to, NOT_CONFIGURED,
                            "no SMTP host configured (set DATAOPS_SMTP_HOST)")
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.smtp.sender
        mail["To"] = to
        mail.set_content(message.text)
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        try:
            with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout) as smtp:
                if self.smtp.starttls:
                    smtp.starttls()
                if self.smtp.username:
                    smtp.login(self.smtp.username, self.smtp.password or "")
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            return Delivery(channel.name, channel.tool, to, FAILED, _short(exc))
        return Delivery(channel.name, channel.tool, to, SENT)

    def _webhook(self, message: Message, channel: SupportChannel) -> Delivery:
        url = channel.webhook
        if url is None:
            return Delivery(channel.name, channel.tool, "", FAILED,
                            "the channel's url is not an http(s) address")
        host = urlsplit(url).netloc
        if not self.webhooks_enabled:
            return Delivery(channel.name, channel.tool, host, DISABLED,
                            "webhooks are disabled (set DATAOPS_WEBHOOKS=1)")
        body = json.dumps(message.slack_payload()).encode("utf-8")
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (OSError, urllib.error.URLError, ValueError) as exc:
            return Delivery(channel.name, channel.tool, host, FAILED, _short(exc))
        return Delivery(channel.name, channel.tool, host, SENT)
