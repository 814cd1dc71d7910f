"""The decision to answer or abstain, as a model fitted across articles.

The answerer's hard rules come first (a salient question term the corpus never mentions; a sentence
that spells out the abbreviation asked about; no sentence holding the kind of answer asked for; a
sentence about another subject), then the hand-set strength threshold (`AbstentionRule.min_score`).
An answer they let through can still be vetoed by a logistic model over features of the best sentence — how similar it is to
the question, how much of the question's idf-weighted key terms it and its passage hold exactly, how
important the most important missing term is — fitted on labelled questions over several articles
(`eval/fit_decision.py`, leave-one-article-out, scikit-learn at development time only) and shipped as
`qa/data/decision.json`, applied here with numpy. The file says what it was fitted on and how it did
on each left-out article.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources

FEATURES = ("similarity", "coverage_rel", "exact_rel", "passage_rel", "missing", "rank")


@dataclass(frozen=True)
class DecisionModel:
    """`p = sigmoid(weights · (x - mean) / scale + bias)`; answer when `p >= threshold`."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    info: dict

    def probability(self, x: dict[str, float]) -> float:
        z = self.bias
        for name, w, m, s in zip(self.features, self.weights, self.mean, self.scale):
            z += w * (x.get(name, 0.0) - m) / (s or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def answers(self, x: dict[str, float]) -> bool:
        return self.probability(x) >= self.threshold

    def to_dict(self) -> dict:
        return {"features": list(self.features), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, "mean": list(self.mean), "scale": list(self.scale),
                **self.info}

    @classmethod
    def from_dict(cls, d: dict) -> "DecisionModel":
        keys = ("features", "weights", "bias", "threshold", "mean", "scale")
        return cls(tuple(d["features"]), tuple(float(v) for v in d["weights"]), float(d["bias"]),
                   float(d["threshold"]), tuple(float(v) for v in d["mean"]),
                   tuple(float(v) for v in d["scale"]), {k: v for k, v in d.items() if k not in keys})


def load_decision_model(path: str | None = None) -> DecisionModel | None:
    """The shipped model (`qa/data/decision.json`), a model file given by path, or None if absent."""
    try:
        if path:
            with open(path, encoding="utf-8") as f:
                return DecisionModel.from_dict(json.load(f))
        text = resources.files("qa").joinpath("data/decision.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None
    return DecisionModel.from_dict(json.loads(text))
