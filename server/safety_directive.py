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
  nothing at best;
* inside a compute construct, a compute construct (``parallel``, ``kernels``, ``serial``,
  alone or combined with ``loop``) or a ``data`` construct: gcc rejects each there ("'kernels'
  construct inside of 'kernels' region", "OpenACC construct inside of non-OpenACC region"),
  and what shares a loop out within the enclosing construct is a ``loop`` directive (2.9);
  :func:`in_compute_region` makes the construct that ``loop``.
"""

from __future__ import annotations

from accellium.dataset.analysis.facts import LoopFacts
from accellium.dataset.offload.routines import has_compute_line
from accellium.dataset.pragma import Clause, Pragma
from accellium.dataset.pragma_tables import COMPUTE_DIRECTIVES, DIRECTIVES, STANDALONE_DIRECTIVES

__all__ = ["not_for_a_loop", "in_compute_region"]

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


def orphaned_loop(p: Pragma, facts: LoopFacts, compute: str) -> tuple[Pragma, list[str]]:
    """A ``loop`` directive with no compute construct around it, in a function of a known
    file that is no ``acc routine``: OpenACC binds an orphaned ``loop`` to the construct its
    routine is called from (OpenACC 3.3, 2.9, 2.15.1), and a function that is not one has
    none — gcc rejects it ("OpenACC loop directive must be associated with an OpenACC compute
    region").  It becomes the combined construct that runs it, with the clauses that takes:
    ``serial loop`` for ``loop seq`` (run once), ``parallel loop`` otherwise; the guard
    then judges that as any other answer.  Without a file (a loop alone) the function may be
    a routine declared elsewhere: kept."""
    if p.directive != "loop" or compute != "none" or not facts.scoped or facts.in_routine or \
            facts.in_region:
        return p, []
    seq = p.has("seq")
    d = "serial loop" if seq else "parallel loop"
    allowed = DIRECTIVES[d]
    out = Pragma(d, tuple(c for c in p.clauses if c.name.lower() in allowed
                          and not (seq and c.name.lower() == "seq")))
    return out, [f"`loop` outside any compute construct, in a function that is not an `acc "
                 "routine`, binds to no construct (OpenACC 3.3, 2.9; gcc: \"OpenACC loop "
                 "directive must be associated with an OpenACC compute region\"); using "
                 f"`{out.render().removeprefix('#pragma acc ')}`"]


def in_compute_region(p: Pragma, compute: str) -> tuple[Pragma, list[str]]:
    """``p`` as it may stand on a loop inside the ``compute`` construct (``parallel``,
    ``kernels``, ``serial``; ``none`` outside one), and the note on what changed (none:
    nothing did).  A compute or ``data`` construct becomes ``loop`` with the clauses a ``loop``
    takes (a ``serial`` one ``loop seq``: it ran the loop once), its data clauses left to the
    enclosing construct (the module doc); the guard then judges that ``loop`` as any other."""
    d = p.directive
    if compute == "none" or (d not in COMPUTE_DIRECTIVES and d != "data"):
        return p, []
    allowed = DIRECTIVES["loop"]
    kept = tuple(c for c in p.clauses if c.name.lower() in allowed)
    if d.split()[0] == "serial":
        kept = (Clause("seq"),) + tuple(c for c in kept if c.name.lower() in ("private",
                                                                             "collapse"))
    out = Pragma("loop", kept)
    gcc = ("OpenACC construct inside of non-OpenACC region" if d == "data" else
           f"'{d.split()[0]}' construct inside of '{compute}' region")
    how = "runs the loop once" if out.has("seq") else "shares the loop out"
    return out, [f"`{d}` inside the enclosing `{compute}` construct does not compile (gcc: "
                 f"\"{gcc}\"); using `{out.render().removeprefix('#pragma acc ')}`, which "
                 f"{how} within it (OpenACC 3.3, 2.9; its data are the enclosing construct's)"]
