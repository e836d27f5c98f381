"""Code-aware similarity of C/C++ loops (the one implementation).

Used by the retrieval engine (nearest training / workspace loops), by the evaluation's
``--workspace loo`` (the nearest same-project examples) and by the language server's workspace
index.

A loop is turned into a sparse feature vector:

* ``tokens(code)``: the C/C++ tokens with comments, ``#pragma`` lines and string contents
  removed;
* shape n-grams over an *abstracted* token stream, where loop index variables become ``I0``,
  ``I1``, ... (by nesting order), other identifiers ``ID`` (called functions and keywords keep
  their names), numbers ``N`` (``0``, ``1`` and ``2`` are kept);
* identifier unigrams (``=name``), which make loops of the same project that use the same
  arrays close;
* a few structural facts (nest depth, compound assignments, ``if``/``break``/calls).

Similarity is the cosine of TF-IDF weighted vectors (sublinear tf).  :class:`Index` holds a
pool with an inverted index over numpy arrays: building 3,351 loops takes well under 2 s and a
query about a millisecond.  :func:`nearest` is the convenience form for small ad-hoc pools
(feature extraction is cached by code text).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Generic, TypeVar

import numpy as np

__all__ = ["tokens", "abstract_tokens", "features", "similarity", "nearest", "rank", "Index"]

T = TypeVar("T")

_TOKEN_RE = re.compile(
    r"""
    [A-Za-z_]\w*                                   # identifier / keyword
  | (?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)[uUlLfF]*  # number
  | ->|\+\+|--|<<=|>>=|<=|>=|==|!=|&&|\|\||\+=|-=|\*=|/=|%=|&=|\|=|\^=|<<|>>|::
  | [^\s\w]                                        # any other punctuation
    """,
    re.VERBOSE,
)
_STRIP_RE = re.compile(
    r"//(?:[^\n\\]|\\.)*|/\*.*?\*/|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", re.DOTALL
)
_PP_LINE_RE = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.MULTILINE)
_FOR_INDEX_RE = re.compile(
    r"\bfor\s*\(\s*(?:(?:const|unsigned|signed|long|short|int|size_t|auto|register|"
    r"std::size_t|ptrdiff_t|int64_t|int32_t|uint64_t|uint32_t|[A-Za-z_]\w*_t)\s+)*"
    r"\**\s*([A-Za-z_]\w*)\s*[=:;]"
)

_KEYWORDS = frozenset(
    "for while do if else return break continue goto switch case default sizeof int long "
    "short char float double unsigned signed const static void auto struct union enum "
    "register volatile bool true false new delete this template typename class namespace "
    "size_t".split()
)



def _clean(code: str) -> str:
    def repl(m: re.Match[str]) -> str:
        s = m.group(0)
        if s.startswith(("//", "/*")):
            return " "
        return s[0] + s[-1]  # keep quotes, drop contents

    code = _STRIP_RE.sub(repl, code)
    return _PP_LINE_RE.sub(" ", code)


def tokens(code: str) -> list[str]:
    """C/C++ tokens of ``code`` (comments, preprocessor lines and string contents removed)."""
    if not isinstance(code, str):
        return []
    return _TOKEN_RE.findall(_clean(code))


def _head(code: str, limit: int = 3000) -> str:
    """The first ``limit`` characters of the cleaned code, cut at a line break."""
    code = _clean(code)
    if len(code) <= limit:
        return code
    cut = code.rfind("\n", 0, limit)
    return code[: cut if cut > limit // 2 else limit]


def _index_vars(code: str) -> list[str]:
    seen: list[str] = []
    for m in _FOR_INDEX_RE.finditer(code):
        v = m.group(1)
        if v not in seen and v not in _KEYWORDS:
            seen.append(v)
    return seen


_CLASS_CACHE: dict[str, str] = {}


def _classify(t: str) -> str:
    c = _CLASS_CACHE.get(t)
    if c is None:
        h = t[0]
        if h.isalpha() or h == "_":
            c = t if t in _KEYWORDS else "ID"
        elif h.isdigit() or (h == "." and len(t) > 1):
            c = t if t in {"0", "1", "2"} else "N"
        else:
            c = t
        if len(_CLASS_CACHE) < 200_000:
            _CLASS_CACHE[t] = c
    return c


def _abstract(toks: list[str]) -> list[str]:
    idx = {v: f"I{k}" for k, v in enumerate(_index_vars(" ".join(toks)))}
    out = [_classify(t) for t in toks]
    for k, t in enumerate(toks):
        if t in idx:
            out[k] = idx[t]
            if k and toks[k - 1] in ("++", "--") and (k < 2 or toks[k - 2] in (";", ",")):
                out[k - 1], out[k] = out[k], toks[k - 1]  # ++i and i++ alike in a header
        elif t == "(" and k and out[k - 1] == "ID":
            out[k - 1] = toks[k - 1] + "()"
    return [t for t in out if t not in ("{", "}")]  # braces are style, not shape


def abstract_tokens(code: str) -> list[str]:
    """Tokens with loop indices as ``I0, I1, ...``, other identifiers ``ID`` (keywords and
    called function names kept) and numbers ``N`` (0, 1, 2 kept)."""
    return _abstract(tokens(code))


_MARKERS = ("+=", "-=", "*=", "if", "break", "return", "?", "max", "min", "fmax", "fmin",
            "sqrt", "exp")


Feature = str  # "#..." structure, "=name" identifier, space-joined shape n-gram


@lru_cache(maxsize=65536)
def _features_cached(code: str) -> tuple[tuple[Feature, float], ...]:
    toks = _TOKEN_RE.findall(_head(code))
    if not toks:
        return ()
    abst = _abstract(toks)
    # Tokens never contain a space, so a space-joined n-gram is one unambiguous string key.
    uni = Counter(abst)
    bi = Counter(map(" ".join, zip(abst, abst[1:], strict=False)))
    tri = Counter(map(" ".join, zip(abst, abst[1:], abst[2:], strict=False)))
    ivars = set(_index_vars(" ".join(toks)))
    ids = Counter("=" + t for t in toks
                  if t not in _KEYWORDS and t not in ivars and (t[0].isalpha() or t[0] == "_"))
    log = math.log
    out: list[tuple[Feature, float]] = []
    for ctr in (uni, bi, tri, ids):  # every feature weighs 1 (+ log of its count)
        out.extend((f, 1.0 + log(v)) for f, v in ctr.items())
    depth = len(ivars)
    nfor = uni.get("for", 0)
    out.append((f"#depth{min(depth, 4)}", 1.0))
    out.append((f"#for{min(nfor, 5)}", 1.0))
    tokset = set(toks)
    out.extend(("#has" + m, 1.0) for m in _MARKERS if m in tokset)
    nstmt = uni.get(";", 0) - 2 * nfor
    out.append((f"#stmts{min(max(nstmt, 0), 12) // 2}", 1.0))
    return tuple(out)


def features(code: str) -> dict[Feature, float]:
    """The (unweighted by IDF) sparse feature vector of a loop."""
    if not isinstance(code, str):
        return {}
    return dict(_features_cached(code))


def _cos(a: dict[Feature, float], b: dict[Feature, float]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(f, 0.0) for f, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def similarity(a_code: str, b_code: str) -> float:
    """Cosine similarity in [0, 1] of two loops' feature vectors (no IDF: pool-independent)."""
    return max(0.0, min(1.0, _cos(features(a_code), features(b_code))))


