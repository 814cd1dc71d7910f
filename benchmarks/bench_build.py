"""Index-build benchmark (issue 16): the build against its floor, and a synthetic library of 200 articles.

    .venv/bin/python benchmarks/bench_build.py                 # both parts
    .venv/bin/python benchmarks/bench_build.py --sizes 6 50    # a smaller growth table
    .venv/bin/python benchmarks/bench_build.py --pairs 0       # only the growth table

The machine is shared and noisy, so each figure is a ratio to a floor timed in the same run.

1. Build / floor, on the six-article library (the five development articles and the review), in one
   process with the model loaded: `--pairs` alternating rounds of
     floor   encoding every passage (as the build embeds it, with its heading) and every sentence
             once, with sentence-transformers on torch (the issue's floor);
     build   `qa.index.build_index` from scratch with the default settings (`qa.settings.IndexSettings`:
             ONNX Runtime, passage vectors composed from their sentences' vectors);
     before  the same build as qa made it before (torch, each passage encoded as well).
   Medians and ratios. Target: build <= 0.6 x floor.
2. Growth: libraries of `--sizes` articles. 6 is the real six; larger ones repeat them under new
   file names, DOIs and PMIDs with a word of the title changed, so duplicate detection keeps every
   copy. Each size is built by a fresh process (`qa.Retriever.load`, the ONNX export cached), which
   then reports its build time, peak memory (ru_maxrss), the index's size on disk, and search p50
   (`Retriever.search`, k=5, caches emptied) against a bare query embedding
   (sentence-transformers, one torch thread) timed alternately with it. Target: search <= 1.5x.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SOURCES = sorted((ROOT / "eval" / "articles").glob("*.nxml")) + [ROOT / "corpus" / "her2-review.txt"]
QUESTIONS = ["What was the seroprevalence in goats?", "How long is the mean lysis time?",
             "What is the maximum tolerated dose of everolimus?", "Which enzymes does MmPPOX inhibit?",
             "How reliable is the Dutch OHIP?", "How was phenotypic complexity estimated?"]

CHILD = r"""
import json, os, resource, statistics, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import qa
t = time.perf_counter()
r = qa.Retriever.load(sys.argv[1], sys.argv[2])
build = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
questions = json.loads(sys.argv[4])
import torch
torch.set_num_threads(1)
st = r._embedder.sentence_transformer
bare, search = [], []
for i in range(int(sys.argv[5])):
    q = f"{questions[i % len(questions)]} ({i})"
    t = time.perf_counter(); st.encode([q], normalize_embeddings=True, show_progress_bar=False)
    bare.append(time.perf_counter() - t)
    r.clear_cache(words=False)
    t = time.perf_counter(); r.search(q, k=5)
    search.append(time.perf_counter() - t)
gen = Path(sys.argv[2]) / r.manifest["generation"]
size = sum(f.stat().st_size for f in gen.rglob("*") if f.is_file())
print(json.dumps({"articles": len(r.articles), "passages": len(r.passages), "sentences": int(r.manifest["counts"]["sentences"]),
                  "build_seconds": round(build, 1), "peak_rss_mb": round(peak), "index_mb": round(size / 1e6, 1),
                  "search_p50_ms": round(statistics.median(search) * 1000, 1),
                  "bare_embedding_p50_ms": round(statistics.median(bare) * 1000, 1)}))
