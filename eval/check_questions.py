"""Validate the evaluation question set against the source article.

Usage:
    python eval/check_questions.py [QUESTIONS] [--article PATH] [--strict]

Every line of QUESTIONS (default: eval/questions.jsonl next to this script) must be a
JSON object in the format described in eval/README.md. Every evidence quote must occur
in the article once U+00A0 and U+2003 are mapped to spaces and runs of whitespace are
collapsed (on both sides). Errors are printed one per line as ``FILE:LINE: message``
and make the script exit with status 1. Warnings (quotes that only match after
normalisation, an answer's first form missing from the article, duplicate questions,
unknown keys) are printed but only fail the run with ``--strict``.

Standard library only (Python 3.11).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_QUESTIONS = HERE / "questions.jsonl"
DEFAULT_ARTICLE = HERE.parent.parent / "shared" / "corpus-source" / "her2-review.txt"

KINDS = {
    "fact": "fact",
    "table": "tab",
    "reference": "ref",
    "abbreviation": "abbr",
    "multi": "multi",
    "followup": "fu",
    "out_of_scope": "oos",
}
KNOWN_KEYS = {"id", "question", "turns", "evidence", "answer", "kind", "section"}
_SPACES = str.maketrans({"\u00a0": " ", "\u2003": " "})


def normalise(text: str) -> str:
    """Map NBSP and em space to spaces and collapse whitespace runs."""
    return re.sub(r"\s+", " ", text.translate(_SPACES)).strip()


@dataclass(frozen=True)
class Article:
    """The article text, its normalised form and its section spans.

    Attributes:
        raw: The article exactly as read from disk.
        norm: ``normalise(raw)`` without the final strip.
        offsets: For each character of ``norm``, its offset in ``raw``.
        sections: Section name -> (start, end) offsets in ``raw``.
    """

    raw: str
    norm: str
    offsets: tuple[int, ...]
    sections: dict[str, tuple[int, int]]

    @classmethod
    def load(cls, path: Path) -> Article:
        raw = path.read_text(encoding="utf-8")
        chars: list[str] = []
        offsets: list[int] = []
        in_space = False
        for i, ch in enumerate(raw.translate(_SPACES)):
            if ch.isspace():
                if in_space:
                    continue
                ch, in_space = " ", True
            else:
                in_space = False
            chars.append(ch)
            offsets.append(i)
        return cls(raw, "".join(chars), tuple(offsets), _section_spans(raw))

    def find(self, quote: str) -> list[int]:
        """Offsets in ``raw`` of every normalised occurrence of ``quote``."""
        needle = normalise(quote)
        hits: list[int] = []
        start = self.norm.find(needle)
        while needle and start >= 0:
            hits.append(self.offsets[start])
            start = self.norm.find(needle, start + 1)
        return hits


def _section_spans(raw: str) -> dict[str, tuple[int, int]]:
    """Section spans: front matter, abstract, each body heading, references.

    Body headings are the lines between ``==== Body`` and ``==== Refs`` that start with
    a lowercase letter, contain no tab, are at most 100 characters long and do not end
    with a full stop (this holds for the PMC plain-text layout of the article).
    """
    body = raw.index("==== Body")
    refs = raw.index("==== Refs")
    abstract = raw.index("Background\n")
    starts: list[tuple[str, int]] = [("front matter", 0), ("abstract", abstract)]
    pos = body
    for line in raw[body:refs].split("\n"):
        if (
            line[:1].islower()
            and "\t" not in line
            and len(line) <= 100
            and not line.rstrip().endswith(".")
        ):
            starts.append((line.strip(), pos))
        pos += len(line) + 1
    starts.append(("references", refs))
    spans: dict[str, tuple[int, int]] = {}
    for (name, start), (_, end) in zip(starts, starts[1:] + [("", len(raw))]):
        spans[name] = (start, end if name != "abstract" else body)
    return spans


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def check_record(rec: object, art: Article) -> tuple[list[str], list[str]]:
    """Return (errors, warnings) for one parsed line."""
    errors: list[str] = []
    warnings: list[str] = []
    if not isinstance(rec, dict):
        return ["line is not a JSON object"], warnings

    for key in ("id", "evidence", "answer", "kind"):
        if key not in rec:
            errors.append(f"missing key {key!r}")
    if errors:
        return errors, warnings
    unknown = set(rec) - KNOWN_KEYS
    if unknown:
        warnings.append(f"unknown keys {sorted(unknown)}")

    rid, kind = rec["id"], rec["kind"]
    if not isinstance(rid, str) or not rid.strip():
        errors.append("id must be a non-empty string")
    if kind not in KINDS:
        errors.append(f"kind {kind!r} not in {sorted(KINDS)}")
    elif isinstance(rid, str) and not rid.startswith(KINDS[kind] + "-"):
        errors.append(f"id {rid!r} should start with {KINDS[kind] + '-'!r} for kind {kind!r}")

    has_q, has_t = "question" in rec, "turns" in rec
    if has_q == has_t:
        errors.append("needs exactly one of 'question' or 'turns'")
    elif has_q and not (isinstance(rec["question"], str) and rec["question"].strip()):
        errors.append("'question' must be a non-empty string")
    elif has_t and not (_is_str_list(rec["turns"]) and len(rec["turns"]) >= 2):
        errors.append("'turns' must be a list of at least 2 non-empty strings")
    if kind == "followup" and not has_t:
        errors.append("kind 'followup' needs 'turns'")

    evidence, answer = rec["evidence"], rec["answer"]
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        errors.append("'evidence' must be a list of strings")
        evidence = []
    if not isinstance(answer, list) or not all(isinstance(a, str) and a.strip() for a in answer):
        errors.append("'answer' must be a list of non-empty strings")
        answer = []
    if kind == "out_of_scope":
        if evidence or answer:
            errors.append("out_of_scope cases must have empty 'evidence' and 'answer'")
    else:
        if not evidence:
            errors.append("'evidence' must not be empty unless kind is out_of_scope")
        if not answer:
            errors.append("'answer' must not be empty unless kind is out_of_scope")

    hits_per_quote: list[list[int]] = []
    for quote in evidence:
        if "\t" in quote or "\n" in quote:
            errors.append(f"evidence contains a tab or newline: {quote!r}")
            continue
        hits = art.find(quote)
        if not hits:
            errors.append(f"evidence not found in article: {quote!r}")
            continue
        hits_per_quote.append(hits)
        if quote not in art.raw:
            warnings.append(f"evidence matches only after whitespace normalisation: {quote!r}")
        if len(quote) > 200:
            warnings.append(f"evidence longer than 200 characters: {quote[:60]!r}...")

    section = rec.get("section")
    if section is not None:
        if section not in art.sections:
            errors.append(f"unknown section {section!r}")
        elif hits_per_quote:
            lo, hi = art.sections[section]
            if not any(lo <= h < hi for hits in hits_per_quote for h in hits):
                errors.append(f"no evidence quote lies in section {section!r}")

    if answer and kind != "out_of_scope":
        if normalise(answer[0]).lower() not in art.norm.lower():
            warnings.append(f"first answer form not found in article: {answer[0]!r}")
    return errors, warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", nargs="?", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--article", type=Path, default=DEFAULT_ARTICLE)
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    args = parser.parse_args(argv)

    art = Article.load(args.article)
    name = str(args.questions)
    n_err = n_warn = 0
    kinds: Counter[str] = Counter()
    seen_ids: dict[str, int] = {}
    seen_questions: dict[str, int] = {}

    with args.questions.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{name}:{lineno}: error: invalid JSON: {exc}")
                n_err += 1
                continue
            errors, warnings = check_record(rec, art)
            if isinstance(rec, dict):
                rid = rec.get("id")
                if isinstance(rid, str):
                    if rid in seen_ids:
                        errors.append(f"duplicate id {rid!r} (first on line {seen_ids[rid]})")
                    seen_ids.setdefault(rid, lineno)
                text = rec.get("question") or json.dumps(rec.get("turns"))
                key = normalise(str(text)).lower()
                if key in seen_questions:
                    warnings.append(f"same question as line {seen_questions[key]}")
                seen_questions.setdefault(key, lineno)
                if not errors:
                    kinds[str(rec["kind"])] += 1
            label = f"{name}:{lineno}: " + (f"{rec['id']}: " if isinstance(rec, dict) and "id" in rec else "")
            for msg in errors:
                print(f"{label}error: {msg}")
            for msg in warnings:
                print(f"{label}{'error' if args.strict else 'warning'}: {msg}")
            n_err += len(errors) + (len(warnings) if args.strict else 0)
            n_warn += 0 if args.strict else len(warnings)

    total = sum(kinds.values())
    print("counts: " + ", ".join(f"{k}={kinds[k]}" for k in KINDS) + f", total={total}")
    if n_err:
        print(f"{name}: FAILED with {n_err} error(s)")
        return 1
    print(f"{name}: OK" + (f" ({n_warn} warning(s))" if n_warn else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
