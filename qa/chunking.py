"""Split parsed documents into passages that fit the embedding model.

Passages never cross a block (so never a section), end on sentence boundaries, overlap by whole
sentences, and stay within the model's maximum sequence length counted with the model's own
tokenizer, the section title included (it is embedded with the passage as context).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from qa.corpus import Block, Document, Reference, citations_in

TokenCounter = Callable[[str], int]

_SEGMENTER = None


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in `text`, end-trimmed of whitespace.

    Uses pysbd, a maintained rule-based segmenter that keeps "P < 0.001", "e.g." and "≥8 weeks"
    intact; a reference marker after "et al." ("Andre et al. [71] found") stays in its sentence.
    """
    global _SEGMENTER
    if _SEGMENTER is None:
        import pysbd

        _SEGMENTER = pysbd.Segmenter(language="en", clean=False, char_span=True)
    spans: list[list[int]] = []
    for seg in _SEGMENTER.segment(text):
        s, e = seg.start, seg.end
        while e > s and text[e - 1].isspace():
            e -= 1
        while s < e and text[s].isspace():
            s += 1
        if e <= s:
            continue
        prev = spans[-1] if spans else None
        # pysbd ends a sentence at "et al."; glue a following marker or lower-case word back on.
        if prev and re.search(r"\bet al\.$", text[prev[0]:prev[1]]) and re.match(r"[\[(a-z]", text[s]):
            prev[1] = e
            continue
        spans.append([s, e])
    return [(s, e) for s, e in spans]


@dataclass(frozen=True)
class ChunkSettings:
    """How passages are cut. Part of the index manifest: a change makes the index stale."""

    max_tokens: int = 256  # hard limit: the model's max sequence length, special tokens included
    target_tokens: int = 160  # aim for passages about this long
    overlap_sentences: int = 1

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Sentence:
    """A sentence of the corpus with its span in the document text."""

    doc_id: str
    start: int
    end: int
    text: str
    refs: tuple[int, ...] = ()


@dataclass(frozen=True)
class Passage:
    """A retrievable passage. `text` is the original text (tables: the rebuilt row).

    `score` is set by the retriever (fused score); `dense_score` and `bm25_score` show both halves.
    `sentences` are indexes into the index's sentence table; `refs` the references the passage cites.
    """

    id: str
    doc_id: str
    section: str
    text: str
    start: int
    end: int
    refs: tuple[Reference, ...] = ()
    score: float = 0.0
    kind: str = "paragraph"
    section_path: tuple[str, ...] = ()
    doc_title: str = ""
    context: str = ""
    sentences: tuple[int, ...] = field(default=(), repr=False)
    dense_score: float | None = None
    bm25_score: float | None = None

    def embedding_text(self) -> str:
        """What is embedded: the section heading as context, then the passage (or its table context)."""
        head = self.section_path[-1] if self.section_path else self.section
        body = self.context if self.kind == "table_row" and self.context else self.text
        if self.kind in ("reference", "keywords", "front", "table_note") and self.context:
            body = f"{self.context}. {self.text}"
        return f"{head}: {body}"


_FRONT_FIELDS = re.compile(r"(?<=\.)\s+(?=Authors:|Affiliations? of |Published in |DOI:|PMID:|Correspondence to:|©|"
                           r"Copyright|(?:Academic )?Editor:|This is an [Oo]pen[ -][Aa]ccess)")


_FRONT_GROUPS = ("Published in ", "©", "Copyright")  # the front matter's passages begin at these fields


def _fit(prefix: str, text: str, count: TokenCounter, limit: int) -> str:
    """Trim `text` by words until prefix + text fits `limit` tokens."""
    if count(prefix + text) <= limit:
        return text
    words = text.split(" ")
    lo, hi = 0, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(prefix + " ".join(words[:mid])) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo])