"""


def synthetic_copy(src: Path, n: int, folder: Path) -> Path:
    """Article `src` as copy `n`: new file name, DOI and PMID, and a word of its title changed."""
    text = src.read_text(encoding="utf-8")
    if src.suffix == ".nxml":
        text = re.sub(r'(<article-id pub-id-type="pmid">)(\d+)', lambda m: f"{m[1]}{90000000 + n}", text, count=1)
        text = re.sub(r'(<article-id pub-id-type="doi">)([^<]+)', lambda m: f"{m[1]}{m[2]}.copy{n}", text, count=1)
        text = re.sub(r"(<article-title>)(\S+)", lambda m: f"{m[1]}{m[2]}{n}", text, count=1)
    else:  # the review's PMC text: its DOI, and the first word of its title
        text = text.replace("10.1093/annonc/mds200", f"10.1093/annonc/mds200.copy{n}", 1)
        text = text.replace("ReviewsOvercoming", f"ReviewsOvercoming{n}", 1)
    out = folder / f"{src.stem}-copy{n}{src.suffix}"
    out.write_text(text, encoding="utf-8")
    return out


def library(size: int, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for i in range(size):
        src = SOURCES[i % len(SOURCES)]
        if i < len(SOURCES):
            shutil.copy(src, folder / src.name)
        else:
            synthetic_copy(src, i, folder)
    return folder


def build_vs_floor(pairs: int) -> dict:
    import qa.index
    from qa.chunking import Chunker, ChunkSettings
    from qa.corpus import load_corpus
    from qa.settings import IndexSettings

    tmp = Path(tempfile.mkdtemp(prefix="qa-bench-build-"))
    try:
        lib = library(len(SOURCES), tmp / "lib")
        docs = load_corpus(lib)
        emb = qa.index.Embedder()
        emb.sentence_transformer  # torch and the model loaded: the floor's state
        emb.onnx()  # the export cached, as after the first build
        limit = min(ChunkSettings().max_tokens, emb.max_tokens)
        default = qa.index.SETTINGS
        before = replace(default, index=IndexSettings(encoder="torch", passage_vectors="encoded"))

        def floor() -> float:
            t = time.perf_counter()
            passages, sentences = Chunker(emb.count_tokens(), ChunkSettings(max_tokens=limit)).chunk(docs)
            emb.encode([p.embedding_text() for p in passages])
            emb.encode([s.text for s in sentences])
            return time.perf_counter() - t

        def build(settings) -> float:
            qa.index.SETTINGS = settings
            out = tmp / f"idx-{time.monotonic_ns()}"
            try:
                t = time.perf_counter()
                qa.index.build_index(docs, emb, out)
                return time.perf_counter() - t
            finally:
                qa.index.SETTINGS = default
                shutil.rmtree(out, ignore_errors=True)

        build(default)  # warm: the ONNX sessions opened once
        rows = {"floor": [], "build": [], "before": []}
        for i in range(pairs):
            print(f"  round {i + 1}/{pairs}…", file=sys.stderr)
            rows["floor"].append(floor())
            rows["build"].append(build(default))
            rows["before"].append(build(before))
        med = {k: statistics.median(v) for k, v in rows.items()}
        return {"articles": len(docs), "pairs": pairs, "settings": {"encoder": default.index.encoder,
                                                                    "passage_vectors": default.index.passage_vectors},
                "seconds": {k: [round(x, 2) for x in v] for k, v in rows.items()},
                "floor_p50": round(med["floor"], 2), "build_p50": round(med["build"], 2),
                "before_p50": round(med["before"], 2),
                "ratio": round(med["build"] / med["floor"], 2), "ratio_before": round(med["before"] / med["floor"], 2)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def growth(sizes: list[int], queries: int) -> list[dict]:
    rows = []
    for size in sizes:
        tmp = Path(tempfile.mkdtemp(prefix=f"qa-bench-{size}-"))
        try:
            lib = library(size, tmp / "lib")
            print(f"  building {size} articles…", file=sys.stderr)
            res = subprocess.run([sys.executable, "-c", CHILD, str(lib), str(tmp / "idx"), str(ROOT),
                                  json.dumps(QUESTIONS), str(queries)],
                                 capture_output=True, text=True, env={**os.environ, "QA_LOG": "0"})
            if res.returncode:
                raise SystemExit(f"building {size} articles failed:\n{res.stderr[-2000:]}")
            row = json.loads(res.stdout.strip().splitlines()[-1])
            row["search_ratio"] = round(row["search_p50_ms"] / row["bare_embedding_p50_ms"], 2)
            rows.append(row)
            print(f"  {row}", file=sys.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="*", default=[6, 50, 200])
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    out: dict = {}
    if args.pairs:
        b = build_vs_floor(args.pairs)
        out["build"] = b
        print(f"Build of {b['articles']} articles ({b['settings']}): p50 {b['build_p50']:.2f} s; floor (torch, "
              f"each passage and sentence encoded once) {b['floor_p50']:.2f} s: ratio {b['ratio']:.2f} "
              f"(target <= 0.6); the build as before (torch, passages encoded too) {b['before_p50']:.2f} s: "
              f"ratio {b['ratio_before']:.2f}")
    if args.sizes:
        rows = growth(args.sizes, args.queries)
        out["growth"] = rows
        print(f"{'articles':>8} {'passages':>8} {'sentences':>9} {'build s':>8} {'s/article':>9} {'peak MB':>8} "
              f"{'index MB':>8} {'search ms':>9} {'bare ms':>8} {'ratio':>6}")
        for r in rows:
            print(f"{r['articles']:>8} {r['passages']:>8} {r['sentences']:>9} {r['build_seconds']:>8.1f} "
                  f"{r['build_seconds'] / r['articles']:>9.2f} {r['peak_rss_mb']:>8} {r['index_mb']:>8.1f} "
                  f"{r['search_p50_ms']:>9.1f} {r['bare_embedding_p50_ms']:>8.1f} {r['search_ratio']:>6.2f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
