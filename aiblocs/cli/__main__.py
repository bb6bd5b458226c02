"""``python -m aiblocs.cli``: the command line."""

import sys

from aiblocs.cli import main

sys.exit(main())
