"""The ODCS JSON schemas this project validates contracts against, one per supported version."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

# Declared apiVersion -> bundled schema file, the same mapping datacontract-cli 1.2.8's
# `datacontract lint` uses (the 3.0.x patch releases share the v3.0.2 schema).
SCHEMA_FILES = {
    "v3.0.0": "odcs-3.0.2.schema.json",
    "v3.0.1": "odcs-3.0.2.schema.json",
    "v3.0.2": "odcs-3.0.2.schema.json",
    "v3.1.0": "odcs-3.1.0.schema.json",
    "v3.2.0": "odcs-3.2.0.schema.json",
}
SUPPORTED_VERSIONS = tuple(SCHEMA_FILES)
NEWEST_VERSION = SUPPORTED_VERSIONS[-1]


@cache
def odcs_schema(api_version: str) -> dict[str, Any]:
    """The JSON schema for a supported apiVersion; KeyError for any other."""
    text = resources.files(__name__).joinpath(SCHEMA_FILES[api_version]).read_text("utf-8")
    return json.loads(text)
