"""Hybrid retrieval of cited passages: dense (FAISS, passage and best-sentence vectors) and BM25
fused by calibrated z-scores, with glossary and lay-term query expansion; the top 30 re-ranked by
how well their best sentence answers the question (similarity + key-term coverage, `qa.terms`).

    >>> import qa
    >>> r = qa.Retriever.load(corpus_dir="corpus", index_dir="index")
    >>> for p in r.search("maximum tolerated dose of everolimus", k=3):
    ...     print(p.section, p.score, [ref.short() for ref in p.refs])
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.chunking import ChunkSettings, Passage, Sentence
from qa.corpus import Document, Section, load_corpus
from qa.embedding import Embedder
from qa.errors import QAError, QuestionError, StaleIndexError
from qa.faiss_factory import existing_factory, training_vectors_needed
from qa.settings import SETTINGS
from qa.scoring import SentenceScorer
from qa.store import LocalStore, PassageStore
from qa.index import Index, Progress, build_index, expected_manifest, load_index, read_manifest
from qa.query import (SECTION_HINT_SHIFT, SECTION_HINTS, QueryAnalysis, QueryAnalyzer, asks_for_definition,
                      asks_for_reference, described_names)
from qa.subjects import SubjectReader
from qa.tables import TableReader
from qa.terms import KeyTerms
from qa.text import fold

__all__ = ["MODES", "MAX_QUESTION_CHARS", "Retriever", "check_question", "check_search_args", "asks_for_definition",
           "asks_for_reference", "described_names"]

MODES = ("hybrid", "dense", "bm25")
MAX_QUESTION_CHARS = 2000
# Hybrid fusion: weights of the z-scored passage vector, best-sentence vector and BM25 scores, and
# the shift of bibliography entries; grid-searched on eval/questions.jsonl (MRR@10, Recall@5).
FUSION_WEIGHTS = SETTINGS.retrieval.fusion_weights
REFERENCE_SHIFT = SETTINGS.retrieval.reference_shift
# Hybrid re-ranking: the first RERANK_DEPTH passages get RERANK_WEIGHT x their best sentence's
# answer score (cosine to the question + RERANK_COVERAGE x the share of its key terms the sentence
# covers, as the answerer scores sentences); weight chosen on eval/questions.jsonl.
RERANK_DEPTH = SETTINGS.retrieval.rerank_depth
RERANK_WEIGHT = SETTINGS.retrieval.rerank_weight
RERANK_COVERAGE = SETTINGS.retrieval.rerank_coverage


def check_question(question: object) -> str:
    """The question stripped; QuestionError if it is not a usable question."""
    if not isinstance(question, str):
        raise QuestionError(f"the question must be text, not {type(question).__name__}")
    q = question.strip()
    if not q:
        raise QuestionError("the question is empty; type a question about the article")
    from qa.text import undecodable  # here, so that this check stays within this function

    bad = undecodable(q)
    if bad:
        raise QuestionError(f"the question cannot be read: {bad}")
    if len(q) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(q)} characters long; the limit is "
                            f"{MAX_QUESTION_CHARS}: ask something shorter")
    return q


def check_search_args(k: object, mode: object) -> None:
    """QuestionError unless k is a whole number >= 1 and mode is a known retrieval mode."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise QuestionError(f"k must be a whole number of at least 1, not {k!r}")
    if mode not in MODES:
        raise QuestionError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")


