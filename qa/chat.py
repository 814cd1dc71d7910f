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
from qa.query import asked_for
from qa.settings import SETTINGS
from qa.tables import is_superlative, superlative, with_superlative
from qa.terms import DRUG_NAME, LAY_PATTERNS, NEVER, data_toml
from qa.text import STOPWORDS, fold, words

if TYPE_CHECKING:
    from qa.retriever import Retriever

# how a question leans on the turns before it (qa/data/conversation.toml)
_WORDS = data_toml("conversation.toml")
_ANAPHORA, _NEW_TOPIC, _OTHER, _SWAP, _DANGLING, _BARE_PRONOUN, _ARTICLE_ITSELF, _AUTHORS_THEY = (
    re.compile(_WORDS.get(k, NEVER), re.I)
    for k in ("anaphora", "new_topic", "other", "swap", "dangling", "bare_pronoun", "article_itself", "authors_they"))
# GRN163L, BOLERO-3, HER2; and names written with an inner capital: IgM, LipY, pNPC4, mRNA
_NAMED_TOKEN = re.compile(r"[A-Za-z]*[A-Z][A-Za-z]*-?\d+[A-Za-z\d]*|[A-Z]{2,}[\w-]*|[A-Za-z]*[a-z][A-Z][A-Za-z\d]*")
_ROMAN = re.compile(r"[IVX]+")  # "phase II" is no name
_EXTREME_ONE = re.compile(r"\bthe\s+([\w-]+)\s+ones?\b", re.I)  # "the lowest one": the extreme of what was asked
# "What apparent Ki did LipY show?": the thing a "what" question asks the value of, before its verb
_WHAT_THING = re.compile(r"^\W*what\s+(?P<thing>(?:[\w'’-]+\s+){0,3}?[\w'’-]+)\s+(?:did|do|does|was|were|is|are|has|have|had)\b",
                         re.I)
# a bare "that" or "this" standing for what was said, not for a thing, before a verb, an adverb or
# the end: "Why was that?", "Whose idea was that originally?" (not "that study", "that dose")
_FINDINGS = "|".join(map(re.escape, _WORDS.get("finding_words", ()))) or NEVER
_PROPOSITION = re.compile(rf"\b(?:that|this)\b(?=\s*(?:$|[?.!,]|(?:was|is|were|happen\w*|\w+ly|so|(?:{_FINDINGS})s?)\b))",
                          re.I)
# "Was that difference significant?" leans on the turn before, as the pronouns of `anaphora` do
_FINDING_ANAPHOR = re.compile(rf"\b(?:that|this|these|those) (?:{_FINDINGS})s?\b", re.I)
_ROW_LABEL = re.compile(r"Table [\w.]+, ([^:;()]+?)\s*(?:\([^)]*\)\s*)?:")  # "Table 2, Functional limitation (9): ..."
_ASKS_WHICH = re.compile(r"^\W*(?:which|what)\b", re.I)  # a question asking for one thing of a kind
_EPONYM = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{2,})['’]s\b")
# words of how a question is asked: "What were its side effects?" names nothing "its" could be
_QUESTION_WORDS = frozenset(_WORDS.get("asking_words", ()))
_CLAUSE_BREAK = re.compile(_WORDS.get("clause_break", NEVER), re.I)
_PERSONAL_PRONOUNS = frozenset(_WORDS.get("personal_pronouns", ()))
_PEOPLE = frozenset(_WORDS.get("people", ()))
_SMALL_TALK = frozenset(_WORDS.get("small_talk", ()))
# "Should my mother take lapatinib?": what one person should do, which no article says
_PERSONAL_ADVICE = re.compile(_WORDS.get("personal_advice", NEVER), re.I)
_PRONOUN = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(_PERSONAL_PRONOUNS, key=len, reverse=True))) + r")\b",
                      re.I) if _PERSONAL_PRONOUNS else re.compile(NEVER)
