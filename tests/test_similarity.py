from accellium.dataset.similarity import (
    Index,
    abstract_tokens,
    features,
    nearest,
    rank,
    similarity,
    tokens,
)

SAXPY = "for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];"
SAXPY2 = "for (int k = 0; k < m; ++k) { z[k] = b * w[k] + z[k]; }"
SUM = "for (int i = 0; i < n; i++) { s += a[i] * b[i]; }"
NEST = """for (int i = 0; i < n; i++)
  for (int j = 0; j < m; j++)
    c[i][j] = a[i][j] + b[i][j];"""


def test_tokens_drop_comments_and_pragmas():
    code = "for (i = 0; i < n; i++) { // note\n#pragma acc loop\n a[i] = \"x y\"; /* c */ }"
    t = tokens(code)
    assert "note" not in t and "pragma" not in t and "c" not in t
    assert t[:3] == ["for", "(", "i"]
    assert "x" not in t and "y" not in t


def test_abstract_tokens_index_roles():
    a = abstract_tokens("for (int i = 0; i < n; i++) s += sqrt(a[i]);")
    assert "I0" in a and "i" not in a
    assert "sqrt()" in a
    assert "ID" in a


def test_similarity_prefers_same_shape():
    assert similarity(SAXPY, SAXPY) > 0.999
    assert similarity(SAXPY, SAXPY2) > similarity(SAXPY, NEST)
    assert 0.0 <= similarity(SAXPY, "") <= 1.0
    assert similarity("", "") == 0.0


def test_nearest_orders_and_keys():
    pool = [NEST, SUM, SAXPY2]
    assert nearest(SAXPY, pool, k=1, key=lambda s: s) == [SAXPY2]
    assert nearest(SAXPY, pool, k=8, key=lambda s: s)[0] == SAXPY2
    assert len(nearest(SAXPY, pool, k=2, key=lambda s: s)) == 2
    assert nearest(SAXPY, [], k=3) == []

    class Ex:
        def __init__(self, loop):
            self.loop = loop

    exs = [Ex(NEST), Ex(SAXPY2)]
    assert nearest(SAXPY, exs)[0].loop == SAXPY2


def test_index_matches_rank_and_mask():
    pool = [NEST, SUM, SAXPY2, SAXPY]
    idx = Index(pool, key=lambda s: s)
    s1 = idx.scores(SAXPY)
    s2 = rank(SAXPY, pool)
    assert abs(s1 - s2).max() < 1e-9
    assert idx.nearest(SAXPY, 1) == [SAXPY]
    assert idx.query(SAXPY, 2, mask=[True, True, True, False])[0][0] == 2
    assert idx.query(SAXPY, 0) == []


def test_features_never_crash():
    for code in ["", "}}}", "for(", "\x00\xff", "#pragma acc loop", "a" * 10000]:
        assert isinstance(features(code), dict)
        assert 0.0 <= similarity(code, SAXPY) <= 1.0


def test_large_index_agrees_with_rank():
    """A pool of thousands (speed is measured by ``accellium bench suggest``, not here)."""
    pool = [SAXPY.replace("a *", f"a{i} *").replace("n;", f"n{i % 37};") for i in range(3000)]
    idx = Index(pool, key=lambda s: s)
    for q in (SUM, SAXPY, NEST):
        assert abs(idx.scores(q) - rank(q, pool)).max() < 1e-9
    assert len(idx.query(SUM, 8)) == 8


def test_index_on_a_large_pool():
    """3,000 near-identical loops: the query returns k distinct positions, best first (speed
    is measured by ``accellium bench``, not here)."""
    pool = [SAXPY.replace("a *", f"a{i} *").replace("n;", f"n{i % 37};") for i in range(3000)]
    idx = Index(pool, key=lambda s: s)
    got = idx.query(SAXPY, 8)
    assert len(got) == 8 and len({pos for pos, _ in got}) == 8
    scores = [score for _, score in got]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 < score <= 1.0 for score in scores)
