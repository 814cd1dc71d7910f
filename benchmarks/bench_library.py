"""Library benchmark (issue: a library of PMC articles): parse time per article, the cost of adding
one article to an indexed library against building that article alone, and search latency on the
six-article library against one bare query embedding measured in the same run.

    .venv/bin/python benchmarks/bench_library.py [--json out.json]

Every figure is printed with the floor it is compared to, as a ratio, because this machine is
shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import qa  # noqa: E402

ARTICLES = sorted((ROOT / "eval" / "articles").glob("*.nxml")) + [ROOT / "corpus" / "her2-review.txt"]
ADDED = "pntd.0002065.nxml"
QUESTIONS = ["What was the seroprevalence in goats?", "How long is the mean lysis time?",
             "What is the maximum tolerated dose of everolimus?", "Which enzymes does MmPPOX inhibit?",
             "How reliable is the Dutch OHIP?", "How was phenotypic complexity estimated?"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=Path)
    ap.add_argument("--queries", type=int, default=60)
    args = ap.parse_args()
    out: dict = {}
    # 1. parsing
    parse = {}
    for p in ARTICLES:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            a = qa.load_article(p)
            times.append(time.perf_counter() - t)
        parse[p.name] = {"seconds": round(min(times), 3), "warnings": list(a.warnings)}
    out["parse"] = parse
    print("Parsing (best of 3):")
    for name, v in parse.items():
        print(f"  {name:<26} {v['seconds']:.3f} s  warnings: {'; '.join(v['warnings']) or 'none'}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lib, idx = tmp / "lib", tmp / "idx"
        lib.mkdir()
        for p in ARTICLES:
            if p.name != ADDED:
                shutil.copy(p, lib / p.name)
        qa.Retriever.load(lib, idx)  # five articles, model warm afterwards
        # 2. the added article alone, then added to the library
        alone_dir, alone_idx = tmp / "alone", tmp / "alone-idx"
        alone_dir.mkdir()
        shutil.copy(ROOT / "eval" / "articles" / ADDED, alone_dir / ADDED)
        t = time.perf_counter()
        qa.Retriever.load(alone_dir, alone_idx)
        alone = time.perf_counter() - t
        shutil.copy(ROOT / "eval" / "articles" / ADDED, lib / ADDED)
        t = time.perf_counter()
        r = qa.Retriever.load(lib, idx)
        added = time.perf_counter() - t
        m = r.manifest["last_build"]
        out["add"] = {"alone_seconds": round(alone, 2), "added_seconds": round(added, 2),
                      "overhead_seconds": round(added - alone, 2), "status": r.status,
                      "embedded_texts": m["embedded_texts"], "unchanged": m["unchanged"]}
        print(f"Adding {ADDED} to five indexed articles: {added:.2f} s; building it alone: {alone:.2f} s; "
              f"overhead {added - alone:+.2f} s (target <= +2 s); {r.status}")
        # 3. search latency against a bare query embedding, interleaved
        import torch

        emb = r._embedder
        st = emb.sentence_transformer  # the bare floor of the issues: sentence-transformers, one thread
        torch.set_num_threads(1)
        bare, onnx, search = [], [], []
        for i in range(args.queries):
            q = f"{QUESTIONS[i % len(QUESTIONS)]} ({i})"
            t = time.perf_counter()
            st.encode([q], normalize_embeddings=True, show_progress_bar=False)
            bare.append(time.perf_counter() - t)
            t = time.perf_counter()
            emb.encode_query(q)
            onnx.append(time.perf_counter() - t)
            r.clear_cache(words=False)
            t = time.perf_counter()
            r.search(q, k=5)
            search.append(time.perf_counter() - t)
        b, o, s = (statistics.median(x) * 1000 for x in (bare, onnx, search))
        out["search"] = {"articles": len(r.articles), "passages": len(r.passages),
                         "bare_embedding_p50_ms": round(b, 1), "onnx_embedding_p50_ms": round(o, 1),
                         "search_p50_ms": round(s, 1), "ratio": round(s / b, 2), "ratio_to_onnx": round(s / o, 2)}
        print(f"Search p50 on {len(r.articles)} articles ({len(r.passages)} passages): {s:.1f} ms; bare query "
              f"embedding p50 (sentence-transformers, one thread) {b:.1f} ms: ratio {s / b:.2f} (target <= 1.5); "
              f"qa's own ONNX query embedding {o:.1f} ms: ratio {s / o:.2f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