SHORT_QUESTION_WORDS = SETTINGS.chat.short_question_words  # this short, naming nothing: a follow-up
BARE_PRONOUN_WORDS = SETTINGS.chat.bare_pronoun_words  # "Why does it matter?": no referent for "it"


def _anchors(low: str, subject: str) -> list[tuple[int, int]]:
    """Where a lower-cased sentence writes the words of a question's subject: (start, end) of each."""
    return [(m.start(), m.end()) for t in subject.lower().split() for m in re.finditer(re.escape(t), low)]


@dataclass(frozen=True)
class Rewrite:
    """A question as the conversation makes it: what is searched for, and why."""

    query: str  # what is searched: the question, with a carried subject in parentheses after it
    carried: str = ""  # the earlier turn's subject the question leans on ("everolimus BOLERO-3")
    restated: bool = False  # the previous question asked again of a new subject ("And for VSV?")
    referent: str = ""  # the earlier question its pronoun stands for ("Tell me about neratinib.")

    @property
    def asked(self) -> str | None:
        """The question to analyse in place of the user's, when the previous one was restated."""
        return self.query if self.restated else None


@dataclass(frozen=True)
class Turn:
    """One exchange of the conversation."""

    question: str
    query: str
    answer: Answer
    carried: str = ""  # the subject carried over from the turns before (`Rewrite.carried`)
    restated: bool = False  # `query` is the previous question asked of a new subject

    @property
    def own(self) -> str:
        """The question this turn asked, without what it carried over: the user's question, or the
        previous question restated of a new subject."""
        return self.query if self.restated else self.question

    @classmethod
    def resumed(cls, question: str, answer: Answer) -> "Turn":
        """A turn of a stored conversation, which keeps the answer (and its query) only: what the
        query carried is what it adds in parentheses after the question."""
        query = answer.query or question
        if query == question:
            return cls(question, query, answer)
        if query.startswith(f"{question} (") and query.endswith(")"):
            return cls(question, query, answer, carried=query[len(question) + 2:-1])
        return cls(question, query, answer, restated=True)


