"""Whether an answer's directive can be a loop's pragma at all.

A loop's pragma is the directive on the line above its ``for``: a loop construct (``loop``,
``parallel loop``, ...) or a compute construct, which take the loop as what they run; or a
``data`` construct, which takes it as a region.  An engine (a model, another loop's pragma
retrieved) may answer something else:

* a directive that owns no statement (:data:`~accellium.dataset.pragma_tables.
  STANDALONE_DIRECTIVES`): ``update``, ``enter data``, ``exit data``, ``wait``, ``init``,
  ``shutdown``, ``set`` run once, before the loop, and say nothing about it (``update`` and
  ``exit data`` of data nothing put on the device fail at run time, OpenACC 3.3, 2.14.4,
  2.6.6); ``atomic`` must be followed by an expression statement (2.12), ``cache`` stands at
  the top of a loop's body (2.10), ``routine`` and ``declare`` are declarations (2.15.1,
  2.13) — gcc rejects each above a ``for``;
* ``host_data``: inside it the names of ``use_device`` hold device addresses in host code
  (2.8), which the loop, run on the host, would dereference (and a name not on the device is
  a run-time error);
* ``data`` over a loop that holds no compute construct and calls no function that might: the
  loop runs on the host inside the region, and the region's exit copies the device's
  unchanged copy over what the loop wrote (``copy``/``copyout``, 2.7) — it moves data for
  nothing at best.
"""

from __future__ import annotations

from accellium.dataset.analysis.facts import LoopFacts
from accellium.dataset.offload.routines import has_compute_line
from accellium.dataset.pragma import Pragma
from accellium.dataset.pragma_tables import STANDALONE_DIRECTIVES

__all__ = ["not_for_a_loop"]

_WHY = {
    "atomic": "it must be followed by an expression statement (OpenACC 3.3, 2.12)",
    "cache": "it stands at the top of a loop's body (OpenACC 3.3, 2.10)",
    "routine": "it declares a function for the device (OpenACC 3.3, 2.15.1)",
    "declare": "it is a declaration (OpenACC 3.3, 2.13)",
}


def not_for_a_loop(p: Pragma, facts: LoopFacts, code: str) -> str | None:
    """Why ``p`` cannot be the loop's pragma (the module doc), or None."""
    d = p.directive
    if d in STANDALONE_DIRECTIVES:
        why = _WHY.get(d, "it runs once, before the loop, and says nothing about how the loop "
                          "runs")
        return (f"`#pragma acc {d}` owns no statement: {why}; it is no pragma for a loop — "
                "no pragma")
    if d == "host_data":
        return ("`host_data` makes the names of `use_device` hold device addresses in the host "
                "code inside it (OpenACC 3.3, 2.8), and the loop runs on the host: it would "
                "dereference them; no pragma")
    if d == "data" and facts.parsed and not facts.calls and \
            not has_compute_line(code.encode("utf-8", "surrogateescape")):
        return ("a `data` construct around a loop that runs on the host (it holds no compute "
                "construct and calls no function that might): the loop reads and writes the "
                "host's copies, and the region's exit copies the device's over them (OpenACC "
                "3.3, 2.6.5, 2.7); no pragma — offload the loop itself, or the loops inside it")
    return None
