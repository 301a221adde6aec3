"""Consent and purpose per data subject: records keyed by the subject's keyed hash."""