def _default_key(x: Any) -> str:
    if isinstance(x, str):
        return x
    for attr in ("loop", "loop_stripped", "code"):
        v = getattr(x, attr, None)
        if isinstance(v, str):
            return v
    if isinstance(x, dict):
        for attr in ("loop_stripped", "loop", "code"):
            if isinstance(x.get(attr), str):
                return x[attr]
    return str(x)


class Index(Generic[T]):
    """A TF-IDF inverted index over a pool of loops.

    ``Index(items, key=lambda r: r.loop_stripped)``; ``query(code, k)`` returns
    ``[(position, score), ...]`` best first; ``nearest(code, k)`` the items themselves.
    ``mask`` (a boolean sequence or numpy array over the pool) restricts a query.
    ``vectors``: the items' feature vectors when the caller computed them already (in worker
    processes); :meth:`arrays` / :meth:`from_arrays` store and restore a built index as plain
    arrays and strings (no pickles).
    """

    def __init__(self, items: Sequence[T], key: Callable[[T], str] | None = None,
                 vectors: Sequence[tuple[tuple[Feature, float], ...]] | None = None):
        self.items: list[T] = list(items)
        self.key = key or _default_key
        vocab: dict[Feature, int] = {}
        fids: list[int] = []
        tfs: list[float] = []
        lens: list[int] = []
        for i, x in enumerate(self.items):
            if vectors is not None:
                v = vectors[i]
            else:
                code = self.key(x)
                v = _features_cached(code) if isinstance(code, str) else ()
            lens.append(len(v))
            for f, w in v:
                fid = vocab.get(f)
                if fid is None:
                    fid = vocab[f] = len(vocab)
                fids.append(fid)
                tfs.append(w)
        n = len(self.items)
        self.n = n
        self.vocab = vocab
        fid_a = np.asarray(fids, dtype=np.int64)
        tf_a = np.asarray(tfs, dtype=np.float64)
        item_a = np.repeat(np.arange(n, dtype=np.int64), np.asarray(lens, dtype=np.int64))
        df = np.bincount(fid_a, minlength=len(vocab)).astype(np.float64)
        self.idf = np.log((n + 1) / (df + 1.0)) + 1.0
        self._default_idf = math.log(n + 1) + 1.0
        wts = tf_a * self.idf[fid_a]
        norms = np.sqrt(np.bincount(item_a, weights=wts * wts, minlength=n))
        norms[norms == 0] = 1.0
        wts = wts / norms[item_a]
        order = np.argsort(fid_a, kind="stable")
        self._items_sorted = item_a[order]
        self._w_sorted = wts[order]
        self._indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(fid_a, minlength=len(vocab)), out=self._indptr[1:])

    # -- storage -------------------------------------------------------------------------------
    def arrays(self) -> tuple[dict[str, np.ndarray], list[str]]:
        """(numeric arrays, vocabulary in feature-id order) of the built index."""
        return ({"idf": self.idf, "items_sorted": self._items_sorted,
                 "w_sorted": self._w_sorted, "indptr": self._indptr},
                list(self.vocab))

    @classmethod
    def from_arrays(cls, items: Sequence[T], arrays: dict[str, np.ndarray], vocab: list[str],
                    key: Callable[[T], str] | None = None) -> Index[T]:
        """An index restored from :meth:`arrays` for the same ``items``; ``ValueError`` when
        the arrays do not fit together."""
        self = cls.__new__(cls)
        self.items = list(items)
        self.key = key or _default_key
        self.n = n = len(self.items)
        idf, its, ws, ip = (np.asarray(arrays[k]) for k in
                            ("idf", "items_sorted", "w_sorted", "indptr"))
        v = len(vocab)
        if not (idf.shape == (v,) and ip.shape == (v + 1,) and its.shape == ws.shape
                and its.ndim == 1 and idf.dtype.kind == "f" and ws.dtype.kind == "f"
                and its.dtype.kind == "i" and ip.dtype.kind == "i"
                and all(isinstance(f, str) for f in vocab)
                and (v == 0 or (ip[0] == 0 and ip[-1] == len(its)
                                and bool(np.all(np.diff(ip) >= 0))))
                and (len(its) == 0 or (its.min() >= 0 and its.max() < n))):
            raise ValueError("similarity index: arrays do not fit together")
        self.vocab = {f: i for i, f in enumerate(vocab)}
        if len(self.vocab) != v:
            raise ValueError("similarity index: repeated feature")
        self.idf = idf.astype(np.float64)
        self._default_idf = math.log(n + 1) + 1.0
        self._items_sorted = its.astype(np.int64)
        self._w_sorted = ws.astype(np.float64)
        self._indptr = ip.astype(np.int64)
        return self

    def __len__(self) -> int:
        return self.n

    def scores(self, code: str) -> np.ndarray:
        """Cosine similarity of ``code`` to every item (a float array over the pool, the
        caller's own: the last query's scores are kept, as one loop is often asked twice)."""
        last = self.__dict__.get("_last")
        if last is not None and last[0] == code:
            return last[1].copy()
        s = self._scores(code)
        self._last = (code, s)
        return s.copy()

    def _scores(self, code: str) -> np.ndarray:
        if not isinstance(code, str) or not self.n:
            return np.zeros(self.n, dtype=np.float64)
        q = _features_cached(code)
        if not q:
            return np.zeros(self.n, dtype=np.float64)
        vocab = self.vocab
        fids = np.fromiter((vocab.get(f, -1) for f, _ in q), dtype=np.int64, count=len(q))
        tf = np.fromiter((w for _, w in q), dtype=np.float64, count=len(q))
        hit = fids >= 0
        w = np.where(hit, tf * self.idf[np.where(hit, fids, 0)], tf * self._default_idf)
        qn = math.sqrt(float(w @ w)) or 1.0
        fids, w = fids[hit], w[hit] / qn
        # every posting of the query's features at once: (start, length) ranges gathered
        start = self._indptr[fids]
        length = self._indptr[fids + 1] - start
        total = int(length.sum())
        if not total:
            return np.zeros(self.n, dtype=np.float64)
        offs = np.repeat(start - np.cumsum(length) + length, length) + np.arange(total)
        return np.bincount(self._items_sorted[offs],
                           weights=self._w_sorted[offs] * np.repeat(w, length),
                           minlength=self.n)

    def query(self, code: str, k: int = 8, mask: Any = None,
              exclude: Callable[[T], bool] | None = None) -> list[tuple[int, float]]:
        """The ``k`` best ``(position, score)`` pairs, best first (ties: pool order)."""
        if k <= 0 or not self.n:
            return []
        s = self.scores(code)
        if mask is not None:
            m = np.asarray(mask, dtype=bool)
            s = np.where(m, s, -1.0)
        order = np.argsort(-s, kind="stable")
        out: list[tuple[int, float]] = []
        for i in order:
            if s[i] < 0:
                break
            if exclude is not None and exclude(self.items[int(i)]):
                continue
            out.append((int(i), float(s[i])))
            if len(out) >= k:
                break
        return out

    def nearest(self, code: str, k: int = 8, mask: Any = None) -> list[T]:
        return [self.items[i] for i, _ in self.query(code, k, mask)]


