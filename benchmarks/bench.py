"""Benchmarks of qa, run by hand (not part of the tests): prints the machine and the figures.

    .venv/bin/python benchmarks/bench.py                 # the project's corpus and question set
    .venv/bin/python benchmarks/bench.py --queries 50 --json bench.json

Figures:
    cold start      a new `qa ask` process, from launch to the printed answer (index already built)
    index build     `Retriever.load(rebuild="always")` into a temporary folder: seconds and passages/s
                    (the first build also loads torch and the model; the rebuild shows the steady cost)
    index size      bytes on disk of the built index
    search / ask    warm latency p50 / p95 over the question set's single questions (the query
                    embedding cache is emptied before each call, so each includes embedding the query)
    peak memory     resource.getrusage maxrss of this process (two builds, searches, answers) and
                    of the largest cold-start `qa ask` process
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def maxrss_mb(who: int) -> float:
    """Peak resident memory in MB (Linux reports kilobytes, macOS bytes)."""
    rss = resource.getrusage(who).ru_maxrss
    return rss / (2**20 if sys.platform == "darwin" else 2**10)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    ap.add_argument("--queries", type=int, default=0, help="how many questions to time (0: all)")
    ap.add_argument("--cold-runs", type=int, default=3, help="cold-start processes to time")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)

    from qa import evaluation as ev

    figures: dict[str, object] = {"machine": ev.machine()}
    m = figures["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, "
          f"{m['platform']}")

    tmp = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        index_dir = tmp / "index"
        # ---------------------------------------------------------------- index build
        import qa

        t0 = time.perf_counter()
        r = qa.Retriever.load(args.corpus, index_dir, rebuild="always")
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        r = qa.Retriever.load(args.corpus, index_dir, rebuild="always")
        rebuild = time.perf_counter() - t0
        n = len(r.passages)
        size = dir_size(index_dir)
        figures.update({
            "passages": n,
            "sentences": r.manifest["counts"]["sentences"],
            "index_build_first_s": round(first, 2),
            "index_build_s": round(rebuild, 2),
            "index_passages_per_s": round(n / rebuild, 1),
            "index_size_bytes": size,
        })
        print(f"index build: first {first:.2f} s (with torch and model load), rebuild {rebuild:.2f} s; "
              f"{n} passages, {n / rebuild:.1f} passages/s")
        print(f"index size on disk: {size / 2**20:.2f} MB ({size} bytes)")

        # ---------------------------------------------------------------- cold start
        qa_bin = Path(sys.executable).parent / "qa"
        cmd = [str(qa_bin), "ask", "What share of breast cancers overexpress HER2?",
               "--corpus", str(args.corpus), "--index", str(index_dir)]
        # Timed from a small wrapper process, so the child's maxrss is its own (a child forked
        # straight from this large process would report this process's memory as its peak).
        wrapper = ("import json, resource, subprocess, sys, time; t0 = time.perf_counter(); "
                   "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
                   "stderr=subprocess.DEVNULL); s = time.perf_counter() - t0; "
                   "print(json.dumps({'s': s, 'rss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")
        colds, rss = [], []
        for _ in range(max(1, args.cold_runs)):
            res = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True,
                                 text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
            got = json.loads(res.stdout)
            colds.append(got["s"])
            rss.append(got["rss"] / (2**20 if sys.platform == "darwin" else 2**10))
        colds.sort()
        figures["cold_start_s"] = round(colds[len(colds) // 2], 2)
        figures["cold_start_runs_s"] = [round(c, 2) for c in colds]
        figures["peak_rss_cold_start_mb"] = round(max(rss), 1)
        print(f"cold start (new process to first answer): median {figures['cold_start_s']:.2f} s "
              f"of {len(colds)} runs {figures['cold_start_runs_s']}")

        # ---------------------------------------------------------------- warm latency
        cases = [c for c in ev.load_question_set(args.questions) if not c.is_conversation]
        if args.queries:
            cases = cases[: args.queries]
        questions = [c.question for c in cases]
        session = qa.ChatSession(r)
        for q in questions[:5]:  # warm-up
            r.search(q, k=10)
            session.ask(q)
        search_ms, ask_ms = [], []
        for q in questions:
            ev._forget_cached_embeddings(r)
            t0 = time.perf_counter()
            r.search(q, k=10)
            search_ms.append((time.perf_counter() - t0) * 1000)
            session.reset()
            ev._forget_cached_embeddings(r)
            t0 = time.perf_counter()
            session.ask(q)
            ask_ms.append((time.perf_counter() - t0) * 1000)
        for name, xs in (("search", search_ms), ("ask", ask_ms)):
            p50, p95 = ev.percentile(xs, 50), ev.percentile(xs, 95)
            figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"] = round(p50, 1), round(p95, 1)
            print(f"{name} latency (warm, {len(xs)} questions): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        # the same in a long session: each question embedded afresh, but the vectors of words that
        # earlier questions used (and the article lacks) kept, as a running chat keeps them
        search_ms = []
        r.clear_cache()  # start the session with no question's words: only earlier ones help later
        for q in questions:
            r.clear_cache(words=False)
            t0 = time.perf_counter()
            r.search(q, k=10)
            search_ms.append((time.perf_counter() - t0) * 1000)
        p50, p95 = ev.percentile(search_ms, 50), ev.percentile(search_ms, 95)
        figures["search_session_p50_ms"], figures["search_session_p95_ms"] = round(p50, 1), round(p95, 1)
        print(f"search latency (long session, word vectors of earlier questions kept): "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")

        # ---------------------------------------------------------------- memory
        figures["peak_rss_mb"] = round(maxrss_mb(resource.RUSAGE_SELF), 1)
        print(f"peak memory: {figures['peak_rss_mb']:.0f} MB (this process: two builds, searches, "
              f"answers); {figures['peak_rss_cold_start_mb']:.0f} MB (largest cold-start `qa ask`)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
