"""``python -m symbackprop.emit [DIR]``: regenerate the committed documents (default: derivations/)."""

import sys

from .regenerate import main

sys.exit(main())
