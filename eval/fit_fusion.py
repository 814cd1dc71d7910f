"""Fit the hybrid retrieval's fusion weights across articles, judged leave-one-article-out.

    .venv/bin/python eval/fit_fusion.py                # collect scores (cached), fit, print the LOAO table
    .venv/bin/python eval/fit_fusion.py --refit        # fit again from the cached scores
    .venv/bin/python eval/fit_fusion.py --refit --write   # ... and write qa/data/fitted_retrieval.toml

For every in-scope question and conversation (its last turn, with the subject the chat carries
over) of the six articles (the review's two sets; the five development
articles, each over a corpus of itself alone) with gold evidence, the script keeps each passage's
three retrieval scores (passage vector, best sentence vector, BM25; z-scored per question), the
fixed shifts (bibliography, the part of the article named: `extra`), its best sentence's answer
score, and which passages hold the gold evidence. A setting (three fusion weights and the re-ranking
weight) ranks the passages as `Retriever` does: fused score, then the first `rerank_depth` lifted by
`rerank_weight` x answer score.

The fit is a pairwise ranking model (RankSVM-style, with scikit-learn's `LogisticRegression`): over
the first `rerank_depth` passages of each question, every (gold, other) pair's feature difference
is a positive example, its negation a negative, each question weighing the same within its article
and each article the same. The coefficients, divided by that of `extra` (whose shifts keep their
calibrated size), are the fusion weights and the re-ranking weight. `C` (regularisation) 1.0 was
chosen over 0.01 and 0.1 by the LOAO table (eval/README.md).

The figure that counts is leave-one-article-out: fitted on five articles, measured on the sixth
(Hit@1 and MRR@10 of the first passage holding the gold evidence), against the weights in effect
(`qa.settings.RetrievalSettings` with the fitted file over them; they also give the first ranking
the fit starts from, and the scores are collected with them). `--write` stores the fit on all six
in `qa/data/fitted_retrieval.toml` (read by `qa.settings` over its defaults) when its LOAO mean
beats the weights in effect. The development articles' questions are those of `DEV_SETS`
(eval/fit_decision.py: every read set, not the blind ones). `--grid` also prints the LOAO of a
grid search over the same four numbers (`ParameterGrid`), for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from fit_decision import groups  # noqa: E402 - the same six articles and their question sets
from qa.evaluation import DEPTH, locate_evidence  # noqa: E402
from qa.settings import SETTINGS  # noqa: E402

# the weights in effect (the code's defaults, or the fitted file over them): what the scores are
# collected with, the baseline a new fit must beat, and the ranking the fit starts from
DEFAULTS = SETTINGS.retrieval

CACHE = ROOT / ".cache" / "fusion-scores.npz"
OUT = ROOT / "qa" / "data" / "fitted_retrieval.toml"
C = 1.0
GRID = {"w_passage": [0.0, 0.1, 0.2, 0.3], "w_sentence": [0.2, 0.3, 0.4, 0.6, 0.8],
        "w_bm25": [0.25, 0.4, 0.6, 0.8, 1.0], "rerank_weight": [2.0, 2.75, 3.5, 5.0]}


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x)


def collect(index_root: Path) -> list[dict]:
    from qa.chat import ChatSession
    from qa.retriever import Retriever, check_question

    w = DEFAULTS.fusion_weights
    rows = []
    for art, corpus, index, cases in groups(index_root):
        r = Retriever.load(corpus, index)
        gold = locate_evidence(cases, r.documents)
        passages = r.passages
        use = [c for c in cases if c.in_scope]
        print(f"{art}: {len(use)} questions and conversations", file=sys.stderr)
        for c in use:
            relevant = np.array([gold[c.id].holds(p) for p in passages])
            if not relevant.any():
                continue
            if c.is_conversation:  # the last turn, searched as the chat searches it (with its subject)
                session = ChatSession(r)
                for turn in c.turns[:-1]:
                    session.ask(turn)
                last = check_question(c.turns[-1])
                a = r.analyze(last, session.rewrite(last))
            else:
                a = r.analyze(c.question)
            fused, dense, bm25 = r.scores(a, "hybrid")
            best = r.store.best_sentence_scores(a.vector, dense)
            z = np.stack([_z(dense), _z(best), _z(bm25)])
            extra = fused - (w[0] * z[0] + w[1] * z[1] + w[2] * z[2])
            rows.append({"article": art, "z": z.astype("float32"), "extra": extra.astype("float32"),
                         "answer": np.maximum(r.answer_scores(a, passages), 0).astype("float32"),
                         "relevant": relevant})
    return rows


def save(rows: list[dict]) -> None:
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(CACHE, **{f"{i}_{k}": v for i, r in enumerate(rows) for k, v in r.items() if k != "article"},
                        articles=np.array([r["article"] for r in rows]))


def load() -> list[dict]:
    data = np.load(CACHE)
    arts = data["articles"]
    return [{"article": str(a), **{k: data[f"{i}_{k}"] for k in ("z", "extra", "answer", "relevant")}}
            for i, a in enumerate(arts)]


def rank_metrics(row: dict, s: dict, depth: int) -> tuple[float, float]:
    """(Hit@1, MRR@10) of one question under setting `s`, ranked as `Retriever._search` ranks."""
    fused = s["w_passage"] * row["z"][0] + s["w_sentence"] * row["z"][1] + s["w_bm25"] * row["z"][2] + row["extra"]
    order = np.argsort(-fused, kind="stable")
    head = order[:depth]
    lifted = fused[head] + s["rerank_weight"] * row["answer"][head]
    order = np.concatenate([head[np.argsort(-lifted, kind="stable")], order[depth:]])
    rel = row["relevant"][order[:DEPTH]]
    first = int(np.argmax(rel)) if rel.any() else None
    return float(rel[0]), (1.0 / (first + 1) if first is not None else 0.0)


def per_article(rows: list[dict], s: dict, depth: int) -> dict[str, tuple[float, float]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for row in rows:
        out.setdefault(row["article"], []).append(rank_metrics(row, s, depth))
    return {a: (float(np.mean([h for h, _ in v])), float(np.mean([m for _, m in v]))) for a, v in out.items()}


def _head(row: dict, s: dict, depth: int) -> np.ndarray:
    fused = s["w_passage"] * row["z"][0] + s["w_sentence"] * row["z"][1] + s["w_bm25"] * row["z"][2] + row["extra"]
    return np.argsort(-fused, kind="stable")[:depth]


def fit_pairwise(rows: list[dict], s: dict, depth: int, c: float = C) -> dict:
    """Fusion weights and re-ranking weight from a pairwise logistic regression (see the docstring)."""
    from sklearn.linear_model import LogisticRegression

    per_article: dict[str, int] = {}
    for r in rows:
        per_article[r["article"]] = per_article.get(r["article"], 0) + 1
    diffs, weights = [], []
    for r in rows:
        head = _head(r, s, depth)
        x = np.stack([r["z"][0][head], r["z"][1][head], r["z"][2][head], r["extra"][head], r["answer"][head]], 1)
        y = r["relevant"][head]
        if y.all() or not y.any():
            continue
        d = (x[y][:, None, :] - x[~y][None, :, :]).reshape(-1, x.shape[1])
        diffs.append(d)
        weights.append(np.full(len(d), 1.0 / len(d) / per_article[r["article"]]))
    d, w = np.concatenate(diffs), np.concatenate(weights)
    xs, ys, ws = np.concatenate([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))], np.r_[w, w]
    model = LogisticRegression(fit_intercept=False, C=c, max_iter=5000).fit(xs, ys, sample_weight=ws * len(ws) / ws.sum())
    coef = model.coef_[0] / model.coef_[0][3]
    return {"w_passage": round(float(coef[0]), 3), "w_sentence": round(float(coef[1]), 3),
            "w_bm25": round(float(coef[2]), 3), "rerank_weight": round(float(coef[4]), 3)}


def main() -> None:
    from sklearn.model_selection import LeaveOneGroupOut, ParameterGrid

    ap = argparse.ArgumentParser()
    ap.add_argument("--refit", action="store_true", help="use the cached scores")
    ap.add_argument("--write", action="store_true", help="write qa/data/fitted_retrieval.toml if it beats the weights in effect")
    ap.add_argument("--grid", action="store_true", help="also print the LOAO of a grid search")
    ap.add_argument("--index-root", type=Path, default=ROOT / ".cache" / "fit-index")
    args = ap.parse_args()
    if args.refit and CACHE.exists():
        rows = load()
    else:
        rows = collect(args.index_root)
        save(rows)
    depth = DEFAULTS.rerank_depth
    current = {"w_passage": DEFAULTS.fusion_weights[0], "w_sentence": DEFAULTS.fusion_weights[1],
               "w_bm25": DEFAULTS.fusion_weights[2], "rerank_weight": DEFAULTS.rerank_weight}
    base = per_article(rows, current, depth)
    arts = sorted(base)
    groups_ = np.array([arts.index(r["article"]) for r in rows])
    splits = list(LeaveOneGroupOut().split(np.zeros(len(rows)), groups=groups_))
    print(f"{len(rows)} questions over {len(arts)} articles; the weights in effect: {json.dumps(current)}")

    def report(name: str, fit) -> tuple[float, float]:
        print(f"\n{name}\n{'held-out article':<20} {'fitted on the other five':<72} {'Hit@1':>13} {'MRR@10':>13}")
        loao = []
        for _, test in splits:
            held = arts[groups_[test[0]]]
            s = fit([r for r in rows if r["article"] != held], [a for a in arts if a != held])
            h, m = per_article([r for r in rows if r["article"] == held], s, depth)[held]
            loao.append((h, m))
            print(f"{held:<20} {json.dumps(s):<72} {base[held][0]:.3f}->{h:.3f} {base[held][1]:.3f}->{m:.3f}")
        lh, lm = np.mean(loao, axis=0)
        dh, dm = np.mean([base[a] for a in arts], axis=0)
        print(f"{'mean (LOAO)':<20} {'':<72} {dh:.3f}->{lh:.3f} {dm:.3f}->{lm:.3f}")
        return float(lh + lm) / 2, float(dh + dm) / 2

    if args.grid:
        grid = list(ParameterGrid(GRID))
        table = [per_article(rows, s, depth) for s in grid]

        def pick(train_rows, train_arts):
            return grid[max(range(len(grid)), key=lambda i: np.mean([sum(table[i][a]) / 2 for a in train_arts]))]

        report(f"grid search over {len(grid)} settings", pick)
    for c in (0.01, 0.1, C):
        fitted, default = report(f"pairwise logistic regression, C={c}", lambda tr, _a, c=c: fit_pairwise(tr, current, depth, c))
    final = fit_pairwise(rows, current, depth)
    print(f"\nfitted on all six (C={C}): {json.dumps(final)}")
    if args.write:
        if fitted <= default:
            print("not written: its LOAO figure does not beat the weights in effect")
            return
        OUT.write_text(
            "# Written by eval/fit_fusion.py --write: hybrid fusion and re-ranking weights fitted across the six\n"
            "# articles (pairwise logistic regression; leave-one-article-out table in eval/README.md).\n"
            "[retrieval]\n"
            f"fusion_weights = [{final['w_passage']}, {final['w_sentence']}, {final['w_bm25']}]\n"
            f"rerank_weight = {final['rerank_weight']}\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
