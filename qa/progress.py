"""Progress reporting shared by the command-line front ends: rich progress bars on a terminal, log
lines when stderr is a file or a pipe (`nohup qa index`, CI)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from qa.text import printable

_COUNT = re.compile(r"(\d+)/(\d+)")


def announcing(bar, task, console, width: int | None = None) -> Callable[[str, float], None]:
    """A `Retriever.load` progress callback: drives `task` of the rich `bar` and prints a line on
    `console` when the index is (re)built, saying why."""

    def progress(message: str, fraction: float) -> None:
        if message.startswith(("Rebuilding index", "Building index")):
            console.print(f"qa: {printable(message)}", soft_wrap=True, markup=False)
        bar.update(task, description=message[:width] if width else message, completed=fraction)

    return progress


def duration(seconds: float) -> str:
    """A short, rounded duration: "8 s", "3 min 05 s", "1 h 02 min"."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class LogLines:
    """A `Retriever.load` progress callback that prints log lines instead of a bar: one when the
    stage changes ("Chunking…", "Embedding 16/5210"), then at most one every `interval` seconds
    within a stage, with its count, rate and time left:

        qa: Embedding 1216/5210 (25%), 48.3/s, about 1 min 23 s left

    Args:
        console: a rich console (stderr).
        interval: seconds between two lines of one stage.
        clock: the time source, in seconds (a fake one in tests).
    """

    def __init__(self, console, interval: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self.console = console
        self.interval = interval
        self.clock = clock
        self._stage: str | None = None
        self._start = (0.0, 0, 0.0)  # (time, count, fraction) when the stage began
        self._last = 0.0

    def __call__(self, message: str, fraction: float) -> None:
        now = self.clock()
        m = _COUNT.search(message)
        done, total = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        stage = _COUNT.sub("#", message)
        line = f"qa: {message} ({fraction:.0%})"
        if stage != self._stage:
            self._stage, self._start, self._last = stage, (now, done or 0, fraction), now
        elif now - self._last >= self.interval:
            self._last = now
            t0, n0, f0 = self._start
            elapsed = now - t0
            if done is not None and elapsed > 0 and done > n0:
                rate = (done - n0) / elapsed
                line += f", {rate:.1f}/s" if rate < 10 else f", {rate:.0f}/s"
                line += f", about {duration((total - done) / rate)} left"
            elif elapsed > 0 and fraction > f0:
                line += f", about {duration((1 - fraction) * elapsed / (fraction - f0))} left"
        else:
            return
        self.console.print(printable(line), soft_wrap=True, markup=False, highlight=False)
