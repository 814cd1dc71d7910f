"""Fit the answer-or-abstain model across articles, judged leave-one-article-out.

    .venv/bin/python eval/fit_decision.py            # collect features (cached), fit, write qa/data/decision.json
    .venv/bin/python eval/fit_decision.py --refit    # fit again from the cached features

Each article's questions are asked over a corpus of that article alone, with the decision forced
open (`ExtractiveAnswerer.force`), so every question yields its best sentence and that sentence's
features (`qa.decision.FEATURES`). A question is a positive when it is in scope and the forced answer
holds an expected fact, a negative when it is out of scope; in-scope questions answered wrongly, and
those a hard rule decides (an absent name, no sentence of the asked kind), are left out of the fit.

The figure that counts is leave-one-article-out: the model is fitted on the other articles and its
threshold chosen there, then applied to the left-out one. The model written is fitted on all, with
its LOAO table and a calibration table (how often a given probability was right) in the file.
Needs scikit-learn (a development dependency).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.decision import FEATURES, DecisionModel  # noqa: E402
from qa.evaluation import article_corpora, contains_fact, load_cases  # noqa: E402

CACHE = ROOT / ".cache" / "decision-features.json"
OUT = ROOT / "qa" / "data" / "decision.json"
# A confident wrong answer costs more than an abstention: an answered out-of-scope question weighs
# COST_OOS answered-correct ones when the threshold is chosen.
COST_OOS = 2.0
# the development articles' sets the fits learn from
DEV_SETS = ("dev", "fresh", "near-topic", "conversations", "conversations-2", "conversations-3")


def groups(index_root: Path):
    """(article, corpus folder, index folder, cases) for the review and each development article."""
    review = load_cases([ROOT / "eval" / "questions.jsonl", ROOT / "eval" / "holdout"])
    out = [("her2-review", ROOT / "corpus", index_root / "her2-review", review)]
    # the development articles' read sets (not eval/blind, and not eval/conversations-4, which are
    # kept unread to measure the fits on)
    # (ids are unique within a set only: each is prefixed with its set's name)
    dev = [replace(c, id=f"{d}:{c.id}") for d in DEV_SETS for c in load_cases([ROOT / "eval" / d])]
    out += [(a, c, i, g) for a, c, i, g in article_corpora(dev, ROOT / "eval" / "articles", index_root)]
    return out


def collect(index_root: Path) -> list[dict]:
    from qa.chat import ChatSession
    from qa.retriever import Retriever

    rows = []
    for art, corpus, index, cases in groups(index_root):
        print(f"{art}: {len(cases)} cases", file=sys.stderr)
        r = Retriever.load(corpus, index)
        answerer = None
        for c in cases:
            s = ChatSession(r, answerer=answerer)
            answerer = s.answerer
            answerer.force = True
            a = None
            for t in c.turns:
                a = s.ask(t)
            correct = (not a.abstained) and contains_fact(a.text, c.answer) if c.in_scope else False
            rows.append({"article": art, "id": c.id, "kind": c.kind, "in_scope": c.in_scope,
                         "abstained_by_rule": a.abstained, "correct": bool(correct),
                         "features": a.features})
    return rows


def _xy(rows):
    # the model only vetoes what the hand-set rule would answer: it is fitted on those questions
    use = [r for r in rows if hand(r) and (r["correct"] or not r["in_scope"])]
    x = np.array([[r["features"].get(f, 0.0) for f in FEATURES] for r in use], dtype="float64")
    y = np.array([1 if r["in_scope"] else 0 for r in use])
    # each article and, within it, each class weighs the same: the review's 1,160 questions must
    # not decide for the others, nor answerable questions for out-of-scope ones
    arts = [r["article"] for r in use]
    w = np.zeros(len(use))  # for the fit: each article and each class weigh the same
    u = np.zeros(len(use))  # for the threshold: each article weighs the same, its questions as they come
    for a in set(arts):
        mine = [i for i, b in enumerate(arts) if b == a]
        for i in mine:
            u[i] = 1.0 / len(mine)
        for label in (0, 1):
            idx = [i for i in mine if y[i] == label]
            for i in idx:
                w[i] = 1.0 / len(idx)
    return use, x, y, w, u


def fit(rows):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    _, x, y, w, u = _xy(rows)
    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(scaler.transform(x), y, sample_weight=w * len(w))
    p = lr.predict_proba(scaler.transform(x))[:, 1]
    threshold = choose_threshold(p, y, u)
    return DecisionModel(FEATURES, tuple(float(w) for w in lr.coef_[0]), float(lr.intercept_[0]),
                         threshold, tuple(float(m) for m in scaler.mean_),
                         tuple(float(s) for s in scaler.scale_), {})


def choose_threshold(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """The threshold with the best utility: answered positives minus COST_OOS x answered negatives
    (each weighted as in the fit)."""
    best, best_t = -1e9, 0.5
    for t in np.linspace(0.0, 0.95, 96):
        u = float((w * ((p >= t) & (y == 1))).sum() - COST_OOS * (w * ((p >= t) & (y == 0))).sum())
        if u > best:
            best, best_t = u, float(t)
    return round(best_t, 3)


MIN_SCORE = 0.45  # qa.answer.AbstentionRule.min_score: the hand-set test the model can only veto after


def hand(r) -> bool:
    return not r["abstained_by_rule"] and bool(r["features"]) and r["features"]["strength"] >= MIN_SCORE


def judge(model: DecisionModel | None, rows) -> dict:
    """On one article's rows: the share of right answers kept, and of out-of-scope questions refused,
    with the hand-set rule and the model's veto after it (None: the hand-set rule alone)."""
    ins = [r for r in rows if r["in_scope"]]
    oos = [r for r in rows if not r["in_scope"]]

    def answers(r):
        return hand(r) and (model is None or model.answers(r["features"]))

    right = [r for r in ins if r["correct"]]
    return {
        "in_scope": len(ins), "out_of_scope": len(oos),
        "answer_accuracy": round(sum(answers(r) for r in right) / len(ins), 3) if ins else None,
        "right_answers_kept": round(sum(answers(r) for r in right) / len(right), 3) if right else None,
        "abstention_oos": round(sum(not answers(r) for r in oos) / len(oos), 3) if oos else None,
        "false_abstention": round(sum(not answers(r) for r in ins) / len(ins), 3) if ins else None,
        "wrong_answers_given": round(sum(answers(r) for r in ins if not r["correct"]) / len(ins), 3) if ins else None,
    }


