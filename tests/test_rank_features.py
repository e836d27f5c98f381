"""The ranker's construct-agreement features (``rank.features``): the compute construct a
pragma belongs to (``kernels loop`` and ``kernels`` are one construct; a ``loop`` belongs to
the region around it), and the share of the nearest loops whose pragma belongs to the same
construct as a candidate — real analysis, retrieval and candidates, no model."""

from __future__ import annotations

from accellium.dataset.prompt import Example
from accellium.server.engines.base import LoopQuery
from accellium.server.engines.rank.candidates import context, generate
from accellium.server.engines.rank.features import NAMES, construct, matrix, query_stats
from accellium.server.engines.retrieval import RetrievalEngine
from accellium.server.engines.style import features

LOOP = "for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];"


def test_construct_of_a_pragma():
    assert construct("kernels loop", ()) == construct("kernels", ()) == "kernels"
    assert construct("parallel loop", ()) == construct("parallel", ()) == "parallel"
    assert construct("serial loop", ()) == "serial"
    assert construct("loop", ("#pragma acc kernels copy(y[0:n])",)) == "kernels"
    assert construct("loop", ("#pragma acc data copy(y[0:n])", "#pragma acc parallel")) \
        == "parallel"
    assert construct("loop", ()) == construct("loop", None) == "none"  # orphaned
    assert construct("data", ()) == "none"


def test_kernels_examples_agree_with_a_kernels_loop_candidate():
    # the project writes `kernels` around its loops and a `loop` inside a `kernels` region:
    # a `kernels loop` candidate belongs to the construct all of them use, `parallel loop`
    # to none of theirs
    exs = (
        Example("#pragma acc kernels", "for (int j = 0; j < n; j++) z[j] = a * w[j] + z[j];",
                (), True),
        Example("#pragma acc loop", "for (int j = 0; j < n; j++) z[j] = a * x[j];",
                ("#pragma acc kernels",), True),
    )
    q = LoopQuery(LOOP, "c", (), exs)
    qf = q.facts()
    retrieval = RetrievalEngine([])
    ctx = context(q, qf, features((), qf), retrieval.neighbours(q, k=6))
    cands = generate(ctx, retrieval.facts, None)
    x = matrix(cands, ctx, query_stats(ctx, None), None)
    col = NAMES.index("a_ws_construct")
    by_dir = {c.pragma.directive: x[i, col] for i, c in enumerate(cands)}
    assert by_dir.get("kernels") == 1.0
    assert by_dir.get("parallel loop") == 0.0
    # without known pairs the nearest-pair share is 0 for every candidate
    assert (x[:, NAMES.index("a_nb_construct")] == 0).all()
