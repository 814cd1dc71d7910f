"""Every weight and threshold of retrieval and answering, in one typed settings object.

The defaults are the values fitted or calibrated on the question sets (eval/README.md says how).
`QA_SETTINGS=/path/to/settings.toml` loads other values at import, for experiments; a key the
settings do not have is an error, so a typo never passes silently:

    [retrieval]
    rerank_depth = 40

    [answer]
    min_score = 0.5
"""

from __future__ import annotations

import os
import tomllib
from importlib import resources
from dataclasses import asdict, dataclass, field, fields, replace

from qa.errors import QAError


@dataclass(frozen=True)
class RetrievalSettings:
    """Hybrid fusion and re-ranking (`qa.retriever`)."""

    fusion_weights: tuple[float, float, float] = (0.2, 0.6, 0.25)  # passage vector, best sentence, BM25 z-scores
    reference_shift: float = 1.5  # bibliography entries down (or up, for a literature question), in SDs
    section_hint_shift: float = 1.0  # the part of the article a question names, lifted by this many SDs
    rerank_depth: int = 30  # passages re-ranked by their best sentence's answer score
    rerank_weight: float = 5.0
    rerank_coverage: float = 0.6  # weight of key-term coverage in that answer score


@dataclass(frozen=True)
class TermSettings:
    """Key-term coverage (`qa.terms`)."""

    around_credit: float = 0.5  # a term found in the sentence's passage but not in the sentence
    soft_match: float = 0.45  # word-vector cosine from which a word counts as the question's word
    soft_credit: float = 0.75  # ... and how much it counts
    unknown_weight: float = 0.5  # weight of a question term the corpus never uses
    # a word with a drug's ending this common in general English is no drug ("combine": Zipf 4.1;
    # "insulin" 3.8, "penicillin" 3.0, "trastuzumab" 1.9; `wordfreq`)
    common_word_zipf: float = 4.0
    # "Did they sequence the genomes?": a verb of what the authors did, under this Zipf and never
    # written by the article, is a thing the article does not report doing ("sequence" 4.35; not
    # "run" 5.5, "measure" 4.65)
    done_verb_zipf: float = 4.5


@dataclass(frozen=True)
class AnswerSettings:
    """Choosing sentences and deciding to answer (`qa.answer`)."""

    min_score: float = 0.45  # similarity + coverage_weight x coverage needed to answer
    coverage_weight: float = 0.6
    carried_weight: float = 0.3  # terms carried over from an earlier turn
    # idf-weighted share of the thing a "what <value>" question asks the value of that the sentence
    # (its heading, its table's headers; lay words, long forms and very close words count) must name
    focus_min: float = 0.5
    # word-vector cosine from which a sentence's word names a word of that thing ("ratio" ~ "ratiob"
    # 0.82 does; "minutes" ~ "weeks" 0.55 does not)
    focus_soft_match: float = 0.75
    following_gain: float = 0.15  # share of key terms the next sentence must add to join the best
    # the strength of the best sentence (`min_score` test) counts these more for ...
    part_bonus: float = 0.15  # a sentence of the part of the article the question names
    description_bonus: float = 0.4  # a sentence saying what the thing asked about is
    name_match: float = 0.75  # word-vector cosine from which a capitalised word is an article's word
    # difflib ratio from which an absent word is suggested as a misspelling of an article's word
    # ("lapatanib" ~ "lapatinib" 0.89; "metformin" ~ "formation" 0.67 is not)
    spelling_match: float = 0.85
    spelling_min_letters: int = 5  # shorter absent words get no suggestion
    max_sentences: int = 4


@dataclass(frozen=True)
class SentenceSettings:
    """How the answerer ranks the candidate sentences of the retrieved passages: its cosine
    similarity to the question plus these signed weights times its signals (`qa.scoring.SIGNALS`;
    each signal 0 or 1 but for `coverage`, 0-1, `rank`, the passage's place from 0, and
    `named_part`, a section hint's weight). Hand-set defaults; `qa/data/fitted_sentences.toml`
    (eval/fit_sentences.py, fitted across articles) overrides them when it judged better."""

    coverage: float = 0.6  # the idf-weighted share of the question's key terms it covers
    rank: float = -0.02  # each place its passage ranks lower
    untyped: float = -0.45  # lacks the kind of answer asked for (a date for "when")
    focus_unnamed: float = -0.45  # a figure, but not of the thing a "what <value>" question names
    avoided: float = -0.6  # about what "the other study" turns away from
    numbers: float = 0.15  # holds every number the question writes
    named_part: float = 0.15  # in the part of the article the question names ("the abstract")
    describes: float = 0.4  # says what the thing asked about is ("PTEN—a negative regulator")
    defines: float = 0.3  # spells out the abbreviation asked about
    extreme: float = 0.5  # the table row holding the column extreme a question asks for (`qa.tables`)
    linked: float = 0.2  # a row of another table with that row's label ("IN71": its genotype)
    off_subject: float = -0.5  # about another drug, trial, gene or organism than the one asked about
    named_row: float = 0.3  # a table row the question names, in a table with a column it names
    reason: float = 0.15  # gives a reason ("Possibly, ... is too non-specific"), for a question asking why
    # cites another work's figure ("[22]") without "we" or "our", for a question asking what the
    # authors themselves found (`unreported.toml` asks_own_result, own_work)
    cited: float = -0.3


