"""The notifier resource: SMTP and webhook settings for incident notifications."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
from pydantic import Field

from governance.incidents.notify import Notifier, SmtpSettings
from governance.settings import Layout

SMTP_HOST_ENV = "DATAOPS_SMTP_HOST"
SMTP_PORT_ENV = "DATAOPS_SMTP_PORT"
SMTP_SENDER_ENV = "DATAOPS_SMTP_SENDER"
SMTP_USERNAME_ENV = "DATAOPS_SMTP_USERNAME"
SMTP_PASSWORD_ENV = "DATAOPS_SMTP_PASSWORD"
SMTP_STARTTLS_ENV = "DATAOPS_SMTP_STARTTLS"
WEBHOOKS_ENV = "DATAOPS_WEBHOOKS"
DEFAULT_SENDER = "dataops@localhost"


class NotifierResource(dg.ConfigurableResource):
    """Where incident notifications go: the outbox always, SMTP and webhooks when set."""

    smtp_host: str = Field(default="", description="Mail server; empty: e-mail is only "
                           "written to the outbox")
    smtp_port: int = 25
    smtp_sender: str = DEFAULT_SENDER
    smtp_username: str = ""
    smtp_password: str = Field(default="", description="From $DATAOPS_SMTP_PASSWORD "
                               "(an EnvVar, read when a run or sensor starts)")
    smtp_starttls: bool = False
    webhooks_enabled: bool = Field(default=False, description="POST to the contracts' "
                                   "webhook channels; off: written to the outbox only")

    def notifier(self, layout: Layout) -> Notifier:
        """The notifier for a data directory's operations folder."""
        smtp = None
        if self.smtp_host:
            smtp = SmtpSettings(self.smtp_host, self.smtp_port, self.smtp_sender,
                                self.smtp_username or None, self.smtp_password or None,
                                self.smtp_starttls)
        return Notifier(layout.outbox_file, smtp, self.webhooks_enabled)


def _on(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def notifier_resource(environ: Mapping[str, str] | None = None) -> NotifierResource:
    """The resource as the environment configures it (called when definitions are built)."""
    env = os.environ if environ is None else environ
    # The password is an EnvVar: Dagster reads it when the resource is used, and it never
    # appears in the definitions or the UI.
    password = dg.EnvVar(SMTP_PASSWORD_ENV) if env.get(SMTP_PASSWORD_ENV) else ""
    return NotifierResource(
        smtp_host=env.get(SMTP_HOST_ENV, ""), smtp_port=int(env.get(SMTP_PORT_ENV) or 25),
        smtp_sender=env.get(SMTP_SENDER_ENV) or DEFAULT_SENDER,
        smtp_username=env.get(SMTP_USERNAME_ENV, ""), smtp_password=password,
        smtp_starttls=_on(env.get(SMTP_STARTTLS_ENV)), webhooks_enabled=_on(env.get(WEBHOOKS_ENV)))


def notifier_from_env(data_dir: Path, environ: Mapping[str, str] | None = None) -> Notifier:
    """The notifier outside Dagster (the CLI): same settings, password read now."""
    env = os.environ if environ is None else environ
    resource = notifier_resource(env)
    smtp = None
    if resource.smtp_host:
        smtp = SmtpSettings(resource.smtp_host, resource.smtp_port, resource.smtp_sender,
                            resource.smtp_username or None,
                            env.get(SMTP_PASSWORD_ENV) or None, resource.smtp_starttls)
    return Notifier(Layout(data_dir).outbox_file, smtp, resource.webhooks_enabled)
