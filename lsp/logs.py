"""The server's log: stderr (never stdout, the LSP channel) and an optional log file, with no
document text and no secrets unless the user opts in.

* Document text stays out of the log by default.  pygls logs whole messages at INFO/DEBUG
  (``Sending data: ...``, the ``initialize`` parameters) and message parameters when a handler
  fails (``didOpen`` carries the whole file): its records keep their format string, and
  arguments that are not short one-line strings become ``<dict>``/``<N chars>``.  Exceptions
  are logged with their type and stack, not their message (which may quote code).  Our own
  records that may hold code pass it through :func:`text`.  ``logDocumentText: true`` (an
  explicit setting, off by default) lifts all of this for debugging.
* The backend token is replaced by ``***`` wherever it would appear, opt-in or not.
* A log file is opened for appending, created ``0600``, and refused if it is not a regular
  file (a FIFO, a device) or is a symbolic link.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import sys
import traceback
from typing import Any

__all__ = ["LogControl", "text", "open_log_file"]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_TOKEN_FIELD = re.compile(r"""(backendToken['"]?\s*[:=]\s*)(['"])(?:(?!\2).)*\2""")
_state: dict[str, Any] = {"text": False, "secrets": ()}


def text(s: object) -> str:
    """``s`` for the log when document text may be logged, else its size."""
    s = str(s)
    return s if _state["text"] else f"<{len(s)} chars>"


def _short(arg: object) -> object:
    if isinstance(arg, int | float | bool) or arg is None:
        return arg
    if isinstance(arg, str) and len(arg) <= 80 and "\n" not in arg:
        return arg
    if isinstance(arg, str | bytes):
        return f"<{len(arg)} chars>"
    return f"<{type(arg).__name__}>"


def _redact(s: str) -> str:
    s = _TOKEN_FIELD.sub(r"\1\2***\2", s)
    for secret in _state["secrets"]:
        s = s.replace(secret, "***")
    return s


class _Guard(logging.Filter):
    """Shortens pygls's arguments (unless document text may be logged) and hides secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _state["text"] and record.name.startswith("pygls") and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_short(a) for a in args)
        if _state["secrets"] or "backendToken" in str(record.msg):
            record.msg = _redact(record.getMessage())
            record.args = ()
        return True


class _Formatter(logging.Formatter):
    def formatException(self, ei) -> str:
        if _state["text"]:
            return _redact(super().formatException(ei))
        te = traceback.TracebackException(*ei)
        lines = ["Traceback (most recent call last):\n", *te.stack.format(),
                 f"{te.exc_type.__qualname__ if te.exc_type else 'Exception'}: "
                 "<message not logged; logDocumentText shows it>\n"]
        return "".join(lines).rstrip("\n")

    def format(self, record: logging.LogRecord) -> str:
        return _redact(super().format(record))


def open_log_file(path: str) -> logging.Handler:
    """A handler appending to ``path``: a regular file (created 0600), not a symbolic link."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | \
        getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        os.set_blocking(fd, True)
        stream = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
    except BaseException:
        os.close(fd)
        raise
    return _FileHandler(stream)


class _FileHandler(logging.StreamHandler):
    def close(self) -> None:
        try:
            self.stream.close()
        finally:
            super().close()


class LogControl:
    """The root logger's handlers: stderr, and at most one file."""

    def __init__(self) -> None:
        self.file_handler: logging.Handler | None = None
        self.file_path: str | None = None

    def setup(self, verbose: int = 0, log_file: str | None = None) -> None:
        level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose or log_file else \
            logging.WARNING
        root = logging.getLogger()
        root.setLevel(level)
        if not any(getattr(h, "_accellium", False) for h in root.handlers):
            h = logging.StreamHandler(sys.stderr)  # stdout is the LSP channel
            self._dress(h, logging.WARNING if not verbose else level)
            root.addHandler(h)
        self.allow_text(False)
        if log_file:
            self.set_file(log_file)

    def _dress(self, h: logging.Handler, level: int = logging.NOTSET) -> None:
        h.setFormatter(_Formatter(FORMAT))
        h.addFilter(_Guard())
        h.setLevel(level)
        h._accellium = True  # type: ignore[attr-defined]

    def set_file(self, path: str | None) -> None:
        """Log to ``path`` as well (None: stop); raises OSError when it cannot be used."""
        root = logging.getLogger()
        if self.file_handler is not None:
            root.removeHandler(self.file_handler)
            self.file_handler.close()
            self.file_handler, self.file_path = None, None
        if path:
            h = open_log_file(path)
            self._dress(h)
            root.addHandler(h)
            if root.level > logging.INFO or root.level == logging.NOTSET:
                root.setLevel(logging.INFO)
            self.file_handler, self.file_path = h, path

    @staticmethod
    def allow_text(on: bool) -> None:
        """Document text in the log (``logDocumentText``); pygls's loggers (which log whole
        messages at INFO/DEBUG) only show warnings unless it is on."""
        _state["text"] = bool(on)
        logging.getLogger("pygls").setLevel(logging.NOTSET if on else logging.WARNING)

    @staticmethod
    def secrets(*values: str | None) -> None:
        _state["secrets"] = tuple(v for v in values if v)
