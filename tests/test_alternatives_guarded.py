"""The ranked alternatives pass the safety guard as the answer does (``server.suggest.
_guarded_alternatives``).  An editor offers each as a quick fix of its own, but before, only the
answer was guarded: the candidates are corrected by the analysis's facts (``rank.candidates.
finish``), and a loop the analysis finds independent skipped the guard's other rules — so for a
loop whose header is not canonical (gcc rejects a loop directive there) or whose body changes
its index (the iterations race, ``tests/test_loop_body_changes.py``) the answer was rightly
none while the alternatives offered ``parallel loop``.  Now a rejected alternative is dropped,
a corrected one kept corrected, a repeat of the answer dropped."""

from __future__ import annotations

import pytest

from accellium.dataset.pragma import parse_valid
from accellium.server.engines import get_engine
from accellium.server.engines.base import LoopQuery
from accellium.server.safety import check
from accellium.server.suggest import suggest
from tests.test_retrieval import TRAIN

REGION = ("#pragma acc data copyin(a[0:n]) copy(b[0:n])",)
NOT_CANONICAL = [
    "for (int i = 0; i != n; i++)\n    b[i] = a[i] * 2.0;\n",
    "for (int i = 0; i < n; i++) {\n    if (a[i] < 0) i++;\n    b[i] = a[i];\n}\n",
]


def _loop_directive(pragma: str) -> bool:
    return "loop" in parse_valid(pragma).directive.split()


@pytest.mark.parametrize("enclosing", [REGION, ()], ids=["region", "alone"])
@pytest.mark.parametrize("code", NOT_CANONICAL, ids=["header", "body"])
def test_no_alternative_the_guard_rejects(code, enclosing):
    eng = get_engine("auto", train=TRAIN)
    q = LoopQuery(code, enclosing=enclosing)
    raw = [str(p) for p in eng.suggest(q).alternatives]
    # the engine's own ranking offers loop directives here (what the editor used to show)
    assert any(_loop_directive(p) for p in raw), raw
    got = suggest(q, eng)
    assert got.pragma is None
    assert not any(_loop_directive(p) for p in got.alternatives), got.alternatives


def test_alternatives_are_guarded_distinct_and_ranked():
    eng = get_engine("auto", train=TRAIN)
    for code in ("for (int i = 0; i < n; i++)\n    y[i] = a * x[i] + y[i];\n",
                 "for (int k = 0; k < len; k++) { if (u[k] > best) best = u[k]; }\n",
                 "for (int i = 1; i < n; i++)\n    x[i] = x[i - 1] + a[i];\n"):
        for enclosing in ((), ("#pragma acc parallel",)):
            q = LoopQuery(code, enclosing=enclosing)
            got = suggest(q, eng)
            assert got.pragma not in got.alternatives
            assert len(set(got.alternatives)) == len(got.alternatives)
            for alt in got.alternatives:  # each is what the guard lets through unchanged
                out, _ = check(q, parse_valid(alt))
                assert out is not None and out.render() == alt, (alt, out)