def calibration(model: DecisionModel, rows) -> list[dict]:
    use, _, _, _, _ = _xy(rows)
    out = []
    for lo in np.arange(0.0, 1.0, 0.2):
        part = [r for r in use if lo <= model.probability(r["features"]) < lo + 0.2 + (1e-9 if lo >= 0.8 else 0)]
        if part:
            out.append({"probability": f"{lo:.1f}-{lo + 0.2:.1f}", "cases": len(part),
                        "answerable": round(sum(r["in_scope"] for r in part) / len(part), 3)})
    return out


def cached(path: Path, refit: bool, make) -> list:
    """The rows cached at `path` when `refit` (and it exists); else `make()`'s, cached there."""
    if refit and path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    rows = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows), encoding="utf-8")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--refit", action="store_true", help="use the cached features")
    ap.add_argument("--index-root", type=Path, default=ROOT / ".cache" / "fit-index")
    ap.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    args = ap.parse_args()
    rows = cached(CACHE, args.refit, lambda: collect(args.index_root))
    arts = sorted({r["article"] for r in rows})
    loao = {}
    for a in arts:
        m = fit([r for r in rows if r["article"] != a])
        part = [r for r in rows if r["article"] == a]
        loao[a] = {"threshold": m.threshold, **judge(m, part),
                   "without_model": judge(None, part)}
    final = fit(rows)
    info = {"fitted_on": {a: sum(r["article"] == a for r in rows) for a in arts},
            "cost_oos": COST_OOS, "leave_one_article_out": loao,
            "calibration": calibration(final, rows)}
    model = DecisionModel(final.features, final.weights, final.bias, final.threshold, final.mean,
                          final.scale, info)
    print(json.dumps({"weights": dict(zip(FEATURES, model.weights)), "threshold": model.threshold,
                      **info}, indent=1))
    if not args.dry_run:
        OUT.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
