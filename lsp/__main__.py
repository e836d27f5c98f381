"""``python -m accellium.lsp``: start the accellium language server on stdio."""

import sys

from accellium.lsp.cli import main

if __name__ == "__main__":
    sys.exit(main())
