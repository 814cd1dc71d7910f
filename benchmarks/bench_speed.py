"""Query-path speed of qa as ratios to floors measured in the same run (issue 16), run by hand.

    .venv/bin/python benchmarks/bench_speed.py --index /tmp/wt16-index
    .venv/bin/python benchmarks/bench_speed.py --pairs 5 --queries 0 --int8 --json speed.json

The machine is shared and noisy, so each figure is a ratio to a floor timed alongside it:

    cold ask     a new `qa ask "<question>"` process, launch to printed answer (index built, ONNX
                 export cached) / a bare process that imports sentence-transformers, loads the
                 bundled model and encodes the question: `--pairs` alternating pairs, medians.
                 Target <= 0.25.
    warm ask     `ChatSession.ask` p50 in one process (query and word caches emptied before each
                 question) / bare query embedding p50: `SentenceTransformer.encode` of the same
                 question in the same process on one torch thread (faster than torch's default two
                 threads for one short text, so the stricter floor), timed right before it.
                 Target <= 2.0.
    search       `Retriever.search(k=10)` p50, caches emptied, / the same bare embedding. Target <= 1.5.
    int8         (--int8) the int8-quantised ONNX model against fp32: query embedding p50 of each and
                 the lowest cosine of its vectors to torch's over the question set.

The index is built once into --index (kept, so later runs skip it); the ONNX export goes to
QA_ONNX_CACHE if set, else the user cache folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
DEFAULT_QUESTION = "What is the maximum tolerated dose of everolimus given with paclitaxel and trastuzumab?"

BARE = """\
import sys
from sentence_transformers import SentenceTransformer
from qa.embedding import resolve_model
model = SentenceTransformer(resolve_model(None), device="cpu")
model.encode([sys.argv[1]], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
"""
QA = "from qa.cli import main; main()"


def questions(path: Path) -> list[str]:
    """Every single question of a question set (follow-up conversations left out)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            if "question" in case:
                out.append(case["question"])
    return out


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    return time.perf_counter() - t0


def machine() -> str:
    cpu = platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.lower().startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu}, {os.cpu_count()} cores, load average {load:.2f}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / "qa-speed-index")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    ap.add_argument("--question", default=DEFAULT_QUESTION, help="the cold `qa ask` question")
    ap.add_argument("--pairs", type=int, default=5, help="alternating cold pairs")
    ap.add_argument("--queries", type=int, default=0, help="questions for the warm figures (0: all)")
    ap.add_argument("--int8", action="store_true", help="also measure the int8 ONNX model")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    env = {**os.environ, "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("QA_ONNX_INT8", None)
    figures: dict[str, object] = {"machine": machine()}
    print(f"machine: {figures['machine']}")

    # ------------------------------------------------------------------ index and ONNX export, once
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys, qa; r = qa.Retriever.load(sys.argv[1], sys.argv[2]); "
                    "r.search('warm up'); print(r.status)", str(args.corpus), str(args.index)],
                   check=True, env=env, cwd=ROOT)
    print(f"index ready in {args.index} ({time.perf_counter() - t0:.1f} s, with the ONNX export if it was missing)")

    # ------------------------------------------------------------------ (a) cold ask / bare process
    ask = [sys.executable, "-c", QA, "ask", args.question, "--corpus", str(args.corpus),
           "--index", str(args.index)]
    bare = [sys.executable, "-c", BARE, args.question]
    wall(ask, env), wall(bare, env)  # page cache warm for both
    cold, floor = [], []
    for i in range(args.pairs):
        first, second = (ask, bare) if i % 2 == 0 else (bare, ask)
        a, b = wall(first, env), wall(second, env)
        cold.append(a if first is ask else b)
        floor.append(b if first is ask else a)
    ratio = p50(cold) / p50(floor)
    figures["cold"] = {"ask_s": [round(x, 3) for x in cold], "bare_s": [round(x, 3) for x in floor],
                       "ask_median_s": round(p50(cold), 3), "bare_median_s": round(p50(floor), 3),
                       "ratio": round(ratio, 3), "target": 0.25}
    print(f"(a) cold `qa ask`: median {p50(cold):.2f} s / bare sentence-transformers process "
          f"{p50(floor):.2f} s = {ratio:.3f} (target <= 0.25; {args.pairs} alternating pairs: "
          f"ask {[round(x, 2) for x in cold]}, bare {[round(x, 2) for x in floor]})")

    # ------------------------------------------------------------------ (b), (c) warm, in-process
    import numpy as np

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import transformers
    from sentence_transformers import SentenceTransformer

    import qa
    from qa.embedding import resolve_model

    qs = questions(args.questions)
    if args.queries:
        qs = qs[: args.queries]
    transformers.utils.logging.disable_progress_bar()
    r = qa.Retriever.load(args.corpus, args.index, rebuild="never")
    st = SentenceTransformer(resolve_model(None), device="cpu")
    import torch

    torch.set_num_threads(1)  # the faster floor for one short text (qa's torch query path did this)
    session = qa.ChatSession(r)
    embedder = r._embedder  # noqa: SLF001 - the benchmark times the query encoder itself
    for q in qs[:5]:  # warm-up
        st.encode([q], normalize_embeddings=True)
        r.search(q, k=10)
        session.ask(q)

    def timed(fn) -> float:
        t = time.perf_counter()
        fn()
        return (time.perf_counter() - t) * 1000

    bare_ms, onnx_ms, search_ms, ask_ms = [], [], [], []
    for q in qs:
        bare_ms.append(timed(lambda: st.encode([q], normalize_embeddings=True, convert_to_numpy=True,
                                               show_progress_bar=False)))
        onnx_ms.append(timed(lambda: embedder.encode_query(q)))
        r.clear_cache()
        search_ms.append(timed(lambda: r.search(q, k=10)))
        session.reset()
        r.clear_cache()
        ask_ms.append(timed(lambda: session.ask(q)))
    b = p50(bare_ms)
    figures["warm"] = {"questions": len(qs), "bare_embed_p50_ms": round(b, 2),
                       "onnx_embed_p50_ms": round(p50(onnx_ms), 2),
                       "ask_p50_ms": round(p50(ask_ms), 2), "search_p50_ms": round(p50(search_ms), 2),
                       "ask_ratio": round(p50(ask_ms) / b, 3), "ask_target": 2.0,
                       "search_ratio": round(p50(search_ms) / b, 3), "search_target": 1.5,
                       "onnx_embed_ratio": round(p50(onnx_ms) / b, 3),
                       "query_encoder": type(embedder.model).__name__}
    print(f"(b) warm ask p50 {p50(ask_ms):.1f} ms / bare query embedding p50 {b:.1f} ms = "
          f"{p50(ask_ms) / b:.3f} (target <= 2.0; {len(qs)} questions)")
    print(f"(c) search p50 {p50(search_ms):.1f} ms / bare query embedding p50 {b:.1f} ms = "
          f"{p50(search_ms) / b:.3f} (target <= 1.5)")
    print(f"    query embedding in qa ({figures['warm']['query_encoder']}): p50 {p50(onnx_ms):.2f} ms "
          f"= {p50(onnx_ms) / b:.3f} of the bare one")

    # ------------------------------------------------------------------ int8, optional
    if args.int8:
        from qa.embedding import OnnxEncoder, quantize_int8

        folder = embedder.onnx().folder
        quantize_int8(folder)
        fp32, int8 = OnnxEncoder(folder), OnnxEncoder(folder, int8=True)
        ref = st.encode(qs, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        cos = {name: float(np.min(np.sum(enc.encode(qs) * ref, axis=1))) for name, enc in
               (("fp32", fp32), ("int8", int8))}
        ms: dict[str, list[float]] = {"fp32": [], "int8": []}
        for q in qs:
            for name, enc in (("fp32", fp32), ("int8", int8)):
                ms[name].append(timed(lambda: enc.encode([q])))
        figures["int8"] = {"fp32_embed_p50_ms": round(p50(ms["fp32"]), 2),
                           "int8_embed_p50_ms": round(p50(ms["int8"]), 2),
                           "int8_speed_ratio": round(p50(ms["int8"]) / p50(ms["fp32"]), 3),
                           "fp32_min_cosine_to_torch": round(cos["fp32"], 6),
                           "int8_min_cosine_to_torch": round(cos["int8"], 6),
                           "int8_file_mb": round((folder / "model.int8.onnx").stat().st_size / 2**20, 1)}
        print(f"int8 ONNX: query embedding p50 {p50(ms['int8']):.2f} ms against fp32 {p50(ms['fp32']):.2f} ms "
              f"({figures['int8']['int8_speed_ratio']:.2f}x); lowest cosine to torch over {len(qs)} "
              f"questions: int8 {cos['int8']:.5f}, fp32 {cos['fp32']:.7f}")

    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
