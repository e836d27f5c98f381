"""accellium language server: OpenACC pragma quick fixes for C/C++ ``for`` loops (pygls 2)."""

__version__ = "0.1.0"
