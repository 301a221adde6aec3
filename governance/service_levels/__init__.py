"""Service levels per version (latency, arrival, availability, labeling operations), their
error budgets, breaches for the incident sensor, and pipeline health from run records."""
