"""``python -m accellium``: the ``accellium`` command line."""

import sys

from accellium.cli import main

if __name__ == "__main__":
    sys.exit(main())
