"""Licence of a repository from its root LICENSE/COPYING files (a few telling phrases each).

Returns an SPDX-like label (``MIT``, ``BSD-3-Clause``, ``Apache-2.0``, ``GPL-3.0``, ...), a
project-specific one (``Tinker9-Academic``), ``other`` for a licence file nobody recognises,
or ``none`` when the repository has no licence file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["detect_license", "license_allowed", "license_label", "LICENSE_ORDER"]

# (label, patterns that must all match), most specific first.
_RULES: list[tuple[str, list[str]]] = [
    ("Tinker9-Academic", [r"tinker", r"academic"]),
    ("GLWT", [r"good luck with that"]),
    ("AGPL-3.0", [r"^.{0,400}gnu affero general public license"]),
    ("LGPL-3.0", [r"^.{0,400}gnu lesser general public license", r"version 3"]),
    ("LGPL-2.1", [r"^.{0,400}gnu (lesser|library) general public license", r"version 2"]),
    ("GPL-3.0", [r"gnu general public license", r"version 3"]),
    ("GPL-2.0", [r"gnu general public license", r"version 2"]),
    ("Apache-2.0", [r"apache license", r"version 2\.0"]),
    ("MPL-2.0", [r"mozilla public license", r"2\.0"]),
    ("CC-BY-SA-4.0", [r"(creative commons )?attribution[- ]sharealike 4\.0|cc[- ]by[- ]sa[- ]4"]),
    ("CC-BY-NC-4.0", [r"attribution[- ]noncommercial 4\.0|cc[- ]by[- ]nc[- ]4"]),
    ("CC-BY-4.0", [r"(creative commons )?attribution 4\.0|cc[- ]by[- ]4"]),
    ("CC0-1.0", [r"cc0|creative commons zero|no copyright"]),
    ("Unlicense", [r"this is free and unencumbered software"]),
    ("BSL-1.0", [r"boost software license"]),
    ("BSD-3-Clause", [r"redistribution and use in source and binary forms",
                      r"(neither the name|names of (its|the) contributors|endorse or promote)"]),
    ("BSD-2-Clause", [r"redistribution and use in source and binary forms"]),
    ("MIT", [r"permission is hereby granted, free of charge"]),
    ("ISC", [r"permission to use, copy, modify, and/or distribute this software"]),
]
_COMPILED = [(label, [re.compile(p) for p in pats]) for label, pats in _RULES]
LICENSE_ORDER = [label for label, _ in _RULES] + ["other", "none"]
_PREFERRED = re.compile(r"^(licen[cs]e|copying)(\.(md|txt|rst))?$", re.I)


def _classify(text: str) -> str | None:
    t = re.sub(r"\s+", " ", text.lower())
    # An SPDX identifier line decides at once.
    m = re.search(r"spdx-license-identifier:\s*([\w.+-]+)", t)
    if m:
        for label, _ in _RULES:
            if label.lower() == m.group(1).rstrip(".").lower():
                return label
    for label, pats in _COMPILED:
        if all(p.search(t) for p in pats):
            return label
    return None


def detect_license(files: dict[str, bytes]) -> str:
    """``files`` maps root file names (LICENSE, COPYING, LICENSE.md, ...) to their bytes."""
    if not files:
        return "none"
    names = sorted(files, key=lambda n: (not _PREFERRED.match(n), n.lower()))
    for name in names:
        label = _classify(files[name][:200_000].decode("utf-8", "replace"))
        if label:
            return label
    return "other"


def license_label(value: object) -> str:
    """A licence column of a code corpus as a label: a string as is (``none`` when empty), a
    list of SPDX identifiers (The Stack v2's ``detected_licenses``) joined with ``AND`` in
    sorted order, since the terms of every licence found in a file apply to it."""
    if value is None:
        return "none"
    if isinstance(value, str):
        return value.strip() or "none"
    if isinstance(value, list | tuple):
        parts = sorted({str(v).strip() for v in value if v is not None and str(v).strip()})
        return " AND ".join(parts) if parts else "none"
    return str(value)


def license_allowed(label: str, allow: Sequence[str] | None) -> bool:
    """Is a licence label in the allow-list (case-insensitive)? ``None`` allows everything.
    A label ``A AND B`` is allowed when each of its parts is, since all their terms apply."""
    if allow is None:
        return True
    ok = {a.strip().lower() for a in allow}
    return label.lower() in ok or all(p.strip().lower() in ok for p in label.split(" AND "))
