"""Importing a consent file, as `dataops consent import` and the demo do: records, audit."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from dataops_assets.auditing import audit
from dataops_assets.resources import HASH_KEY_ENV
from governance.consent.ledger import Appended, ConsentLedger
from governance.consent.records import GIVEN, WITHDRAWN, ParsedFile, parse_file
from governance.contracts import DatasetContract
from governance.principals import os_user
from governance.rawstore import sha256_file
from governance.settings import Layout


def import_consent(layout: Layout, contract: DatasetContract,
                   path: Path) -> tuple[ParsedFile, Appended]:
    """Record a consent file's good records and audit the import (counts and the file's
    digest, never a key or a hash of one); the refused records are returned, not kept."""
    parsed = parse_file(path, contract, os.environ.get(HASH_KEY_ENV, ""))
    appended = ConsentLedger(layout).append(parsed.records, os_user())
    per_purpose = Counter((r.purpose, r.state) for r in parsed.records)
    digest = sha256_file(path)[0]
    for purpose in sorted({p for p, _ in per_purpose}):
        audit(layout.data_dir, "consent", contract.name, None, operation="import",
              purpose=purpose, given=per_purpose[(purpose, GIVEN)],
              withdrawn=per_purpose[(purpose, WITHDRAWN)], added=appended.added,
              file_sha256=digest)
    if parsed.refused:
        audit(layout.data_dir, "consent", contract.name, None, operation="import_refused",
              refused=len(parsed.refused), file_sha256=digest)
    return parsed, appended
