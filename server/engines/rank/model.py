"""The ranking model: gradient-boosted trees (LightGBM) over :data:`.features.NAMES`, and a
calibration of its top score into a probability.

Stored in LightGBM's own text format plus a JSON header (never a pickle): loading parses text
and numbers, it cannot execute anything.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Ranker", "fit_booster", "Calibration", "MODEL_VERSION"]

MODEL_VERSION = "accellium-style-ranker-v1"


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


def fit_booster(x: np.ndarray, y: np.ndarray, groups: list[int], params: dict):
    """Fit a LightGBM model (``params['objective']``: lambdarank on graded relevance, or
    binary on exact match); deterministic, two threads."""
    import lightgbm as lgb

    base = {"verbose": -1, "num_threads": 2, "deterministic": True, "force_row_wise": True,
            "seed": 0, "learning_rate": 0.1, "num_leaves": 15, "min_data_in_leaf": 40,
            "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
            "lambda_l2": 1.0}
    p = {**base, **{k: v for k, v in params.items() if k != "rounds"}}
    label = y if p["objective"] == "lambdarank" else (y >= 4).astype(np.float32)
    ds = lgb.Dataset(x, label=label, group=groups if p["objective"] == "lambdarank" else None,
                     free_raw_data=True)
    return lgb.train(p, ds, num_boost_round=int(params.get("rounds", 150)))


@dataclass
class Ranker:
    booster: Any  # a lightgbm.Booster (lightgbm ships no type information)
    calibration: Calibration = field(default_factory=Calibration)
    params: dict = field(default_factory=dict)
    cv: dict = field(default_factory=dict)  # how the parameters were chosen (inner CV)

    def scores(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0)
        return np.asarray(self.booster.predict(x, num_threads=1), dtype=np.float64)

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
        return json.dumps(head) + "\n" + self.booster.model_to_string()

    @classmethod
    def from_text(cls, text: str, names: tuple[str, ...]) -> Ranker:
        """Parse a stored model; ``ValueError`` on anything unexpected."""
        import lightgbm as lgb

        first, _, body = text.partition("\n")
        head = json.loads(first)
        if not isinstance(head, dict) or head.get("version") != MODEL_VERSION \
                or head.get("features") != list(names):
            raise ValueError("style model: other version or features")
        cal = head.get("calibration")
        if not (isinstance(cal, list) and len(cal) == 3
                and all(isinstance(v, int | float) for v in cal)):
            raise ValueError("style model: bad calibration")
        try:
            booster = lgb.Booster(model_str=body)
        except Exception as e:
            raise ValueError(f"style model: {e}") from None
        if booster.num_feature() != len(names):
            raise ValueError("style model: wrong number of features")
        return cls(booster, Calibration(*map(float, cal)), dict(head.get("params") or {}),
                   dict(head.get("cv") or {}))
