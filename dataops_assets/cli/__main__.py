"""`python -m dataops_assets.cli`: the same as the `dataops` console script."""

import sys

from dataops_assets.cli import main

sys.exit(main())
