"""accellium: editor-integrated OpenACC pragma suggestions for C/C++ loops.

The product's parts keep their own top-level folders in the source tree (``dataset/``,
``server/``, ``lsp/``, ``evaluation/``, ``training/``) and are installed as sub-packages of this
one namespace (``accellium.dataset``, ``accellium.server``, ...; see ``pyproject.toml``), so
that PyPI's ``dataset`` package or a project's own ``server/`` or ``lsp/`` never shadows them.
"""

from __future__ import annotations

import os as _os

__version__ = "0.1.0"

# In a source checkout the parts are siblings of this folder, not children: let the package
# find them there. (An installed wheel has them inside this folder and needs nothing.)
_here = _os.path.dirname(_os.path.abspath(__file__))
_root = _os.path.dirname(_here)
if not _os.path.isdir(_os.path.join(_here, "dataset")) and _os.path.isfile(
        _os.path.join(_root, "dataset", "pragma.py")):
    __path__.append(_root)
