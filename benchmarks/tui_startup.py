"""How fast the chat UI starts: launch to painted window, to index ready, to first answer.

Each run is a fresh Python process that drives the app headless (`App.run_test`, 80x24): the
question is typed as soon as the window has painted, before the index is ready, as a hurried user
would. Times are measured from just before the process is spawned, so they include the
interpreter's own start and every import.

Scenarios:
  index  - an index exists (the usual launch);
  cold   - no index yet: the first launch builds it.

    .venv/bin/python benchmarks/tui_startup.py            # 3 runs of each scenario
    .venv/bin/python benchmarks/tui_startup.py --runs 5 --scenario index

Targets (issue #5): painted <= 1 s; first answer <= 8 s. Issue 16: launch to first answer with the
index built / a bare process that imports sentence-transformers, loads the bundled model and encodes
the question (spawned alternately with each "index" run, medians) <= 0.35.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "What is the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?"
BARE = """\
import sys
from sentence_transformers import SentenceTransformer
from qa.embedding import resolve_model
model = SentenceTransformer(resolve_model(None), device="cpu")
model.encode([sys.argv[1]], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
"""
RATIO_TARGET = 0.35


def bare_floor() -> float:
    """Seconds for a fresh process that imports sentence-transformers, loads the model, encodes the question."""
    t0 = time.time()
    subprocess.run([sys.executable, "-c", BARE, QUESTION], check=True, cwd=ROOT, capture_output=True,
                   env=dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT)), timeout=300)
    return time.time() - t0
PAINT_TARGET, ANSWER_TARGET = 1.0, 8.0


def child(corpus: str, index: str, t0: float) -> None:
    """Run inside the fresh process: start the app, ask at once, print the timestamps as JSON."""
    import asyncio

    from textual import events

    from qa.tui import make_app

    marks: dict[str, float] = {"imported": time.time() - t0}

    def hook(message) -> None:
        if isinstance(message, events.Ready) and "painted" not in marks:
            marks["painted"] = time.time() - t0

    async def main() -> None:
        app = make_app(corpus_dir=corpus, index_dir=index)
        async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
            marks.setdefault("painted", time.time() - t0)
            app.question_input.value = QUESTION
            await pilot.press("enter")
            deadline = time.time() + 180
            while time.time() < deadline:
                if app.session is not None and "ready" not in marks:
                    marks["ready"] = time.time() - t0
                if app.answers:
                    marks["answered"] = time.time() - t0
                    break
                await asyncio.sleep(0.01)
            answer = next(iter(app.answers.values()), None)
            marks["ok"] = bool(answer and "10 mg/day" in answer.text.replace("\u00a0", " "))
            marks["text"] = answer.text[:300] if answer else None

    asyncio.run(main())
    print(json.dumps(marks))


def run_once(scenario: str, work: Path) -> dict:
    corpus = work / "corpus"
    index = work / f"index-{scenario}"
    if not corpus.exists():
        shutil.copytree(ROOT / "corpus", corpus)
    shutil.rmtree(index, ignore_errors=True)
    if scenario == "index":
        src = ROOT / "index"
        if not (src / "manifest.json").exists():  # build the project's index once, outside the timing
            subprocess.run([sys.executable, "-m", "qa.cli", "index", "--corpus", str(corpus),
                            "--index", str(src)], check=True, cwd=ROOT)
        shutil.copytree(src, index)
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    t0 = time.time()
    out = subprocess.run([sys.executable, __file__, "--child", str(corpus), str(index), repr(t0)],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    if out.returncode != 0:
        raise SystemExit(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scenario", choices=["index", "cold", "all"], default="all")
    ap.add_argument("--child", nargs=3, metavar=("CORPUS", "INDEX", "T0"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], float(args.child[2]))
        return
    scenarios = ["index", "cold"] if args.scenario == "all" else [args.scenario]
    print(f"qa TUI startup, {args.runs} fresh process(es) per scenario, 80x24 headless, "
          f"{os.cpu_count()} CPUs; seconds from spawn")
    print(f"{'scenario':<8} {'run':>3} {'imported':>9} {'painted':>8} {'ready':>7} {'answered':>9}  ok")
    summary = {}
    floors: list[float] = []
    with tempfile.TemporaryDirectory(prefix="qa-tui-bench-") as tmp:
        for scenario in scenarios:
            rows = []
            for i in range(1, args.runs + 1):
                if scenario == "index":
                    floors.append(bare_floor())
                m = run_once(scenario, Path(tmp))
                rows.append(m)
                print(f"{scenario:<8} {i:>3} {m['imported']:>9.2f} {m['painted']:>8.2f} "
                      f"{m.get('ready', float('nan')):>7.2f} {m.get('answered', float('nan')):>9.2f}  "
                      f"{'yes' if m.get('ok') else 'NO'}")
            summary[scenario] = {k: statistics.median(r[k] for r in rows if k in r)
                                 for k in ("painted", "ready", "answered")}
    print()
    for scenario, s in summary.items():
        paint_ok = "meets" if s["painted"] <= PAINT_TARGET else "MISSES"
        answer_ok = "meets" if s["answered"] <= ANSWER_TARGET else "MISSES"
        print(f"{scenario}: median painted {s['painted']:.2f} s ({paint_ok} <= {PAINT_TARGET:.0f} s), "
              f"first answer {s['answered']:.2f} s ({answer_ok} <= {ANSWER_TARGET:.0f} s)")
        if scenario == "index" and floors:
            floor = statistics.median(floors)
            ratio = s["answered"] / floor
            print(f"index: launch to first answer / bare sentence-transformers process ({floor:.2f} s, median of "
                  f"{len(floors)}): {ratio:.2f} ({'meets' if ratio <= RATIO_TARGET else 'MISSES'} <= {RATIO_TARGET})")


if __name__ == "__main__":
    main()
