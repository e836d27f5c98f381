"""The ranking model: gradient-boosted trees (LightGBM) over :data:`.features.NAMES`, and a
calibration of its top score into a probability.

Stored in LightGBM's own text format plus a JSON header (never a pickle): loading parses text
and numbers, it cannot execute anything.  Prediction does not need LightGBM: the trees are
read from that text into numpy arrays (:class:`Trees`) and all trees are walked at once for
all candidates of a query, which costs a fraction of a millisecond and no import of LightGBM
(about a second) when the server or the CLI starts.  LightGBM is needed only to fit.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Ranker", "Trees", "fit_booster", "Calibration", "MODEL_VERSION", "PARAMS"]

MODEL_VERSION = "accellium-style-ranker-v2"

# The model's hyper-parameters: constants chosen offline by grouped CV on the training pairs
# (`accellium train --style --tune`; the table is in docs/tuning.md).  A build is one fit.
PARAMS: dict = {"objective": "lambdarank", "num_leaves": 15, "rounds": 150,
                "learning_rate": 0.1, "min_data_in_leaf": 40}


@dataclass
class Calibration:
    """P(the top candidate is the project's pragma) = sigmoid(a*top + b*margin + c)."""

    a: float = 0.0
    b: float = 0.0
    c: float = 0.0

    def __call__(self, top: float, margin: float) -> float:
        z = self.a * top + self.b * margin + self.c
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    @classmethod
    def fit(cls, top: np.ndarray, margin: np.ndarray, hit: np.ndarray, l2: float = 1e-3
            ) -> Calibration:
        """Logistic regression by Newton's method (three parameters, deterministic)."""
        x = np.column_stack([top, margin, np.ones_like(top)]).astype(np.float64)
        y = hit.astype(np.float64)
        w = np.zeros(3)
        for _ in range(50):
            p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -40, 40)))
            g = x.T @ (p - y) + l2 * w
            h = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(3)
            step = np.linalg.solve(h, g)
            w -= step
            if np.abs(step).max() < 1e-8:
                break
        return cls(float(w[0]), float(w[1]), float(w[2]))


def _lightgbm():
    """``import lightgbm`` with OpenMP threads that sleep when they wait: libgomp spins by
    default, and on shared cores a spinning thread holds the core the thread it waits for needs
    (the ranker's fit took 84 s instead of 6 s beside other work; same model). libgomp reads
    ``OMP_WAIT_POLICY`` once, when it is loaded, so the variable is set only around the first
    import (a user's own setting wins) and not left to the programs this process runs."""
    import os
    import sys

    if "lightgbm" in sys.modules:
        return sys.modules["lightgbm"]
    before = os.environ.get("OMP_WAIT_POLICY")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import lightgbm
    finally:
        if before is None:
            os.environ.pop("OMP_WAIT_POLICY", None)
    return lightgbm


def fit_booster(x: np.ndarray, y: np.ndarray, groups: list[int], params: dict,
                threads: int = 2):
    """Fit a LightGBM model (``params['objective']``: lambdarank on graded relevance, or
    binary on exact match); deterministic."""
    lgb = _lightgbm()
    base = {"verbose": -1, "num_threads": threads, "deterministic": True,
            "force_row_wise": True, "seed": 0, "learning_rate": 0.1, "num_leaves": 15,
            "min_data_in_leaf": 40, "feature_fraction": 0.8, "bagging_fraction": 0.8,
            "bagging_freq": 1, "lambda_l2": 1.0}
    p = {**base, **{k: v for k, v in params.items() if k != "rounds"}}
    label = y if p["objective"] == "lambdarank" else (y >= 4).astype(np.float32)
    ds = lgb.Dataset(x, label=label, group=groups if p["objective"] == "lambdarank" else None,
                     free_raw_data=True)
    return lgb.train(p, ds, num_boost_round=int(params.get("rounds", 150)))


_KEYS = ("num_leaves", "split_feature", "threshold", "decision_type", "left_child",
         "right_child", "leaf_value")


