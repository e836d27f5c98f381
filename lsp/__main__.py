"""``python -m lsp``: start the accellium language server on stdio."""

import sys

from lsp.cli import main

if __name__ == "__main__":
    sys.exit(main())
