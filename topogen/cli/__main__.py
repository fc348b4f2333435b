"""``python -m topogen.cli``: the ``topogen`` command."""

import sys

from . import main

sys.exit(main())
