"""``python -m aiblocs``: the command line."""

import sys

from aiblocs.cli import main

sys.exit(main())
