"""What the build passes the compiler for a document (its ``-D``/``-U`` and its ``-I``
folders), from two places, in this order (the last word for a name counts, as for gcc):

* the document's entry in the nearest ``compile_commands.json``, read by
  :mod:`accellium.dataset.build_flags` (the one reading, shared with ``accellium suggest``):
  in the document's folder or a folder above it inside the workspace folder, or in a
  ``build/`` folder there; its command line is whole unless it reads macros from elsewhere;
  its ``-I`` folders are read only inside the workspace folders (the ``includePaths``
  setting can name others);
* the ``defines`` (``NAME`` or ``NAME=VALUE``, as ``gcc -D``) and ``undefines`` settings; with no
  entry, ``definesComplete`` says whether they are the whole command line.

Kept cheap: each database is parsed once per version of the file (one ``stat`` a query).
Here: the flags as an HTTP request's ``command_line``.
"""

from __future__ import annotations

from accellium.dataset.build_flags import (
    DATABASE,
    MAX_DATABASE_BYTES,
    BuildFlags,
    CompileCommands,
)

__all__ = ["BuildFlags", "CompileCommands", "command_line_json", "DATABASE",
           "MAX_DATABASE_BYTES"]


def command_line_json(flags: BuildFlags, lang: str) -> dict | None:
    """``flags`` as the ``command_line`` of an HTTP request (docs/server.md): what each name
    ends up as (defined as which macro, or undefined) and whether the command line is whole
    (None: nothing known, or more than a request takes)."""
    from accellium.dataset.analysis.conditions import command_line
    from accellium.server.api_models import MAX_DEFINE_CHARS, MAX_DEFINES

    if not flags.words and not flags.complete:
        return None
    d = command_line(flags.words, flags.complete, lang)[0]
    defines: dict[str, str] = {}
    undefines: list[str] = []
    for name, m in d.known.items():
        if m is None:
            undefines.append(name)
        elif m.params is None:
            defines[name] = m.body
        else:
            params = ",".join([*m.params, *(("...",) if m.variadic else ())])
            defines[f"{name}({params})"] = m.body
    if len(defines) > MAX_DEFINES or len(undefines) > MAX_DEFINES or any(
            len(k) + len(v) > MAX_DEFINE_CHARS for k, v in defines.items()):
        return None
    return {"defines": defines, "undefines": undefines, "complete": d.complete}
