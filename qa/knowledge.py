"""Reading the knowledge files of `qa/data/`: general knowledge as data, one entry a line.

`QA_LEXICON_OFF` (a comma-separated list of file names) leaves files out, for ablations: each reads
as empty, so its words are unknown and its patterns match nothing (`NEVER`).
"""

from __future__ import annotations

import os
from importlib import resources

LEXICON_OFF = frozenset(x.strip() for x in os.environ.get("QA_LEXICON_OFF", "").split(",") if x.strip())
NEVER = r"(?!)"  # the pattern of a left-out knowledge file: it matches nothing


def data_text(name: str) -> str:
    """The text of a knowledge file in `qa/data/` ("" when `QA_LEXICON_OFF` leaves it out)."""
    if name in LEXICON_OFF:
        return ""
    return resources.files("qa").joinpath(f"data/{name}").read_text(encoding="utf-8")


def data_lines(name: str) -> list[str]:
    """The non-comment lines of a knowledge file in `qa/data/`."""
    return [ln for ln in data_text(name).splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def data_pairs(*names: str) -> dict[str, str]:
    """pattern -> words, from tab-separated knowledge files (later files and lines win)."""
    out: dict[str, str] = {}
    for name in names:
        for ln in data_lines(name):
            pattern, _, words = ln.partition("\t")
            if pattern.strip() and words.strip():
                out[pattern.strip()] = words.strip()
    return out