_GLOBAL_VOCAB: dict[Feature, int] = {}


@lru_cache(maxsize=65536)
def _vector(code: str) -> tuple[np.ndarray, np.ndarray]:
    """(feature ids in the process-wide vocabulary, tf weights) of a loop."""
    v = _features_cached(code)
    vocab = _GLOBAL_VOCAB
    ids = np.empty(len(v), dtype=np.int64)
    for k, (f, _) in enumerate(v):
        fid = vocab.get(f)
        if fid is None:
            fid = vocab[f] = len(vocab)
        ids[k] = fid
    return ids, np.fromiter((w for _, w in v), dtype=np.float64, count=len(v))


def rank(query_code: str, codes: Sequence[str]) -> np.ndarray:
    """TF-IDF cosine of ``query_code`` to each of ``codes`` (IDF from ``codes``); the same
    scores an :class:`Index` over ``codes`` gives, without building one."""
    m = len(codes)
    if not m:
        return np.zeros(0)
    vecs = [_vector(c) if isinstance(c, str) else (np.zeros(0, np.int64), np.zeros(0))
            for c in codes]
    qids, qtf = _vector(query_code) if isinstance(query_code, str) else (np.zeros(0, np.int64),
                                                                          np.zeros(0))
    fid = np.concatenate([v[0] for v in vecs])
    tf = np.concatenate([v[1] for v in vecs])
    item = np.repeat(np.arange(m), [len(v[0]) for v in vecs])
    size = len(_GLOBAL_VOCAB)
    df = np.bincount(fid, minlength=size)
    idf = np.log((m + 1) / (df + 1.0)) + 1.0
    w = tf * idf[fid]
    norms = np.sqrt(np.bincount(item, weights=w * w, minlength=m))
    norms[norms == 0] = 1.0
    qw = qtf * idf[qids]
    qn = math.sqrt(float(qw @ qw)) or 1.0
    dense = np.zeros(size)
    dense[qids] = qw / qn
    return np.bincount(item, weights=w * dense[fid], minlength=m) / norms


def nearest(query_code: str, pool: Sequence[T], k: int = 8,
            key: Callable[[T], str] | None = None) -> list[T]:
    """The ``k`` items of ``pool`` whose loops are most similar to ``query_code``, nearest
    first (ties keep pool order).  ``key`` gives an item's loop text (default: ``.loop``, or the
    item itself when it is a string)."""
    items = list(pool)
    if not items or k <= 0:
        return []
    keyf = key or _default_key
    s = rank(query_code, [keyf(x) for x in items])
    order = np.argsort(-s, kind="stable")[:k]
    return [items[int(i)] for i in order]
