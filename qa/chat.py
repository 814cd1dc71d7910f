"""A conversation: follow-up questions are resolved against the earlier turns.

A follow-up ("What were its most common side effects?") is rewritten with the subject of the
previous turn before retrieval; a self-contained question starts a new topic and carries nothing over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from qa.answer import Answer, Answerer, ExtractiveAnswerer
from qa.errors import QuestionError
from qa.retriever import MAX_QUESTION_CHARS, check_question
from qa.terms import DRUG_NAME
from qa.text import STOPWORDS, words

if TYPE_CHECKING:
    from qa.retriever import Retriever

_ANAPHORA = re.compile(
    r"\b(it|its|it's|they|them|their|theirs|this(?! (?:review|article|paper|manuscript)\b)|these|those|"
    r"(?:at|in|with|of|for|from|on|by|during|after|to|about) that|"
    r"(?:did|does|do|was|is|were|has|had|would|will|can|could) that|that (?:study|trial|drug|agent|"
    r"combination|combo|regimen|one|dose)|the (?:same|drug|agent|study|trial|combination|combo|regimen|latter|"
    r"former|difference|dose|results?|response|patients|arm|group|groups|analysis)|"
    r"what about|how about|then|him|her|"
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )there(?!\s+(?:is|are|was|were|have|has|had|been?)\b))\b|"
    r"^\s*(?:and|so|but|then|or)\b",
    re.IGNORECASE,
)
# "Switching topics: ...", "Different question: ..." start afresh whatever follows
_NEW_TOPIC = re.compile(r"\b(?:switching (?:topics?|subjects?)|chang(?:e|ing) (?:of )?(?:topics?|subjects?)|"
                        r"(?:different|new|separate|unrelated|another) (?:question|topic|subject)|unrelated|"
                        r"on a different note)\b", re.I)
# "the other phase II", "its second study": a follow-up about a sibling of what the last answer quoted
_OTHER = re.compile(r"\b(?:the other|another|the second|2nd|the remaining|the rest of)\b", re.I)
# "And for VSV?", "What about in goats?": the previous question asked again of another subject
_SWAP = re.compile(r"^\W*(?:and|what about|how about)\s+(?:(?:for|in|with|about|of|on)\s+)?(?P<new>[^?]+?)\W*$", re.I)
# GRN163L, BOLERO-3, HER2; and names written with an inner capital: IgM, LipY, pNPC4, mRNA
_NAMED_TOKEN = re.compile(r"[A-Za-z]*[A-Z][A-Za-z]*-?\d+[A-Za-z\d]*|[A-Z]{2,}[\w-]*|[A-Za-z]*[a-z][A-Z][A-Za-z\d]*")
_ROMAN = re.compile(r"[IVX]+")  # "phase II" is no name
_EPONYM = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{2,})['’]s\b")
# A first question whose pronoun has nothing to refer to yet: "What were its side effects?"
_DANGLING = re.compile(r"\b(?:its|(?:that|this|the same) (?:study|trial|drug|agent|regimen|combination|combo|dose|"
                       r"compound|treatment|medicine|medication|virus|strain|enzyme|protein|gene|sample|cohort))\b",
                       re.I)
_QUESTION_WORDS = frozenset("what which who how when where why were was is are did does do can could would "
                            "tell me list describe".split())
SHORT_QUESTION_WORDS = 5  # a question this short with no named thing leans on the conversation


@dataclass(frozen=True)
class Turn:
    """One exchange of the conversation."""

    question: str
    query: str
    answer: Answer


class ChatSession:
    """Keeps the turns of a conversation and answers each new question in their light.

    Args:
        retriever: a `qa.Retriever`: it analyses each question once (`Retriever.analyze`) for
            retrieval and for the answerer.
        answerer: an `Answerer`; the offline `ExtractiveAnswerer` by default.
        k: passages retrieved per question.
        mode: retrieval mode ("hybrid", "dense", "bm25").
    """

    def __init__(self, retriever: Retriever, answerer: Answerer | None = None, k: int = 6,
                 mode: str = "hybrid"):
        self.retriever = retriever
        self.answerer = answerer or ExtractiveAnswerer(retriever)
        self.k = k
        self.mode = mode
        self.article: str | None = None  # ask inside one article (its id), or None for all
        self.turns: list[Turn] = []

    def reset(self) -> None:
        """Start a new conversation."""
        self.turns.clear()

    def is_follow_up(self, question: str) -> bool:
        """True when the question leans on an earlier turn (pronouns, "what about", no topic words)."""
        if not self.turns or _NEW_TOPIC.search(question):
            return False
        if _ANAPHORA.search(question):
            return True
        if re.search(r"\b(?:this|the) (?:review|article|paper|manuscript)\b", question, re.I):
            return False  # "Who wrote this review?" asks about the article itself, whatever came before
        if len(question.split()) <= SHORT_QUESTION_WORDS and not re.search(
                r"[A-Z]{2,}|\d|[a-z][A-Z]", question[1:]) and not any(
                DRUG_NAME.search(w) for w in words(question)):  # "Is palbociclib approved?" is new
            return True
        return not self.retriever.terms.key_terms(question)

    def rewrite(self, question: str) -> str:
        """The question to search for: a follow-up gets the previous turn's subject added."""
        if not self.is_follow_up(question):
            return question
        prev = self.turns[-1]
        asked = prev.question if prev.query == prev.question else ""  # a question not itself rewritten
        if " (" in prev.question and prev.query.startswith(prev.question):
            # "What maximum attainable fitness (fref) was ...?": the question's own parenthesis is
            # no subject carried from an earlier turn (which a rewritten query ends with)
            own = prev.question.replace(" (", " ").replace(")", " ")
            prev = Turn(prev.question, own + prev.query[len(prev.question):], prev.answer)
        swap = _SWAP.match(question)
        prev_names = self._subject(prev.query, named_only=True) if swap else ""
        if swap and len(swap.group("new").split()) <= 4 and prev_names and self._subject(question, named_only=True):
            # "And for VSV?" after "What maximum attainable fitness was estimated for ΦX174?" is that
            # question asked of VSV: when the previous question wrote one name, it is restated with
            # the new one (and analysed as such: the kind of answer, the value asked for)
            old = [w for w in dict.fromkeys(prev_names.split()) if not w.isdigit()
                   and re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", asked)]
            if len(old) == 1:
                return re.sub(rf"(?<![\w-]){re.escape(old[0])}(?![\w-])", swap.group("new").strip(), asked)
            # the new subject replaces the old one: carry what was asked (and when: "in 2010"), not
            # what it was asked of
            topic = " ".join([self._subject(prev.query, topical_only=True),
                              *(w for w in prev_names.split() if w.isdigit())])
            new = {w.lower() for w in swap.group("new").split()}
            topic = " ".join(w for w in topic.split() if w.lower() not in new)
            if topic:
                return f"{question} ({topic})"
        subject = self._subject(prev.query)
        if prev.answer.citations:  # the named things the previous answer quoted, e.g. a drug code
            first = prev.answer.citations[0].sentence
            extra = [w for w in self._subject(first).split()
                     if _NAMED_TOKEN.fullmatch(w) and not _ROMAN.fullmatch(w)
                     and w.lower() not in subject.lower()]
            # a measure or method named after someone ("Cronbach's alphas", "Fisher's exact test")
            extra += [w for w in _EPONYM.findall(first) if w.lower() not in subject.lower() and w not in extra]
            drug = self._answered_drug(prev.query, first, subject)
            subject = " ".join([subject, *([drug] if drug else []), *extra[:3]]).strip()
        if _OTHER.search(question):  # "the other phase II": not the 112-patient one just asked about
            subject = " ".join(w for w in subject.split() if not re.fullmatch(r"\d[\w-]*", w))
        return f"{question} ({subject})" if subject else question

    @staticmethod
    def _answered_drug(query: str, sentence: str, subject: str) -> str | None:
        """The drug a sentence gives in answer to a question that named none ("Which HER2 pill also
        blocks EGFR?"): of the sentence's drug names, the one nearest the question's own words."""
        if any(DRUG_NAME.search(w) for w in words(query)):
            return None
        low = sentence.lower()
        anchors = [m.start() for t in subject.lower().split() for m in re.finditer(re.escape(t), low)]
        drugs = [(m.start(), m.group(0)) for m in re.finditer(r"[a-z][a-z-]+", low)
                 if DRUG_NAME.search(m.group(0)) and m.group(0) not in subject.lower()]
        if not drugs or not anchors:
            return None
        return min(drugs, key=lambda d: min(abs(d[0] - a) for a in anchors))[1]

    def _subject(self, query: str, topical_only: bool = False, named_only: bool = False) -> str:
        """The named things of a query (drugs, trials, genes, abbreviations) a follow-up refers to;
        all its topic words if it names none (`topical_only`: its topic words that are not names;
        `named_only`: its names, if any)."""
        body, _, carried = query.partition(" (")
        body = re.sub(r"°\s*[CFK]\b", "°", body)  # the C of "42°C" is a unit, not a name
        named, topical = [], []
        for w in re.findall(r"[^\W_][\w\-/+.]*[\w+]|[^\W_]", body):  # "ΦX174" whole
            low = w.lower()
            if low in STOPWORDS or low in {x.lower() for x in named + topical}:
                continue
            capitalised = w[:1].isupper() and w != body.split()[0]  # not the question's first word
            if DRUG_NAME.search(low) or any(ch.isdigit() for ch in w) or capitalised \
                    or w in self.retriever.glossary:
                named.append(w)
            elif self.retriever.terms.key_terms(w):
                topical.append(w)
        if topical_only or named_only:
            return " ".join(topical if topical_only else named)
        words_ = named or topical
        for w in carried.rstrip(")").split():  # a rewritten query carries its subject: keep it
            if w.lower() not in {x.lower() for x in words_}:
                words_.append(w)
        return " ".join(words_)

    def ask(self, question: str, k: int | None = None, mode: str | None = None,
            article: str | None = None) -> Answer:
        """Answer a question in the context of the conversation so far.

        `article` (or the session's `article`) keeps the answer inside one article of the corpus."""
        q = check_question(question)
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise QuestionError(f"k must be a whole number of at least 1, not {k!r}")
        dangling = _DANGLING.search(q)
        if not self.turns and dangling and not _NAMED_TOKEN.search(q) and not any(
                DRUG_NAME.search(w) for w in words(q)) and not [
                w for w in words(q[:dangling.start()]) if w not in STOPWORDS and w not in _QUESTION_WORDS]:
            word = dangling.group(0)
            ask_back = (f"What does “{word}” refer to? Nothing has been asked about yet in this chat: "
                        "ask again with the drug, study or topic named.")
            answer = Answer(q, ask_back, (), True, (), q, reason=ask_back)
            self.turns.append(Turn(q, q, answer))
            return answer
        query = self.rewrite(q)
        if len(query) > MAX_QUESTION_CHARS:  # a follow-up's carried subject must not push it over
            query = query[:MAX_QUESTION_CHARS]
        # once, for retrieval and for the answer; a restated question ("And for VSV?" as the
        # previous question asked of VSV) is analysed as that question
        restated = query != q and not query.startswith(q)
        analysis = self.retriever.analyze(query if restated else q, query)
        passages = self.retriever.search_analysis(analysis, k=k or self.k, mode=mode or self.mode,
                                                  article=article if article is not None else self.article)
        if query != q and self.turns:
            # retrieval fused across turns: the passages the previous answer quoted stay in reach
            have = {p.id for p in passages}
            for c in self.turns[-1].answer.citations:
                if c.passage.id not in have:
                    have.add(c.passage.id)
                    passages.append(c.passage)
        # "the other phase II" asks about another study than the one the previous answer was about:
        # its first (best) sentence; the sentences quoted after it may well be about the other one
        avoid = tuple(c.sentence for c in self.turns[-1].answer.citations[:1]) \
            if query != q and self.turns and _OTHER.search(q) else ()
        scope = article if article is not None else self.article
        answer = self.answerer.answer(analysis.question, passages, query=query, avoid=avoid, article=scope,
                                      analysis=analysis)
        if restated:
            answer = replace(answer, question=q)  # the answer is to the question as the user asked it
        self.turns.append(Turn(q, query, answer))
        return answer