def _tree_blocks(text: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    cur: dict[str, str] | None = None
    for line in text.splitlines():
        if line.startswith("Tree="):
            cur = {}
            blocks.append(cur)
        elif line.startswith("end of trees"):
            break
        elif cur is not None and "=" in line:
            k, _, v = line.partition("=")
            if k in _KEYS:
                cur[k] = v
    return blocks


class Trees:
    """A LightGBM model's trees as padded numpy arrays; :meth:`raw` is the sum of the trees'
    outputs (LightGBM's raw score).  Numerical splits only: a model with categorical splits
    is refused (``ValueError``)."""

    _ZERO = 1e-35  # LightGBM's kZeroThreshold

    def __init__(self, text: str, n_features: int):
        blocks = _tree_blocks(text)
        if not blocks:
            raise ValueError("style model: no trees")
        t = len(blocks)
        width = max(int(b.get("num_leaves", "1")) - 1 for b in blocks) or 1
        self.feature = np.zeros((t, width), dtype=np.int64)
        self.threshold = np.zeros((t, width), dtype=np.float64)
        self.missing = np.zeros((t, width), dtype=np.int64)  # 0 none, 1 zero, 2 NaN
        self.default_left = np.zeros((t, width), dtype=bool)
        self.left = np.full((t, width), -1, dtype=np.int64)  # < 0: leaf ~child
        self.right = np.full((t, width), -1, dtype=np.int64)
        self.leaf = np.zeros((t, width + 1), dtype=np.float64)
        self.root = np.zeros(t, dtype=np.int64)
        for i, b in enumerate(blocks):
            self._fill(i, b, n_features)
        self.depth = self._max_depth()

    def _fill(self, i: int, b: dict[str, str], n_features: int) -> None:
        try:
            leaves = int(b["num_leaves"])
            values = [float(v) for v in b["leaf_value"].split()]
            if len(values) != leaves or leaves < 1:
                raise ValueError("leaf count")
            self.leaf[i, :leaves] = values
            if leaves == 1:
                self.root[i] = -1  # a single leaf: ~0
                return
            arrays = {k: b[k].split() for k in _KEYS[1:6]}
            if any(len(v) != leaves - 1 for v in arrays.values()):
                raise ValueError("node count")
            feat = np.array([int(v) for v in arrays["split_feature"]])
            dec = np.array([int(v) for v in arrays["decision_type"]])
            left = np.array([int(v) for v in arrays["left_child"]])
            right = np.array([int(v) for v in arrays["right_child"]])
        except (KeyError, ValueError) as e:
            raise ValueError(f"style model: bad tree {i} ({e})") from None
        n = leaves - 1
        if (feat < 0).any() or (feat >= n_features).any() or (dec & 1).any():
            raise ValueError(f"style model: tree {i} has a split the predictor cannot read")
        for child in (left, right):
            if (child >= n).any() or (child < -leaves).any():
                raise ValueError(f"style model: tree {i} has a child out of range")
        self.feature[i, :n] = feat
        self.threshold[i, :n] = [float(v) for v in arrays["threshold"]]
        self.missing[i, :n] = (dec >> 2) & 3
        self.default_left[i, :n] = (dec & 2) > 0
        self.left[i, :n] = left
        self.right[i, :n] = right

    def _max_depth(self) -> int:
        """The longest root-to-leaf path (a malformed tree with a cycle is refused)."""
        depth = 0
        for i in range(len(self.root)):
            stack = [(int(self.root[i]), 0)]
            seen = 0
            while stack:
                node, d = stack.pop()
                seen += 1
                if seen > self.left.shape[1] * 2 + 2:
                    raise ValueError(f"style model: tree {i} is not a tree")
                if node < 0:
                    depth = max(depth, d)
                    continue
                stack.append((int(self.left[i, node]), d + 1))
                stack.append((int(self.right[i, node]), d + 1))
        return depth

    def _flatten(self) -> None:
        """One node array over all trees, leaves included as nodes that lead to themselves
        (feature 0, threshold +inf), so that a walk of :attr:`depth` steps ends on a leaf."""
        t, width = self.feature.shape
        n_inner, n_all = t * width, t * width + t * (width + 1)
        leaf_id = n_inner + np.arange(t)[:, None] * (width + 1)  # first leaf node of tree i

        def child(c: np.ndarray) -> np.ndarray:
            inner = np.arange(t)[:, None] * width + np.maximum(c, 0)
            return np.where(c >= 0, inner, leaf_id + ~np.minimum(c, -1))

        self._feat = np.concatenate([self.feature.ravel(), np.zeros(n_all - n_inner, int)])
        self._thr = np.concatenate([self.threshold.ravel(),
                                    np.full(n_all - n_inner, np.inf)])
        self._miss = np.concatenate([self.missing.ravel(), np.zeros(n_all - n_inner, int)])
        self._dleft = np.concatenate([self.default_left.ravel(),
                                      np.ones(n_all - n_inner, bool)])
        self_ids = np.arange(n_inner, n_all)
        self._left = np.concatenate([child(self.left).ravel(), self_ids])
        self._right = np.concatenate([child(self.right).ravel(), self_ids])
        self._value = np.concatenate([np.zeros(n_inner), self.leaf.ravel()])
        self._start = np.where(self.root >= 0, np.arange(t) * width + np.maximum(self.root, 0),
                               leaf_id[:, 0] + ~np.minimum(self.root, -1))
        self._any_missing = bool((self._miss != 0).any())
        self._n_inner = n_inner
        self._next = np.column_stack([self._left, self._right]).ravel()  # 2*node + right

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Raw scores of the rows of ``x``: every split decided for every row at once, then
        :attr:`depth` steps down all trees together."""
        x = np.asarray(x, dtype=np.float64)
        n = len(x)
        if n == 0:
            return np.zeros(0)
        if not hasattr(self, "_feat"):
            self._flatten()
        k = self._n_inner  # leaves lead to themselves whichever way: only splits are decided
        nan = np.isnan(x)
        val = (np.where(nan, 0.0, x) if nan.any() else x)[:, self._feat[:k]]
        go_right = np.zeros((n, len(self._feat)), dtype=bool)
        if self._any_missing:
            miss = self._miss[None, :k]
            is_missing = ((miss == 1) & (np.abs(val) <= self._ZERO)) | (
                (miss == 2) & nan[:, self._feat[:k]])
            go_right[:, :k] = np.where(is_missing, ~self._dleft[None, :k],
                                       val > self._thr[:k])
        else:
            go_right[:, :k] = val > self._thr[:k]
        base = (np.arange(n) * go_right.shape[1])[:, None]
        flat = go_right.ravel()
        node = np.broadcast_to(self._start, (n, len(self._start)))
        for _ in range(self.depth):
            node = self._next[2 * node + flat[base + node]]
        return self._value[node].sum(axis=1)


@dataclass
class Ranker:
    trees: Trees
    calibration: Calibration = field(default_factory=Calibration)
    params: dict = field(default_factory=dict)
    cv: dict = field(default_factory=dict)  # how the model was fit (rows, seconds)
    text: str = ""  # LightGBM's model text (what is stored)

    @classmethod
    def from_booster(cls, booster, n_features: int, **kw) -> Ranker:
        text = booster.model_to_string()
        return cls(Trees(text, n_features), text=text, **kw)

    def scores(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0)
        return self.trees.raw(x)

    def confidence(self, s: np.ndarray) -> float:
        """Calibrated probability that the best-scored candidate is the pragma wanted."""
        if len(s) == 0:
            return 0.0
        order = np.sort(s)[::-1]
        margin = float(order[0] - order[1]) if len(order) > 1 else 1.0
        return self.calibration(float(order[0]), margin)

    # -- safe storage ---------------------------------------------------------------------
    def to_text(self, names: tuple[str, ...]) -> str:
        head = {"version": MODEL_VERSION, "features": list(names), "params": self.params,
                "calibration": [self.calibration.a, self.calibration.b, self.calibration.c],
                "cv": self.cv}
        return json.dumps(head) + "\n" + self.text

    @classmethod
    def from_text(cls, text: str, names: tuple[str, ...]) -> Ranker:
        """Parse a stored model; ``ValueError`` on anything unexpected."""
        first, _, body = text.partition("\n")
        head = json.loads(first)
        if not isinstance(head, dict) or head.get("version") != MODEL_VERSION \
                or head.get("features") != list(names):
            raise ValueError("style model: other version or features")
        cal = head.get("calibration")
        if not (isinstance(cal, list) and len(cal) == 3
                and all(isinstance(v, int | float) for v in cal)):
            raise ValueError("style model: bad calibration")
        if not body.startswith("tree\n"):
            raise ValueError("style model: not LightGBM's text format")
        for line in body.splitlines():
            if line.startswith("max_feature_idx="):
                if line != f"max_feature_idx={len(names) - 1}":
                    raise ValueError("style model: wrong number of features")
                break
        else:
            raise ValueError("style model: no feature count")
        return cls(Trees(body, len(names)), Calibration(*map(float, cal)),
                   dict(head.get("params") or {}), dict(head.get("cv") or {}), body)