class Retriever:
    """Finds the passages of the corpus that answer a question.

    Build or load with `Retriever.load`; search with `search`. Thread-safe for concurrent searches.
    """

    def __init__(self, documents: list[Document], index: Index, embedder: Embedder,
                 index_dir: Path, corpus_dir: Path):
        self.documents = documents
        self._index = index
        self._embedder = embedder
        self.index_dir = index_dir
        self.corpus_dir = corpus_dir
        self._docs = {d.doc_id: d for d in documents}
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._word_ids = {w: i for i, w in enumerate(index.words)}
        self._word_cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.glossary: dict[str, str] = {}
        for d in documents:
            for k, v in d.glossary.items():
                self.glossary.setdefault(k, v)
        # where passage scores come from: the local FAISS + bm25s index (qa.store, docs/scale.md)
        self.store: PassageStore = LocalStore(index)
        self._is_reference = np.array([p.kind == "reference" for p in index.passages])
        # passages of the part of the article a question names ("in the abstract", "the table")
        self._hinted = [(np.array([bool(where.search(f"{p.kind} {p.section}")) for p in index.passages]), weight)
                        for _, where, weight in SECTION_HINTS]
        # names the article describes in apposition ("PTEN—a negative regulator of ..."), per passage
        self._described = [frozenset(described_names(p.text)) for p in index.passages]
        self._described_any = frozenset().union(*self._described)
        # one analysis of each question, shared with the answerer (qa.query)
        self.analyzer = QueryAnalyzer(self.glossary, lambda: self.terms, self._described_any, self.embed,
                                      SubjectReader(self), TableReader(documents, index.passages, self.glossary))
        self.status: str = ""  # what load() did: "loaded", or why it rebuilt
        self._terms: KeyTerms | None = None
        self._articles: dict | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._folded: list[str] | None = None  # the passages' texts in `fold` form, when first needed
        self._entries: dict[tuple[str, int], Passage] | None = None  # bibliography entries by number

    # ------------------------------------------------------------------ construction

    @classmethod
    def load(cls, corpus_dir: str | Path = "corpus", index_dir: str | Path = "index",
             model: str | None = None, *, rebuild: str = "auto",
             settings: ChunkSettings | None = None, factory: str | None = None,
             progress: Progress | None = None) -> "Retriever":
        """Load the index for the corpus, building it if missing or stale.

        Args:
            corpus_dir: folder of PMC `.txt` articles.
            index_dir: where the index lives.
            model: sentence-transformers name or path; the bundled all-MiniLM-L6-v2 by default.
            rebuild: "auto" rebuilds a missing or stale index (saying why through `progress`),
                "never" raises StaleIndexError instead, "always" rebuilds.
            settings: chunker settings; part of the manifest.
            factory: FAISS factory string; "Flat" is exact inner product. None: whatever the
                existing index was built with (its manifest's `faiss_factory`), "Flat" if none.
            progress: called with (message, fraction) while loading or building.

        Raises:
            CorpusError, StaleIndexError, IndexCorruptError, ModelError.
        """
        if rebuild not in ("auto", "never", "always"):
            raise ValueError(f"rebuild must be auto, never or always, not {rebuild!r}")
        say = progress or (lambda msg, frac: None)
        settings = settings or ChunkSettings()
        if corpus_dir is None or index_dir is None:
            raise QuestionError("corpus_dir and index_dir must be folders, not None")
        corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
        if factory is None:
            factory = existing_factory(index_dir)
        training_vectors_needed(factory)  # FactoryError for a string FAISS cannot build, before any work
        notes: list[str] = []
        docs = load_corpus(corpus_dir, notes)
        for note in notes:
            say(note, 0.0)
        embedder = Embedder(model)
        expected = expected_manifest(docs, embedder.name, settings, factory)
        status = "loaded"
        if rebuild == "always":
            status = "rebuilt on request"
        else:
            try:
                index = load_index(index_dir, docs, expected)
            except StaleIndexError as e:
                if rebuild == "never":
                    raise
                reason = str(e).split(";")[0]
                fresh = read_manifest(index_dir) is None
                status = "built (there was no index yet)" if fresh else f"rebuilt ({reason})"
                say("Building index: there is none yet" if fresh else f"Rebuilding index: {reason}", 0.0)
            else:
                say("Loading model…", 0.5)
                embedder.model  # noqa: B018 - load now, not on the first question
                say("Index ready", 1.0)
                r = cls(docs, index, embedder, index_dir, corpus_dir)
                r.status = status
                return r
        previous = None
        if rebuild != "always":
            try:  # an index for another corpus still gives the vectors of its unchanged articles
                previous = load_index(index_dir, docs, expected, check_stale=False)
            except QAError:
                previous = None
        index = build_index(docs, embedder, index_dir, settings, factory, progress=progress,
                            previous=previous)
        if index.report is not None and previous is not None:
            status = f"{status}: {index.report.summary()}"
        r = cls(docs, index, embedder, index_dir, corpus_dir)
        r.status = status
        return r

    # ------------------------------------------------------------------ public data

    @property
    def passages(self) -> list[Passage]:
        """Every indexed passage, in corpus order."""
        return self._index.passages

    @property
    def manifest(self) -> dict:
        return self._index.manifest

    @property
    def model_name(self) -> str:
        return self._embedder.name

    def document(self, doc_id: str) -> Document:
        return self._docs[doc_id]

    def section_of(self, passage: Passage) -> Section:
        """The section a passage belongs to (its deepest heading)."""
        doc = self._docs[passage.doc_id]
        try:
            return doc.section(passage.section_path)
        except KeyError:
            return Section(passage.section, passage.section_path, passage.start, passage.end)

    def section_text(self, passage: Passage) -> tuple[Section, str]:
        """The whole section holding the passage, as the article has it (passage.start/end index it)."""
        sec = self.section_of(passage)
        return sec, self._docs[passage.doc_id].text[sec.start:sec.end]

    def sentences_of(self, passage: Passage) -> list[tuple[int, Sentence]]:
        """The passage's sentences with their ids, in order."""
        return [(i, self._index.sentences[i]) for i in passage.sentences]

    def bibliography_entry(self, doc_id: str, number: int) -> Passage | None:
        """The passage of an article's bibliography entry by its number ("[34]"), if indexed."""
        if self._entries is None:
            self._entries = {(p.doc_id, r.number): p for p in self._index.passages if p.kind == "reference"
                             for r in p.refs[:1]}
        return self._entries.get((doc_id, number))

    def sentence_vectors(self, ids: list[int]) -> np.ndarray:
        """Normalised embeddings of sentences by id, computed at index time."""
        return self._index.sentence_vectors[ids]

    @property
    def terms(self) -> KeyTerms:
        """Key-term statistics of the corpus (document frequencies, coverage of a question)."""
        if self._terms is None:
            self._terms = KeyTerms([f"{p.text} {p.context}" for p in self._index.passages],
                                   self._index.words, self.word_vectors)
        return self._terms

    @property
    def vocabulary(self) -> list[str]:
        """The article's words (`qa.text.plain_words`) whose vectors the index holds."""
        return self._index.words

    def word_vectors(self, words: list[str]) -> np.ndarray:
        """Embeddings of single lower-case words, shape (len(words), dim): the article's vocabulary
        comes from the index, other words are embedded on first use and kept."""
        dim = self._index.sentence_vectors.shape[1]
        if not words:
            return np.zeros((0, dim), dtype="float32")
        with self._lock:
            missing = [w for w in dict.fromkeys(words)
                       if w not in self._word_ids and w not in self._word_cache]
        if missing:
            vecs = self._embedder.encode_few(missing)
            with self._lock:
                self._word_cache.update(zip(missing, vecs))
                if len(self._word_cache) > 20000:
                    self._word_cache.clear()
                    self._word_cache.update(zip(missing, vecs))
        table = self._index.word_vectors
        with self._lock:
            return np.stack([table[self._word_ids[w]] if w in self._word_ids else self._word_cache[w]
                             for w in words])

    def clear_cache(self, words: bool = True) -> None:
        """Forget cached query embeddings (for timing cold queries) and, unless `words` is False,
        the vectors of question words the article lacks (a long session keeps them)."""
        with self._lock:
            self._cache.clear()
            if words:
                self._word_cache.clear()

    def embed(self, text: str) -> np.ndarray:
        """The normalised embedding of a text (cached)."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        v = self._embedder.encode_query(text)
        with self._lock:
            self._cache[text] = v
            if len(self._cache) > 512:
                self._cache.popitem(last=False)
        return v

    # ------------------------------------------------------------------ search

    def analyze(self, question: str, query: str | None = None, referent: str = "",
                own_words: bool = False) -> QueryAnalysis:
        """The one analysis of a question (and of its search query) that `search_analysis` and the
        answerer share (`qa.query`). The question's words close to the article's are looked up on a
        helper thread while the question is embedded. `referent`: the earlier question a
        follow-up's pronoun stands for, whose subjects the answer must then be about; `own_words`:
        the follow-up asks something in words of its own, embedded alone too (not "And in goats?")."""
        q = check_question(question)
        words = self._pool().submit(self.terms.surface, query or q)
        return self.analyzer.analyze(q, query, surface=words.result, referent=referent, own_words=own_words)

    def expand_query(self, question: str) -> str:
        """The question plus the long forms of its abbreviations, the short forms of long ones, and
        the article's words for common lay terms ("side effects" → "adverse events")."""
        return self.analyzer.expand_query(question)

    def search(self, question: str, k: int = 5, mode: str = "hybrid",
               article: str | None = None, section: str | None = None) -> list[Passage]:
        """The `k` best passages for the question, best first, each with its score.

        Args:
            question: the question, 1 to 2,000 characters.
            k: how many passages (>= 1).
            mode: "hybrid" (dense + BM25, weighted z-score fusion), "dense" or "bm25".
            article: keep only passages of this article (its id, `retriever.articles`).
            section: keep only passages whose section path contains this text (case-insensitive).

        Raises:
            QuestionError: empty or over-long question, k < 1, unknown mode.
        """
        return self.search_many([question], k=k, mode=mode, section=section, article=article)[0]

    def search_many(self, questions: list[str], k: int = 5, mode: str = "hybrid",
                    article: str | None = None, section: str | None = None) -> list[list[Passage]]:
        """`search` for several questions."""
        self._check_scope(k, mode, article, section)
        return [self._search(self.analyze(q), k, mode, section, article) for q in questions]

    def search_analysis(self, analysis: QueryAnalysis, k: int = 5, mode: str = "hybrid",
                        article: str | None = None, section: str | None = None) -> list[Passage]:
        """`search` for a question already analysed (`analyze`): the chat analyses each question once
        for retrieval and answering."""
        self._check_scope(k, mode, article, section)
        return self._search(analysis, k, mode, section, article)

    def _check_scope(self, k: object, mode: object, article: object, section: object) -> None:
        check_search_args(k, mode)
        if section is not None and not isinstance(section, str):
            raise QuestionError(f"section must be text, not {type(section).__name__}")
        self.check_article(article)

    def check_article(self, article: object) -> None:
        """QuestionError unless `article` is None or the id of an article of the corpus."""
        if article is None:
            return
        if not isinstance(article, str) or article not in self._docs:
            ids = ", ".join(sorted(self._docs)[:8])
            raise QuestionError(f"no article {article!r} in the corpus; use one of: {ids}")

    @property
    def articles(self) -> dict:
        """Every article of the corpus by id (`qa.Article`)."""
        if self._articles is None:
            from qa.corpus import Article

            self._articles = {d.doc_id: Article.from_document(d) for d in self.documents}
        return self._articles

    @property
    def corpus_noun(self) -> str:
        """How answers name the corpus: "the review", "the article" or "these articles"."""
        return self.noun_for(None)

    def noun_for(self, article: str | None) -> str:
        """How answers name what they were asked over: one article ("the review", "the article")
        or the whole corpus ("these articles" when it holds several)."""
        docs = [self._docs[article]] if article in self._docs else self.documents
        if len(docs) == 1:
            return "the review" if docs[0].is_review else "the article"
        return "these articles"

    def citation_of(self, passage: Passage) -> str:
        """The short citation of the article a passage comes from ("Sharial MSN et al., Ann Oncol 2012")."""
        doc = self._docs.get(passage.doc_id)
        return doc.short_citation() if doc else passage.doc_id

    def scores(self, analysis: QueryAnalysis, mode: str = "hybrid") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(fused, dense, bm25) scores of every passage for an analysed question.

        Dense evidence is two-grained: the passage vector and its best sentence vector (both
        computed at index time). Hybrid fusion is a weighted sum of z-scores (calibrated on
        eval/questions.jsonl): passage 0.2, best sentence 0.6, BM25 0.25. Bibliography entries are
        pushed down (by `REFERENCE_SHIFT` standard deviations) unless the question asks for a paper,
        and up when it does.
        """
        n = len(self._index.passages)
        dense = np.zeros(n, dtype="float32")
        best_sentence = np.zeros(n, dtype="float32")
        bm25 = np.zeros(n, dtype="float32")
        if mode in ("dense", "hybrid"):
            q = analysis.vector
            dense = self.store.dense_scores(q)
            best_sentence = self.store.best_sentence_scores(q, dense)
        if mode in ("bm25", "hybrid"):
            bm25 = self.store.lexical_scores(analysis.lexical)
        if mode == "bm25":
            return bm25, dense, bm25
        if mode == "dense":
            fused = 0.33 * _z(dense) + 0.67 * _z(best_sentence)
        else:
            fused = (FUSION_WEIGHTS[0] * _z(dense) + FUSION_WEIGHTS[1] * _z(best_sentence)
                     + FUSION_WEIGHTS[2] * _z(bm25))
            shift = REFERENCE_SHIFT if analysis.bibliographic else -REFERENCE_SHIFT
            fused = fused + np.where(self._is_reference, shift, 0.0)
            for i in analysis.hints:
                members, weight = self._hinted[i]
                fused = fused + np.where(members, weight * SECTION_HINT_SHIFT, 0.0)
            asked = analysis.query_described
            if asked:  # "What kind of drug is trastuzumab?": where the article says what it is
                fused = fused + np.array([bool(asked & d) for d in self._described]) * SECTION_HINT_SHIFT
            defining = self._passages_writing(analysis.query_defined)
            if defining is not None:  # "What is PTEN short for?": where the article spells it out
                fused = fused + np.where(defining, SECTION_HINT_SHIFT, 0.0)
            # "What did the NeoALTTO trial show?": where the article names the trial it writes in full only
            naming = self._passages_writing(tuple(fold(full) for _, full in analysis.subjects.written_in_full))
            if naming is not None:
                fused = fused + np.where(naming, SECTION_HINT_SHIFT, 0.0)
        return fused.astype("float32"), dense, bm25

    def _passages_writing(self, forms: tuple[str, ...]) -> np.ndarray | None:
        """The passages that write any of the folded forms (an abbreviation's long form, a trial's
        name in full), or None for no forms."""
        if not forms:
            return None
        if self._folded is None:  # once, not once per question (36,000 passages at 200 articles)
            self._folded = [fold(p.text) for p in self._index.passages]
        return np.array([any(f in t for f in forms) for t in self._folded])

    def _pool(self) -> ThreadPoolExecutor:
        """One helper thread: on two cores, the question's words and the question embed in parallel."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-words")
            return self._executor

    def answer_scores(self, analysis: QueryAnalysis, passages: list[Passage]) -> np.ndarray:
        """Each passage's best sentence as an answer to the question, as the answerer scores it
        (`qa.scoring.SentenceScorer`: cosine similarity + `RERANK_COVERAGE` x key-term coverage)."""
        scorer = SentenceScorer(self.terms, analysis, analysis.weights)
        out = np.zeros(len(passages), dtype="float32")
        for i, p in enumerate(passages):
            ids = list(p.sentences)
            if not ids:
                continue
            texts = [self._index.sentences[sid].text for sid in ids]
            out[i] = max(s.value(RERANK_COVERAGE) for s in scorer.score(
                self._index.sentence_vectors[ids], texts, p, [texts[j - 1] if j else "" for j in range(len(texts))]))
        return out

    def _rerank(self, analysis: QueryAnalysis, fused: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Re-rank the first `RERANK_DEPTH` passages by fused score + `RERANK_WEIGHT` x answer score."""
        head = order[:RERANK_DEPTH]
        passages = [self._index.passages[int(i)] for i in head]
        answer = np.maximum(self.answer_scores(analysis, passages), 0)
        fused = fused.copy()
        fused[head] = fused[head] + RERANK_WEIGHT * answer
        new_head = head[np.argsort(-fused[head], kind="stable")]
        return fused, np.concatenate([new_head, order[RERANK_DEPTH:]])

    def _search(self, analysis: QueryAnalysis, k: int, mode: str, section: str | None,
                article: str | None = None) -> list[Passage]:
        want = fold(section) if section else None
        if want and not any(want in fold(p.section) for p in self._index.passages):
            raise QuestionError(f"no section of the corpus matches {section!r}; give part of a "
                                "heading, e.g. 'supporting clinical data'")
        fused, dense, bm25 = self.scores(analysis, mode)
        order = np.argsort(-fused, kind="stable")
        if mode == "hybrid":
            fused, order = self._rerank(analysis, fused, order)
        picked: list[Passage] = []
        for i in order:
            p = self._index.passages[int(i)]
            if want and want not in fold(p.section):
                continue
            if article is not None and p.doc_id != article:
                continue
            if any(_overlap(p, q) for q in picked):
                continue
            picked.append(replace(p, score=float(fused[i]), dense_score=float(dense[i]),
                                  bm25_score=float(bm25[i])))
            if len(picked) >= k:
                break
        return picked


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x)


def _overlap(a: Passage, b: Passage) -> bool:
    """True when two passages of one document share more than half of the shorter one."""
    if a.doc_id != b.doc_id or a.kind == b.kind == "front":  # front: distinct fields of the one block
        return False
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared > 0.5 * min(a.end - a.start, b.end - b.start)
