"""Personal-data detection with Presidio: column classification, free-text redaction, policy."""