def caution_for(noun: str) -> str:
    """The note above an answer to what one person should do: `noun` ("the review", "these articles")
    reports what studies found and recommends nothing for one person."""
    many = noun.startswith("these")
    return (f"{noun[:1].upper()}{noun[1:]} {'report' if many else 'reports'} what studies found and "
            f"{'make' if many else 'makes'} no recommendation for any one person; that is for the treating doctor.")


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
        anaphor = next((m for m in _ANAPHORA.finditer(question) if not self._bound_by_name(question, m)), None) \
            or _FINDING_ANAPHOR.search(question)
        if anaphor:
            return not self._names_its_own_subject(question, anaphor)
        if re.search(r"\b(?:this|the) (?:review|article|paper|manuscript|work|research|publication)\b", question, re.I):
            return False  # "Who wrote this review?" asks about the article itself, whatever came before
        if len(question.split()) <= SHORT_QUESTION_WORDS and not re.search(
                r"[A-Z]{2,}|\d|[a-z][A-Z]", question[1:]) and not any(
                DRUG_NAME.search(w) for w in words(question)):  # "Is palbociclib approved?" is new
            return True
        return not self.retriever.terms.key_terms(question)

    @staticmethod
    def _bound_by_name(question: str, anaphor: re.Match) -> bool:
        """True when a definite phrase is bound by the name after it, not by an earlier turn: "the
        dose" of "What is the dose of trastuzumab?", "the trial" of "the trial of BKM120"; and "this"
        before a name: "In this OHIP-NL study, ...", "that BOLERO-3 trial"."""
        said, after = anaphor.group(0).lower(), question[anaphor.end():]
        if said in ("this", "that", "these", "those"):
            m = re.match(r"\s+([\w-]+)", after)
        elif said.startswith("the "):
            m = re.match(r"\s+(?:of|for|with|in)\s+(?:the\s+)?([\w-]+)", after)
        else:
            return False
        return bool(m) and (bool(DRUG_NAME.search(m.group(1).lower())) or bool(_NAMED_TOKEN.fullmatch(m.group(1))))

    def _names_its_own_subject(self, question: str, anaphor: re.Match) -> bool:
        """True when the pronoun refers to what the question itself names before it, in a first
        clause: "What is lapatinib and how does it work?" (not "What dose of everolimus was used in it?")."""
        pronoun = anaphor.group(0).lower()
        if pronoun not in _PERSONAL_PRONOUNS:
            return False
        if pronoun.startswith(("they", "them", "their")) and _PEOPLE & set(words(question[:anaphor.start()])):
            return True  # "how did the authors compute it from their readings?"
        breaks = [b for b in _CLAUSE_BREAK.finditer(question, 0, anaphor.start())
                  if b.group("asks").lower() in _QUESTION_WORDS]  # "..., and what is its design?"
        return bool(breaks) and bool(self._subject(question[:breaks[-1].start()], named_only=True))

    def rewrite(self, question: str) -> str:
        """The question to search for: a follow-up gets the previous turn's subject added."""
        return self.resolve(question).query

    def resolve(self, question: str) -> Rewrite:
        """The question as the conversation makes it: a self-contained question as it is; a
        follow-up with the previous turn's subject carried (searched in parentheses after it); "And
        for VSV?" as the previous question restated of VSV."""
        if not self.is_follow_up(question):
            return Rewrite(question)
        prev = self.turns[-1]
        asked = prev.question if not prev.carried and not prev.restated else ""  # a question not itself rewritten
        # what "its" stands for: the previous question's subject, or the one it carried itself
        referent = prev.own if self._subject(prev.own, named_only=True) else prev.carried
        swap = _SWAP.match(question)
        if swap and _PRONOUN.search(swap.group("new")):
            swap = None  # "And its SD?" asks something new of the same subject, not of a new one
        extreme = self._other_extreme(question, swap, prev.own)
        if extreme:
            return Rewrite(extreme, restated=True)
        other = self._the_other(question, swap, prev, asked)
        if other:
            return Rewrite(other, restated=True)
        prev_names = self._subject(prev.own, named_only=True) if swap else ""
        if swap and not prev_names and prev.carried and self._subject(prev.carried, named_only=True) \
                and len(swap.group("new").split()) <= 4 and self._subject(question, named_only=True):
            # "And lapatinib?" after "What about its side effects?" of T-DM1: the previous question
            # asked of the new subject, which replaces the one its pronoun stood for
            pron = _PRONOUN.search(prev.own)
            if pron:
                new = swap.group("new").strip()
                said = f"{new}'s" if pron.group(0).lower() in ("its", "their") else new
                return Rewrite(prev.own[:pron.start()] + said + prev.own[pron.end():], restated=True)
        if swap and len(swap.group("new").split()) <= 4 and prev_names and self._subject(question, named_only=True):
            # "And for VSV?" after "What maximum attainable fitness was estimated for ΦX174?" is that
            # question asked of VSV: when the previous question wrote one name, it is restated with
            # the new one (and analysed as such: the kind of answer, the value asked for)
            old = self._asked_of(prev_names, asked)
            if old:
                restated = self._asked_again(asked, old, swap.group("new").strip())
                return Rewrite(restated, restated=restated != question)
            # the new subject replaces the old one: carry what was asked (and when: "in 2010"), not
            # what it was asked of
            topic = " ".join([self._subject(prev.own, topical_only=True),
                              *(w for w in prev_names.split() if w.isdigit())])
            new = {w.lower() for w in swap.group("new").split()}
            topic = " ".join(w for w in topic.split() if w.lower() not in new)
            if topic:
                return Rewrite(f"{question} ({topic})", carried=topic)  # the new subject, no referent
        subject = self._subject(prev.own, prev.carried)
        if _PROPOSITION.search(question):
            # "Why do the authors think that was?": "that" is what the last question asked about, its
            # topic with its names ("burning feeling mouth linked OHIP-NL scores"), not a name alone
            topic = [w for w in self._subject(prev.own, topical_only=True).split() if w.lower() not in subject.lower()]
            subject = " ".join([subject, *topic]).strip()
        if prev.answer.citations:  # the named things the previous answer quoted, e.g. a drug code
            first = prev.answer.citations[0].sentence
            # its names before its first parenthesis, and after it only the words written bare: an
            # aside ("(OHIP-E)", "[18,19]") names no subject a follow-up refers to
            before, _, after = first.partition(" (")
            extra = [w for w in self._subject(before, after.rstrip(")")).split()
                     if _NAMED_TOKEN.fullmatch(w) and not _ROMAN.fullmatch(w)
                     and w.lower() not in subject.lower()]
            # a measure or method named after someone ("Cronbach's alphas", "Fisher's exact test")
            extra += [w for w in _EPONYM.findall(first) if w.lower() not in subject.lower() and w not in extra]
            codes = [w for w in extra if any(ch.isdigit() for ch in w) or DRUG_NAME.search(w.lower())]
            if len(codes) > 1 and _ASKS_WHICH.match(prev.own):
                # "Which dual PI3K/mTOR blocker ...?" answered by "... include GDC-0941, INK128, and
                # the dual PI3K/mTOR inhibitor BEZ235": "its" is the one the question's words describe
                nearest = self._nearest(first, codes, subject)
                extra = [w for w in extra if w not in codes or w == nearest or not nearest]
            row = _ROW_LABEL.match(first) if prev.answer.citations[0].passage.kind == "table_row" else None
            if row and _ASKS_WHICH.match(prev.own) and superlative(prev.own) and row.group(1).lower() not in subject.lower():
                # "Which domain had the lowest alpha?" answered by "Table 2, Functional limitation: ...",
                # the row holding that extreme: "its" is that row ("What was its test-retest ICC?")
                extra.insert(0, row.group(1))
            drug = self._answered_drug(prev.query, first, subject)
            subject = " ".join([subject, *([drug] if drug else []), *extra[:3]]).strip()
        if _OTHER.search(question):  # "the other phase II": not the 112-patient one just asked about
            subject = " ".join(w for w in subject.split() if not re.fullmatch(r"\d[\w-]*", w))
        return Rewrite(f"{question} ({subject})", carried=subject, referent=referent) if subject \
            else Rewrite(question)

    def _the_other(self, question: str, swap: re.Match | None, prev: Turn, asked: str) -> str | None:
        """"And the other virus?" after "How large is the ΦX174 genome?" answered by a sentence naming
        ΦX174 and VSV: the previous question asked of the one other name that answer quotes. None
        when the previous question names not one thing, or its answer not one other."""
        new = swap.group("new").strip() if swap else ""
        if not asked or not _OTHER.match(new) or len(new.split()) > 3:
            return None
        old = self._asked_of(self._subject(prev.own, named_only=True), asked)
        if not old:
            return None
        said = " ".join(c.sentence for c in prev.answer.citations[:2])
        others = [w for w in dict.fromkeys(self._subject(said, named_only=True).split())
                  if _NAMED_TOKEN.fullmatch(re.sub(r"^[^\x00-\x7f]+", "", w))  # "ΦX174" too
                  and not _ROMAN.fullmatch(w) and w.lower() != old.lower()]
        if len(others) != 1:
            return None
        return self._asked_again(asked, old, others[0])

    @staticmethod
    def _asked_of(names: str, asked: str) -> str:
        """The one name (not a number) of `names` that the question `asked` writes, or "" when it
        writes none or several."""
        old = [w for w in dict.fromkeys(names.split()) if not w.isdigit()
               and re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", asked)]
        return old[0] if len(old) == 1 else ""

    @staticmethod
    def _asked_again(asked: str, old: str, new: str) -> str:
        """The question `asked` restated of `new` in place of the name `old`."""
        return re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, asked)

    @staticmethod
    def _other_extreme(question: str, swap: re.Match | None, previous: str) -> str | None:
        """The previous question asked for another extreme: "And the smallest?" after "Which
        treatment produced the largest SD?" is "Which treatment produced the smallest SD?"; "Which
        domain had the lowest one?" after "What ICC did the total reach?" asks for the lowest ICC."""
        if swap:
            m = re.fullmatch(r"(?:the\s+)?([\w-]+)(?:\s+ones?)?", swap.group("new").strip(), re.I)
            if m and is_superlative(m.group(1)):
                return with_superlative(previous, m.group(1))
            return None
        m = _EXTREME_ONE.search(question)
        if m and is_superlative(m.group(1)):
            # "one" is the thing whose value the previous question asked ("What apparent Ki did ...?")
            named = _WHAT_THING.match(previous)
            asked = asked_for(previous)
            thing = named.group("thing") if named else asked.focus if asked else ""
            if thing:
                return f"{question[:m.end(1)]} {thing}{question[m.end():]}"
        return None

    @staticmethod
    def _nearest(sentence: str, names: list[str], subject: str) -> str | None:
        """Of the names a sentence writes, the one nearest after the question's own words in it (a
        description comes before the name it describes: "the dual PI3K/mTOR inhibitor BEZ235"), else
        the nearest before them; None when it writes none of those words."""
        low = sentence.lower()
        anchors = _anchors(low, subject)
        found = [(low.find(n.lower()), n) for n in names if n.lower() in low]
        if not anchors or not found:
            return None

        def gap(start: int) -> int:
            after = [start - end for _, end in anchors if end <= start]
            return min(after) if after else len(low) + min(a - start for a, _ in anchors)
        return min(found, key=lambda f: gap(f[0]))[1]

    @staticmethod
    def _answered_drug(query: str, sentence: str, subject: str) -> str | None:
        """The drug a sentence gives in answer to a question that named none ("Which HER2 pill also
        blocks EGFR?"): of the sentence's drug names, the one nearest the question's own words."""
        if any(DRUG_NAME.search(w) for w in words(query)):
            return None
        low = sentence.lower()
        anchors = [a for a, _ in _anchors(low, subject)]
        drugs = [(m.start(), m.group(0)) for m in re.finditer(r"[a-z][a-z-]+", low)
                 if DRUG_NAME.search(m.group(0)) and m.group(0) not in subject.lower()]
        if not drugs or not anchors:
            return None
        return min(drugs, key=lambda d: min(abs(d[0] - a) for a in anchors))[1]

    def _subject(self, text: str, carried: str = "", topical_only: bool = False, named_only: bool = False) -> str:
        """The named things of a question or sentence (drugs, trials, genes, abbreviations) a
        follow-up refers to; all its topic words if it names none (`topical_only`: its topic words
        that are not names; `named_only`: its names, if any), then the subject it `carried`."""
        body = re.sub(r"°\s*[CFK]\b", "°", text)  # the C of "42°C" is a unit, not a name
        # the tail of a contraction or possessive ("I'm", "what's", "Fisher's") is no word of the topic
        body = re.sub(r"(?<=\w)['’](?:m|s|re|ve|ll|d|t)\b", "", body)
        named, topical = [], []
        first = body.split()[0].rstrip(",;:!?.") if body.split() else ""
        lay = {w for pattern, _ in LAY_PATTERNS for m in pattern.finditer(fold(body)) for w in m.group(0).split()}
        for w in re.findall(r"[^\W_][\w\-/+.]*[\w+]|[^\W_]", body):  # "ΦX174" whole
            low = w.lower()
            if low in STOPWORDS or low in {x.lower() for x in named + topical}:
                continue
            capitalised = w[:1].isupper() and w != first  # not the question's first word ("Honestly, ...")
            if DRUG_NAME.search(low) or any(ch.isdigit() for ch in w) or capitalised \
                    or w in self.retriever.glossary:
                named.append(w)
            elif low in lay or any(self.retriever.terms.in_corpus(t) for t in self.retriever.terms.key_terms(w)):
                # a word the corpus never writes ("actually", "besides") locates nothing, unless the
                # knowledge files give the corpus' words for it ("chromosome ends": telomeres)
                topical.append(w)
        if topical_only or named_only:
            return " ".join(topical if topical_only else named)
        words_ = named or topical
        for w in carried.split():  # a rewritten question carries its subject: keep it
            if w.lower() not in {x.lower() for x in words_}:
                words_.append(w)
        return " ".join(words_)

    @staticmethod
    def _dangling(q: str) -> str:
        """The pronoun of a first question that has nothing to refer to yet, or "": "its" or "that
        study" with only words of asking before it ("What were its side effects?"), or a bare "it"
        with at most `bare_pronoun_words` other words that do not ask about the article itself ("Why
        does it matter?", not "Who wrote it?")."""
        m = _DANGLING.search(q)
        if m and not [w for w in words(q[:m.start()]) if w not in STOPWORDS and w not in _QUESTION_WORDS]:
            return m.group(0)
        m = _BARE_PRONOUN.search(q)
        if m and not _ARTICLE_ITSELF.search(q) and not _AUTHORS_THEY.search(q) and len(
                [w for w in words(q) if w not in STOPWORDS and w not in _QUESTION_WORDS
                 and not _BARE_PRONOUN.fullmatch(w)]) <= BARE_PRONOUN_WORDS:
            return m.group(0)
        return ""

    def ask(self, question: str, k: int | None = None, mode: str | None = None,
            article: str | None = None) -> Answer:
        """Answer a question in the context of the conversation so far.

        `article` (or the session's `article`) keeps the answer inside one article of the corpus."""
        q = check_question(question)
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise QuestionError(f"k must be a whole number of at least 1, not {k!r}")
        if _SMALL_TALK and set(words(q)) <= _SMALL_TALK:
            # "thanks", "hi": no question, nothing to quote, and no turn for a follow-up to lean on
            noun = self.retriever.noun_for(article if article is not None else self.article)
            reply = f"That is not a question about {noun}: ask about a drug, a study, a result or a method."
            return Answer(q, reply, (), True, (), q, reason=reply)
        dangling = None if self.turns or _NAMED_TOKEN.search(q) or any(DRUG_NAME.search(w) for w in words(q)) \
            else self._dangling(q)
        if dangling:
            ask_back = (f"What does “{dangling}” refer to? Nothing has been asked about yet in this chat: "
                        "ask again with the drug, study or topic named.")
            answer = Answer(q, ask_back, (), True, (), q, reason=ask_back)
            self.turns.append(Turn(q, q, answer))
            return answer
        rewrite = self.resolve(q)
        query = rewrite.query[:MAX_QUESTION_CHARS]  # a follow-up's carried subject must not push it over
        # once, for retrieval and for the answer; a restated question ("And for VSV?" as the
        # previous question asked of VSV) is analysed as that question
        # a follow-up asking in words of its own ("At what magnification?"), not an ellipsis ("And in
        # goats?"), is also embedded alone: its sentence must answer those words, not only the topic
        analysis = self.retriever.analyze(rewrite.asked or q, query, referent=rewrite.referent,
                                          own_words=bool(rewrite.carried) and not _SWAP.match(q))
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
        if rewrite.restated:
            answer = replace(answer, question=q)  # the answer is to the question as the user asked it
            if answer.abstained:  # say how "And T-DM1?" was read: the previous question asked of T-DM1
                answer = replace(answer, text=answer.text.replace(
                    " not answer this question. ", f" not answer this question, read as “{query}”. ", 1))
        if _PERSONAL_ADVICE.search(q) and not analysis.subjects.unknown:  # not "How long should I boil an egg?"
            answer = replace(answer, caution=caution_for(self.retriever.noun_for(scope)))
        self.turns.append(Turn(q, query, answer, carried=rewrite.carried, restated=rewrite.restated))
        return answer
