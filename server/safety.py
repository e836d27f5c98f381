"""The safety guard: no pragma that asserts parallelism on a loop whose dependence we can see.

:func:`guard` runs on every answer of every engine (``server.suggest``).  When the analysis
(:func:`server.engines.analysis.analyze`) sees a carried dependence or an early exit and the
pragma asserts that the iterations are independent (``parallel loop``, ``loop`` without
``seq``/``auto``, ``independent``, ``gang``/``worker``/``vector``), the pragma is rewritten:

* inside a compute region (or under an annotated loop): ``#pragma acc loop seq`` (keeping
  ``private``);
* otherwise: ``#pragma acc kernels`` (keeping the data clauses): the compiler parallelises
  only what it can prove independent, so the loop itself stays sequential while inner loops
  may still run in parallel, and the data stays on the device;
* ``kernels`` / ``kernels loop`` without ``independent``, a ``loop`` inside a ``kernels``
  construct without ``independent`` (OpenACC treats both as ``auto``) and ``loop auto`` leave
  the decision to the compiler: kept, with a note.

A scratch array that every iteration writes before it reads it (``LoopFacts.private_arrays``)
is safe only when each iteration has its own copy: a parallel pragma that does not name it in
``private`` gets it added.

It never raises: on any internal failure the pragma is returned unchanged with a note.
"""

from __future__ import annotations

from accellium.server.engines.base import LoopQuery

__all__ = ["guard", "asserts_parallel", "missing_private"]

_PARALLEL_LEVELS = ("gang", "worker", "vector", "independent")
# A sequential loop needs no reduction clause: one thread accumulates in order.
_KEEP_ON_SEQ = ("private", "firstprivate")


def asserts_parallel(pragma, compute: str = "none") -> bool:  # noqa: ANN001 - a Pragma
    """True when the pragma claims the loop's iterations may run concurrently.

    ``compute`` is the innermost enclosing compute construct
    (:func:`server.engines.analysis.compute_construct`): in a ``kernels`` construct — and
    on ``kernels loop`` — a loop without ``independent`` or ``seq`` is treated as ``auto``
    (OpenACC 3.3, 2.9.7): the compiler parallelises it only if it proves it independent."""
    d = pragma.directive
    if pragma.has("seq"):
        return False
    if pragma.has("independent"):
        return True
    if d == "kernels loop" or (d == "loop" and compute == "kernels"):
        return False
    if any(pragma.has(x) for x in _PARALLEL_LEVELS):
        return True
    if pragma.has("auto"):
        return False
    return d in ("parallel loop", "loop")


def missing_private(pragma, facts, compute: str = "none") -> list[str]:  # noqa: ANN001
    """The loop's scratch arrays (``facts``: its LoopFacts) a parallel ``pragma`` shares
    between iterations (not named in ``private``/``firstprivate``/``reduction``)."""
    if not facts.private_arrays or not asserts_parallel(pragma, compute):
        return []
    named = {v for c in pragma.clauses
             if c.name.lower() in ("private", "firstprivate", "reduction")
             for v in c.variables()}
    return [a for a in facts.private_arrays if a not in named]


def _with_private(pragma, names: list[str]):  # noqa: ANN001, ANN202
    from accellium.dataset.pragma import Clause, Pragma

    out, done = [], False
    for c in pragma.clauses:
        if c.name.lower() == "private" and not done:
            c = Clause(c.name, ", ".join(([c.args] if c.args else []) + names))
            done = True
        out.append(c)
    if not done:
        out.append(Clause("private", ", ".join(names)))
    return Pragma(pragma.directive, tuple(out))


def _compiler_decides(pragma, compute: str = "none") -> bool:  # noqa: ANN001
    return (pragma.directive in ("kernels", "kernels loop") or pragma.has("auto")
            or (pragma.directive == "loop" and compute == "kernels"))


def guard(query: LoopQuery, pragma_text: str | None) -> tuple[str | None, list[str]]:
    """Check ``pragma_text`` against the loop's visible dependences; return the (possibly
    rewritten) pragma and notes saying why."""
    if pragma_text is None:
        return None, []
    try:
        return _guard(query, pragma_text)
    except Exception as e:  # noqa: BLE001 - the guard must never take the server down
        return pragma_text, [f"safety check skipped ({type(e).__name__})"]


def _guard(query: LoopQuery, pragma_text: str) -> tuple[str | None, list[str]]:
    from accellium.dataset.pragma import DIRECTIVES, Clause, Pragma, PragmaError, parse
    from accellium.server.engines.analysis import analyze, compute_construct, enclosing_context

    if not isinstance(pragma_text, str):
        return None, ["the answer is not text"]
    try:
        p = parse(pragma_text)
    except PragmaError:
        return pragma_text, []
    code = query.stripped if isinstance(query.code, str) else ""
    enclosing = tuple(e for e in (query.enclosing or ()) if isinstance(e, str))
    facts = analyze(code, query.lang if isinstance(query.lang, str) else "c", enclosing)
    if not facts.parsed:
        return pragma_text, []
    compute = compute_construct(enclosing)
    if facts.safe:
        missing = missing_private(p, facts, compute)
        if not missing or "private" not in DIRECTIVES.get(p.directive, ()):
            return pragma_text, []
        names = ", ".join(f"`{a}`" for a in missing)
        return _with_private(p, missing).render(), [
            f"{names}: scratch {'arrays' if len(missing) > 1 else 'array'} of each iteration; "
            f"`private` added so that iterations do not share {'them' if len(missing) > 1 else 'it'}"]
    reasons = [d.message for d in facts.carried[:2]] + [
        f"early exit: {e}" for e in facts.early_exits[:1]]
    why = "; ".join(reasons)
    if not asserts_parallel(p, compute):
        if _compiler_decides(p, compute):
            return pragma_text, [f"{why}; `{p.directive}` leaves it to the compiler, which "
                                 "should keep the loop sequential"]
        return pragma_text, []
    in_region, _, _ = enclosing_context(enclosing)
    if p.directive == "loop" or in_region:
        kept = tuple(c for c in p.clauses if c.name.lower() in _KEEP_ON_SEQ)
        safe = Pragma("loop", (Clause("seq"),) + kept).render()
        return safe, [f"{why}: `{p.render()}` would run it in parallel; using `loop seq`"]
    allowed = DIRECTIVES["kernels"]
    kept = tuple(Clause(c.name, c.args) for c in p.clauses
                 if c.name.lower() in allowed and c.name.lower() not in ("num_gangs",
                                                                         "num_workers",
                                                                         "vector_length"))
    safe = Pragma("kernels", kept).render()
    return safe, [f"{why}: `{p.render()}` would run it in parallel; using `kernels`, which "
                  "leaves the loop sequential unless the compiler proves otherwise"]