@dataclass(frozen=True)
class TableSettings:
    """Reading the table rows a question names (`qa.tables`)."""

    phrase_words: int = 6  # words after a superlative ("the highest ...") that may name the column
    shared_label_rows: int = 4  # a label this many rows of one table share ("Goats") names no one row


@dataclass(frozen=True)
class ChatSettings:
    """Follow-up questions (`qa.chat`)."""

    short_question_words: int = 5  # a question this short that names nothing leans on the conversation
    # a first question with a bare "it" and at most this many other words ("Why does it matter?")
    # has nothing for "it" to refer to (`conversation.toml` bare_pronoun)
    bare_pronoun_words: int = 2
    # a follow-up asking in words of its own ("At what magnification?" after a question about the
    # microscope) ranks sentences by this share of similarity to those words alone, the rest to them
    # with the words it carried (0.25 of 0.25-0.5 tried on the two conversation sets)
    own_similarity: float = 0.25


@dataclass(frozen=True)
class IndexSettings:
    """How an index build encodes its texts (`qa.index`). Recorded in the manifest; an article's
    vectors are reused by a later build only when it encodes the same way."""

    # "onnx": ONNX Runtime with the fp32 export, on every core, no torch once exported (vectors at a
    # cosine of 0.99999 to torch's, every eval figure identical); "onnx-int8": the int8-quantised
    # export (1.8x faster, development answer accuracy -0.016, so not the default); "torch":
    # sentence-transformers. Without an ONNX export a build falls back to torch.
    encoder: str = "onnx"
    # "sentences": a passage's vector is composed from its heading's and its sentences' vectors, so
    # each text is encoded once (half the build's encoding; answer accuracy within 0.004 on every
    # set, eval/README.md); "encoded": each passage encoded with its heading, as before.
    passage_vectors: str = "sentences"
    batch_size: int = 16  # texts per batch, sorted by length (less padding than 32 on 2 cores)

    def __post_init__(self) -> None:
        if self.encoder not in ("onnx", "onnx-int8", "torch"):
            raise QAError(f"[index] encoder {self.encoder!r}: use onnx, onnx-int8 or torch")
        if self.passage_vectors not in ("sentences", "encoded"):
            raise QAError(f"[index] passage_vectors {self.passage_vectors!r}: use sentences or encoded")
        if self.batch_size < 1:
            raise QAError(f"[index] batch_size {self.batch_size}: use a positive number")


@dataclass(frozen=True)
class Settings:
    index: IndexSettings = field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    terms: TermSettings = field(default_factory=TermSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    sentences: SentenceSettings = field(default_factory=SentenceSettings)
    tables: TableSettings = field(default_factory=TableSettings)
    chat: ChatSettings = field(default_factory=ChatSettings)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, where: str = "settings", base: "Settings | None" = None) -> "Settings":
        """`base` (the code's defaults if None) overridden by `data` ({"answer": {"min_score": 0.5}, ...});
        QAError on an unknown key."""
        out = base or cls()
        for part, values in data.items():
            if part not in {f.name for f in fields(cls)} or not isinstance(values, dict):
                raise QAError(f"{where}: unknown settings section {part!r}; use index, retrieval, terms, answer, sentences, tables or chat")
            current = getattr(out, part)
            known = {f.name: f for f in fields(current)}
            for key, value in values.items():
                if key not in known:
                    raise QAError(f"{where}: [{part}] has no setting {key!r}")
                if isinstance(getattr(current, key), tuple):
                    value = tuple(value)
                current = replace(current, **{key: value})
            out = replace(out, **{part: current})
        return out

    @classmethod
    def from_file(cls, path: str, base: "Settings | None" = None) -> "Settings":
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise QAError(f"{path}: cannot read the settings ({e})") from e
        return cls.from_dict(data, where=str(path), base=base)


# Values fitted across the six articles by the scripts of eval/ (each file says which script wrote
# it; eval/README.md has their leave-one-article-out figures), applied over the code's defaults.
FITTED_FILES = ("fitted_retrieval.toml", "fitted_sentences.toml")


def fitted_settings() -> Settings:
    """The code's defaults with the fitted values of `qa/data/` over them."""
    out = Settings()
    for name in FITTED_FILES:
        res = resources.files("qa").joinpath(f"data/{name}")
        if res.is_file():
            out = Settings.from_dict(tomllib.loads(res.read_text(encoding="utf-8")), where=f"qa/data/{name}", base=out)
    return out


def load_settings() -> Settings:
    """The settings of this process: `QA_SETTINGS` (a TOML file) over the fitted defaults."""
    path = os.environ.get("QA_SETTINGS")
    return Settings.from_file(path, base=fitted_settings()) if path else fitted_settings()


SETTINGS = load_settings()
