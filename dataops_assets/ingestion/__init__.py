"""How versions arrive: the landing-folder sensor and the ingest command."""
