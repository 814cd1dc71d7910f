"""Grounded answers: extractive, every sentence quoted from a passage and cited, or an abstention.

The default `ExtractiveAnswerer` works offline. It scores the sentences of the retrieved passages
against the question (sentence embeddings computed at index time, plus lexical overlap of the
question's key terms), keeps the best one to four, and cites each. It abstains when no sentence
actually answers: see `AbstentionRule` for the calibrated decision.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from qa.chunking import Passage
from qa.corpus import Reference
from qa.lexical import tokenize
from qa.text import fold


@dataclass(frozen=True)
class Citation:
    """One `[marker]` of an answer: the quoted sentence, its passage and the references it cites."""

    marker: int
    passage: Passage
    sentence: str
    references: tuple[Reference, ...] = ()

    @property
    def section(self) -> str:
        return self.passage.section


@dataclass(frozen=True)
class Answer:
    """An answer: `text` carries `[n]` markers that index `citations` (1-based, in marker order)."""

    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    passages: tuple[Passage, ...]
    query: str = ""  # what was searched (the question, rewritten for a follow-up)
    confidence: float = 0.0
    closest_sections: tuple[str, ...] = ()

    def sources_text(self) -> str:
        """The numbered sources as plain text: section, quote and cited references."""
        lines = []
        for c in self.citations:
            lines.append(f"[{c.marker}] {c.passage.doc_title} — {c.section}")
            lines.append(f"    “{c.sentence}”")
            for r in c.references:
                lines.append(f"    [{r.number}] {r.short()}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """A JSON-ready dict (what `qa ask --json` prints)."""
        return {
            "question": self.question,
            "query": self.query,
            "answer": self.text,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "closest_sections": list(self.closest_sections),
            "citations": [
                {
                    "marker": c.marker,
                    "sentence": c.sentence,
                    "passage_id": c.passage.id,
                    "doc_id": c.passage.doc_id,
                    "document": c.passage.doc_title,
                    "section": c.section,
                    "start": c.passage.start,
                    "end": c.passage.end,
                    "references": [
                        {"number": r.number, "citation": r.short(), "title": r.title,
                         "journal": r.journal, "year": r.year, "pmid": r.pmid}
                        for r in c.references
                    ],
                }
                for c in self.citations
            ],
            "passages": [
                {"id": p.id, "section": p.section, "score": round(p.score, 6), "text": p.text}
                for p in self.passages
            ],
        }


@runtime_checkable
class Answerer(Protocol):
    """Turns a question and its retrieved passages into an `Answer`. A generative backend can
    implement this without changing callers."""

    def answer(self, question: str, passages: list[Passage], query: str | None = None) -> Answer: ...


# Words that say what kind of answer is wanted but carry no topic.
GENERIC = frozenset(
    """what which who whom whose when where why how does did do is are was were kind type main
    role use used using study studies trial trials patient patients result results data report
    reported show shown according mention mentioned say says said find found name named
    effect effects level levels value values rate rates number percent percentage""".split()
)


@dataclass(frozen=True)
class AbstentionRule:
    """When the best sentence does not answer, abstain.

    Calibrated on eval/questions.jsonl (see eval/README.md): a question is answered when its key
    terms are covered and the best sentence is close enough in embedding space:
    `coverage >= min_coverage and (similarity >= min_similarity or coverage >= sure_coverage)`,
    and never when a salient question term (drug, trial, test name) is absent from the whole corpus.
    """

    min_coverage: float = 0.5
    sure_coverage: float = 0.8
    min_similarity: float = 0.45


@dataclass
class _Candidate:
    sid: int
    text: str
    passage: Passage
    rank: int
    similarity: float = 0.0
    coverage: float = 0.0
    score: float = 0.0
    refs: tuple[int, ...] = field(default=())


class ExtractiveAnswerer:
    """Quotes the sentences of the retrieved passages that answer the question."""

    def __init__(self, retriever, rule: AbstentionRule | None = None, max_sentences: int = 4):
        self.retriever = retriever
        self.rule = rule or AbstentionRule()
        self.max_sentences = max_sentences
        self._df, self._n = self._document_frequencies()

    def _document_frequencies(self) -> tuple[dict[str, int], int]:
        df: dict[str, int] = {}
        passages = self.retriever.passages
        for p in passages:
            for t in set(tokenize(f"{p.text} {p.context}")):
                df[t] = df.get(t, 0) + 1
        return df, len(passages)

    def idf(self, token: str) -> float:
        return math.log(1 + self._n / (1 + self._df.get(token, 0)))

    def key_terms(self, question: str) -> list[str]:
        """The question's topical tokens (stemmed), generic question words removed."""
        generic = {t for w in GENERIC for t in tokenize(w)}
        return list(dict.fromkeys(t for t in tokenize(question) if t not in generic))

    def unknown_terms(self, question: str) -> list[str]:
        """Key terms that occur nowhere in the corpus."""
        return [t for t in self.key_terms(question) if t not in self._df]

    def _coverage(self, terms: list[str], text: str) -> float:
        if not terms:
            return 0.0
        have = set(tokenize(text))
        total = sum(self.idf(t) for t in terms)
        return sum(self.idf(t) for t in terms if t in have) / total if total else 0.0

    def answer(self, question: str, passages: list[Passage], query: str | None = None) -> Answer:
        query = query or question
        terms = self.key_terms(query)
        qvec = self.retriever.embed(query)
        cands: list[_Candidate] = []
        seen: set[int] = set()
        for rank, p in enumerate(passages):
            for sid, s in self.retriever.sentences_of(p):
                if sid in seen or len(s.text) < 20:
                    continue
                seen.add(sid)
                cands.append(_Candidate(sid, s.text, p, rank, refs=s.refs))
        if cands:
            vecs = self.retriever.sentence_vectors([c.sid for c in cands])
            sims = vecs @ qvec
            for c, sim in zip(cands, sims):
                c.similarity = float(sim)
                ctx = f"{c.text} {c.passage.section_path[-1] if c.passage.section_path else ''}"
                if c.passage.kind in ("table_row", "table_note", "reference"):
                    ctx += " " + c.passage.context
                c.coverage = self._coverage(terms, ctx)
                c.score = c.similarity + 0.6 * c.coverage - 0.02 * c.rank
            cands.sort(key=lambda c: -c.score)
        best = cands[0] if cands else None
        unknown = self.unknown_terms(query)
        answered = best is not None and not unknown and best.coverage >= self.rule.min_coverage and (
            best.similarity >= self.rule.min_similarity or best.coverage >= self.rule.sure_coverage)
        closest = tuple(dict.fromkeys(p.section for p in passages))[:3]
        if not answered:
            where = "; ".join(closest)
            text = "The review does not answer this question."
            if where:
                text += f" The closest sections are: {where}."
            return Answer(question, text, (), True, tuple(passages), query,
                          best.score if best else 0.0, closest)
        chosen: list[_Candidate] = [best]
        floor = max(best.score - 0.25, 0.55)
        for c in cands[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if c.score < floor or c.coverage < self.rule.min_coverage * 0.6:
                continue
            if any(_near_duplicate(c, o, self.retriever) for o in chosen):
                continue
            chosen.append(c)
        citations, parts = [], []
        for i, c in enumerate(chosen, start=1):
            refs = tuple(c.passage.refs[j] for j in range(len(c.passage.refs))
                         if c.passage.refs[j].number in c.refs)
            if not refs and c.passage.kind == "reference":
                refs = c.passage.refs
            citations.append(Citation(i, c.passage, c.text, refs))
            parts.append(f"{c.text} [{i}]")
        return Answer(question, " ".join(parts), tuple(citations), False, tuple(passages), query,
                      best.score, closest)


def _near_duplicate(a: _Candidate, b: _Candidate, retriever) -> bool:
    if fold(a.text) in fold(b.text) or fold(b.text) in fold(a.text):
        return True
    v = retriever.sentence_vectors([a.sid, b.sid])
    return float(np.dot(v[0], v[1])) > 0.92


_MARKER = re.compile(r"\s\[(\d+)\]")


def answer_sentences(answer: Answer) -> list[tuple[str, int]]:
    """(sentence, marker) pairs of an answer's text, for checking that each quote is verbatim."""
    return [(c.sentence, c.marker) for c in answer.citations]