class Chunker:
    """Cuts blocks into passages and collects the corpus' sentences."""

    def __init__(self, count_tokens: TokenCounter, settings: ChunkSettings | None = None):
        self.count = count_tokens
        self.settings = settings or ChunkSettings()

    def chunk(self, docs: Iterable[Document]) -> tuple[list[Passage], list[Sentence]]:
        """All passages and all sentences of the documents, with ids `doc_id:NNNN`."""
        passages: list[Passage] = []
        sentences: list[Sentence] = []
        sentence_ids: dict[tuple[str, int, int], int] = {}

        def sid(doc: Document, s: int, e: int, text: str | None = None) -> int:
            key = (doc.doc_id, s, e, text)
            if key not in sentence_ids:
                text = doc.text[s:e] if text is None else text
                sentence_ids[key] = len(sentences)
                sentences.append(Sentence(doc.doc_id, s, e, text,
                                          doc.refs_in(text, s, e) if text == doc.text[s:e] else
                                          citations_in(text, set(doc.references))))
            return sentence_ids[key]

        for doc in docs:
            n = 0
            for block in doc.blocks:
                for start, end, text, sids in self._cut(doc, block, sid):
                    refs = (doc.refs_in(text, start, end) if text == doc.text[start:end] else
                            citations_in(text, set(doc.references))) or block.refs
                    context = self._fit_context(block, text)
                    passages.append(Passage(
                        id=f"{doc.doc_id}:{n:04d}", doc_id=doc.doc_id,
                        section=" > ".join(block.section), text=text, start=start, end=end,
                        refs=tuple(doc.references[r] for r in refs if r in doc.references),
                        kind=block.kind, section_path=block.section, doc_title=doc.title,
                        context=context, sentences=tuple(sids)))
                    n += 1
        return passages, sentences

    def _fit_context(self, block: Block, text: str) -> str:
        """The block's retrieval context, trimmed so the embedded text stays within the limit."""
        if not block.context:
            return ""
        probe = Passage("", "", "", text, 0, 0, kind=block.kind, section_path=block.section,
                        context=block.context)
        if self.count(probe.embedding_text()) <= self._limit():
            return block.context
        words = block.context.split(" ")
        lo, hi = 0, len(words)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            probe = Passage("", "", "", text, 0, 0, kind=block.kind, section_path=block.section,
                            context=" ".join(words[:mid]))
            if self.count(probe.embedding_text()) <= self._limit():
                lo = mid
            else:
                hi = mid - 1
        return " ".join(words[:lo])

    def _limit(self) -> int:
        return self.settings.max_tokens

    def _cut_front(self, doc: Document, block: Block, sid, head: str) -> list[tuple[int, int, str, list[int]]]:
        """The rebuilt front matter in three passages (who wrote it; where it was published; its
        permissions), each field ("Correspondence to: ...") a quotable unit of its own."""
        groups: list[list[str]] = [[]]
        for field in _FRONT_FIELDS.split(block.text):
            if field.startswith(_FRONT_GROUPS) and groups[-1]:
                groups.append([])
            if field:
                groups[-1].append(field)
        out = []
        for fields in groups:
            text = _fit(head, " ".join(fields), self.count, self._limit())
            out.append((block.start, block.end, text,
                        [sid(doc, block.start, block.end, f) for f in fields if f in text]))
        return out

    def _cut(self, doc: Document, block: Block, sid) -> list[tuple[int, int, str, list[int]]]:
        head = (block.section[-1] if block.section else "") + ": "
        limit = self._limit()
        if block.kind == "front":
            return self._cut_front(doc, block, sid, head)
        if block.kind not in ("paragraph", "abstract"):
            # one unit each; a table row keeps its rebuilt text as one "sentence"
            text = _fit(head, block.text, self.count, limit)
            if block.kind == "table_row" and text == doc.text[block.start:block.start + len(text)]:
                return [(block.start, block.start + len(text), text,
                         [sid(doc, block.start, block.start + len(text))])]
            if text != doc.text[block.start:block.start + len(text)]:
                # rebuilt text (a table row): one quotable unit
                return [(block.start, block.end, text, [sid(doc, block.start, block.end, text)])]
            spans = split_sentences(text) if block.kind != "reference" else [(0, len(text))]
            ids = [sid(doc, block.start + a, block.start + b) for a, b in spans]
            return [(block.start, block.start + len(text), text, ids)]
        spans = split_sentences(block.text)
        # sentences longer than the limit are cut by words
        units: list[tuple[int, int]] = []
        for s, e in spans:
            t = block.text[s:e]
            while self.count(head + t) > limit:
                part = _fit(head, t, self.count, limit)
                if not part:
                    break
                units.append((s, s + len(part)))
                s = s + len(part) + 1
                t = block.text[s:e]
            if t:
                units.append((s, e))
        specials = self.count("")  # [CLS] and [SEP]: counted once, with the heading
        sizes = [self.count(block.text[s:e]) - specials for s, e in units]
        head_cost = self.count(head)
        want = self.settings.overlap_sentences + 1  # sentences a window needs for its overlap
        out = []
        i = 0
        while i < len(units):
            j, used = i + 1, head_cost + sizes[i]  # a unit always fits alone (cut above)
            while j < len(units) and used + sizes[j] <= limit and (
                    used + sizes[j] <= self.settings.target_tokens or j - i < want):
                used += sizes[j]
                j += 1
            s, e = units[i][0], units[j - 1][1]
            text = block.text[s:e]
            ids = [sid(doc, block.start + a, block.start + b) for a, b in units[i:j]]
            out.append((block.start + s, block.start + e, text, ids))
            if j >= len(units):
                break
            i = max(i + 1, j - self.settings.overlap_sentences)
        return out
