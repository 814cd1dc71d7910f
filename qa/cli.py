"""The `qa` command: the chat UI with no arguments; `index`, `search`, `ask`, `eval`, `glossary`."""

from __future__ import annotations

import json
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

try:  # typer carries its own copy of Click (0.2x); before, it used Click itself
    from typer._click.core import ParameterSource
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover
    from click.core import ParameterSource
    from click.exceptions import UsageError

from qa import __version__
from qa.errors import QAError
from qa.text import printable, without_scores

K_DEFAULT = 6  # passages per search, answer and evaluation (the ChatSession's and the TUI's)
MODE_CHOICES = "[hybrid|dense|bm25]"
COMMANDS = ("index", "search", "ask", "glossary", "eval", "list", "add")


class _OneLineUsageError(UsageError):
    """A usage error (`-k abc`, an unknown option, a missing argument) shown as one line, like every
    other error, instead of Click's usage block."""

    def show(self, file=None) -> None:
        where = self.ctx.command_path if self.ctx is not None else "qa"
        message = " ".join(self.format_message().split())
        typer.echo(printable(f"qa: error: {message} (see `{where} --help`)"), err=True)


def _one_line(e: UsageError) -> _OneLineUsageError:
    if isinstance(e, _OneLineUsageError):
        return e
    return _OneLineUsageError(e.format_message(), e.ctx)


class _Group(TyperGroup):
    """`qa "question"` asks, as `llm "prompt"` prompts: a first argument that is not a command is
    the question of `ask`. Usage errors are one line."""

    def resolve_command(self, ctx, args):
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            args = ["ask", *args]
        return super().resolve_command(ctx, args)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as e:
            raise _one_line(e) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UsageError as e:
            raise _one_line(e) from None

    def format_commands(self, ctx, formatter) -> None:
        # each command's whole first docstring line, not Click's 45-column cut ("Print the passages...")
        rows = [(name, (cmd.help or "").split("\n")[0].strip()) for name, cmd in self.commands.items()
                if not cmd.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(cls=_Group, add_completion=False, no_args_is_help=False, rich_markup_mode=None,
                  context_settings={"max_content_width": 100},
                  help="Grounded, cited answers from scientific articles (PubMed Central text or JATS XML).\n\n"
                       "Plain `qa` opens the chat (a full-screen terminal app). `qa \"question\"` is "
                       "`qa ask \"question\"`; `qa ask -`, or a question piped into `qa`, reads it "
                       "from standard input.")


class _Stdout(Console):
    """Standard output that treats a closed pipe (`qa search ... | head -1`) as the reader having
    seen enough: exit 0, not rich's default 1 (its documented hook for this). On a terminal text
    wraps to its width at word boundaries; into a pipe or a file lines are not wrapped."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0)

    def print(self, *objects, **kwargs) -> None:
        kwargs.setdefault("soft_wrap", not self.is_terminal)
        super().print(*objects, **kwargs)


out = _Stdout(highlight=False)
err = Console(stderr=True, highlight=False)

CorpusOpt = Annotated[Path, typer.Option("--corpus", envvar="QA_CORPUS",
                                         help="Folder of PMC articles (.txt, JATS .nxml/.xml).")]
IndexOpt = Annotated[Path, typer.Option("--index", envvar="QA_INDEX", help="Index folder.")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", envvar="QA_MODEL",
                                                 help="sentence-transformers name or path (default: bundled all-MiniLM-L6-v2).")]
KOpt = Annotated[int, typer.Option("-k", "--k", help="Number of passages.")]
ModeOpt = Annotated[str, typer.Option("--mode", metavar=MODE_CHOICES,
                                      help="Retrieval: hybrid (dense + BM25), dense or bm25.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ArticleOpt = Annotated[Optional[str], typer.Option("--article", help="Stay inside one article (its id, see `qa list`).")]
QuestionArg = Annotated[Optional[str], typer.Argument(
    help="The question; - (or none, with a pipe) reads it from standard input.", show_default=False)]


def safe(text: object) -> str:
    """Text from a file or a user, ready for a rich console: no control characters, no markup."""
    return escape(printable(str(text)))


def dumps(data: object) -> str:
    """JSON for scripts. `json` escapes C0 controls; C1 controls and DEL are escaped here too, so no
    byte of the output can drive a terminal."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error (control characters out, line breaks as spaces) and exit non-zero."""
    err.print(f"qa: error: {safe(' '.join(message.splitlines()))}", soft_wrap=True)
    raise typer.Exit(code)


def read_question(question: str | None) -> str:
    """The question argument; `-`, or no argument with a pipe on stdin, reads standard input (an
    undecodable byte is kept as a lone surrogate, for `check_question` to name)."""
    if question == "-" or (question is None and not sys.stdin.isatty()):
        data = typer.get_binary_stream("stdin").read()
        return data.decode("utf-8", errors="surrogateescape").strip()
    if question is None:
        fail('give a question: qa ask "..." (or - to read it from standard input)')
    return question


def existing_factory(index: Path) -> str:
    """The FAISS factory the index in `index` was built with (`Flat` if none): commands without
    `--factory` use whatever is there."""
    from qa.faiss_factory import existing_factory as read

    return read(index)


@contextmanager
def errors_as_exit():
    """Turn library errors into a one-line message and a non-zero exit."""
    try:
        yield
    except QAError as e:
        fail(str(e))
    except KeyboardInterrupt:
        fail("interrupted", 130)


def load_retriever(corpus: Path, index: Path, model: str | None, rebuild: str = "auto"):
    """Load (or build, with a progress bar) the retriever."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from qa.progress import announcing
    from qa.retriever import Retriever

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task("Loading index…", total=1.0)
        return Retriever.load(corpus, index, model, rebuild=rebuild, factory=existing_factory(index),
                              progress=announcing(bar, task, err))


def _version(value: bool) -> None:
    if value:
        out.print(f"qa {__version__}", markup=False)
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context, corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"),
                  model: ModelOpt = None,
                  data_dir: Annotated[Optional[Path], typer.Option(
                      "--data-dir", envvar="QA_DATA_DIR",
                      help="Where the chat keeps its conversations (default: the user's data folder).")] = None,
                  version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                        help="Print the version and exit.")] = False) -> None:
    """With no command: open the chat UI (or, with a question piped in, answer it)."""
    if ctx.invoked_subcommand is not None:
        # `qa --corpus X search ...`: options given before the command become its defaults
        given = {name: value for name, value in (("corpus", corpus), ("index", index), ("model", model))
                 if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT}
        if given:
            ctx.default_map = {cmd: dict(given) for cmd in COMMANDS}
            for cmd in ("glossary", "list"):
                ctx.default_map[cmd].pop("index", None)
                ctx.default_map[cmd].pop("model", None)
        return
    if not sys.stdin.isatty():  # `echo "question" | qa`: no terminal for the chat; answer it
        ctx.invoke(ask_cmd, question="-", corpus=corpus, index=index, model=model)
        return
    if ctx.invoked_subcommand is None:
        from qa.tui import run_app

        run_app(corpus_dir=corpus, index_dir=index, model=model, data_dir=data_dir)


def check_factory(factory: str, corpus: Path, model: str | None) -> None:
    """FactoryError now, before any embedding, if `factory` cannot index this corpus: not a FAISS
    factory, or (IVF, PQ) it needs more training vectors than the corpus has passages, which are
    counted by chunking the corpus as `qa.index.build_index` will."""
    from qa.faiss_factory import training_vectors_needed, validate_factory

    if training_vectors_needed(factory) <= 1:
        return
    from qa.chunking import Chunker, ChunkSettings
    from qa.corpus import load_corpus
    from qa.embedding import Embedder

    docs, embedder, settings = load_corpus(corpus), Embedder(model), ChunkSettings()
    used = ChunkSettings(**{**settings.to_dict(), "max_tokens": min(settings.max_tokens, embedder.max_tokens)})
    passages, _ = Chunker(embedder.count_tokens(), used).chunk(docs)
    validate_factory(factory, len(passages))


@app.command("index")
def index_cmd(corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"), model: ModelOpt = None,
              factory: Annotated[Optional[str], typer.Option(
                  help="FAISS factory string, e.g. Flat, HNSW32, IVF16,Flat (default: the existing "
                       "index's, else Flat); later commands use whatever the index was built with.",
                  show_default=False)] = None,
              force: Annotated[bool, typer.Option("--force/--if-stale", help="Rebuild even if current.")] = True) -> None:
    """Build (or rebuild) the index, with a progress bar (log lines when stderr is not a terminal)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from qa.progress import LogLines
    from qa.retriever import Retriever

    with errors_as_exit():
        factory = existing_factory(index) if factory is None else factory
        check_factory(factory, corpus, model)
    with errors_as_exit(), Progress(TextColumn("{task.description:<24}"), BarColumn(),
                                    TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                                    console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task("Starting…", total=1.0)
        progress = ((lambda m, f: bar.update(task, description=m, completed=f)) if err.is_terminal
                    else LogLines(err))
        r = Retriever.load(corpus, index, model, rebuild="always" if force else "auto", factory=factory,
                           progress=progress)
    _print_index_summary(r, index)


def _print_index_summary(r, index: Path) -> None:
    """What `qa index` / `qa add` did, and what each article's parse could not find."""
    m = r.manifest
    for d in r.documents:
        for w in d.warnings:
            err.print(printable(f"qa: {Path(d.path).name}: warning: {w}"), markup=False, soft_wrap=True)
    n = len(r.documents)
    err.print(printable(f"qa: index {r.status}: {n} article{'s' if n != 1 else ''}, {m['counts']['passages']} passages, "
                        f"{m['counts']['sentences']} sentences, model {m['model']}, {m['dimension']}-d, "
                        f"FAISS {m.get('faiss_factory', 'Flat')}, in {index} ({m.get('build_seconds', 0)} s)"),
              markup=False, soft_wrap=True)


@app.command("list")
def list_cmd(corpus: CorpusOpt = Path("corpus"), as_json: JsonOpt = False) -> None:
    """List the articles of the corpus: id, first author, year, title, blocks."""
    from rich.table import Table

    from qa.corpus import Article, load_corpus

    notes: list[str] = []
    with errors_as_exit():
        docs = load_corpus(corpus, notes)
    rows = []
    for d in docs:
        a = Article.from_document(d)
        rows.append({"id": a.id, "first_author": a.authors[0] if a.authors else "", "year": a.year,
                     "title": a.title, "journal": a.journal, "citation": d.short_citation(),
                     "doi": a.doi, "pmid": a.pmid, "format": d.format, "blocks": len(d.blocks),
                     "references": len(a.references), "tables": len(a.tables), "warnings": list(a.warnings),
                     "file": Path(d.path).name})
    if as_json:
        print(dumps({"articles": rows, "notes": notes}))
        return
    t = Table("id", "first author", "year", "title", "blocks")
    for row in rows:
        t.add_row(safe(row["id"]), safe(row["first_author"]), str(row["year"] or ""), safe(row["title"]),
                  str(row["blocks"]))
    out.print(t)
    for n in notes:
        err.print(printable(f"qa: {n}"), markup=False, soft_wrap=True)


@app.command("add")
def add_cmd(paths: Annotated[list[Path], typer.Argument(help="Article files (.txt, .nxml, .xml) to add.")],
            corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"), model: ModelOpt = None) -> None:
    """Copy articles into the corpus and index them (only the new ones are embedded)."""
    import shutil
    import tempfile

    from qa.corpus import ARTICLE_SUFFIXES, corpus_files, duplicate_of, identity_keys, load_corpus, parse_file

    with errors_as_exit():
        corpus.mkdir(parents=True, exist_ok=True)
        existing = {p.name for p in corpus.iterdir()}
        have = {}
        if any(p.suffix.lower() in ARTICLE_SUFFIXES for p in corpus.iterdir()):
            for d in load_corpus(corpus):
                have.update(dict.fromkeys(identity_keys(d), d))
        for p in paths:
            if p.suffix.lower() not in ARTICLE_SUFFIXES:
                raise QAError(f"{p}: not an article file (use .txt, .nxml or .xml)")
            doc = parse_file(p)  # check before copying: a bad file never enters the corpus
            same = duplicate_of(doc, have)
            if same is not None:
                err.print(printable(f"qa: {p.name} is already in the corpus as {Path(same.path).name}; skipped"),
                          markup=False)
                continue
            if p.name in existing:
                raise QAError(f"{corpus / p.name} exists and is another article; rename {p.name} first")
            fd, tmp = tempfile.mkstemp(dir=corpus, prefix=f".{p.name}.", suffix=".tmp")
            os.close(fd)
            shutil.copyfile(p, tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, corpus / p.name)
            existing.add(p.name)
            err.print(printable(f"qa: added {p.name}: {doc.title[:80]}"), markup=False)
        corpus_files(corpus)
        r = load_retriever(corpus, index, model)
    _print_index_summary(r, index)


@app.command("search")
def search_cmd(question: QuestionArg = None, k: KOpt = K_DEFAULT, mode: ModeOpt = "hybrid",
               section: Annotated[Optional[str], typer.Option(help="Only passages whose section contains this.")] = None,
               article: ArticleOpt = None, as_json: JsonOpt = False, corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"),
               model: ModelOpt = None) -> None:
    """Print the passages that best match a question, with section, score and cited references."""
    from qa.retriever import check_question, check_search_args

    with errors_as_exit():
        question = read_question(question)
        check_question(question)
        check_search_args(k, mode)
        r = load_retriever(corpus, index, model)
        passages = r.search(question, k=k, mode=mode, section=section, article=article)
    if as_json:
        print(dumps({"question": question, "mode": mode, "passages": [
            {"id": p.id, "doc_id": p.doc_id, "article": r.citation_of(p), "section": p.section,
             "score": round(p.score, 6),
             "dense_score": p.dense_score, "bm25_score": p.bm25_score, "start": p.start, "end": p.end,
             "kind": p.kind, "text": p.text,
             "refs": [{"number": x.number, "citation": x.short(), "pmid": x.pmid} for x in p.refs]}
            for p in passages]}))
        return
    for i, p in enumerate(passages, 1):
        out.print(f"[bold]{i}. {safe(p.section)}[/bold]  [dim]{safe(r.citation_of(p))} · score {p.score:.4f} · "
                  f"{safe(p.id)}[/dim]")
        out.print(safe(p.text))
        for ref in p.refs:
            out.print(f"   [dim][{ref.number}] {safe(ref.short())}[/dim]")
        out.print()


@app.command("ask")
def ask_cmd(question: QuestionArg = None, k: KOpt = K_DEFAULT,
            mode: ModeOpt = "hybrid", article: ArticleOpt = None, as_json: JsonOpt = False,
            corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"), model: ModelOpt = None) -> None:
    """Answer a question with quoted, cited sentences (or say the articles do not cover it)."""
    from qa.chat import ChatSession
    from qa.retriever import check_question, check_search_args

    with errors_as_exit():
        question = read_question(question)
        check_question(question)
        check_search_args(k, mode)
        r = load_retriever(corpus, index, model)
        answer = ChatSession(r, k=k, mode=mode).ask(question, article=article)
    if as_json:
        print(dumps(answer.to_dict()))
        return
    style = "yellow" if answer.abstained else "bold"
    if answer.caution:
        out.print(f"[italic yellow]{safe(answer.caution)}[/italic yellow]")
    out.print(f"[{style}]{safe(for_reader(answer))}[/{style}]")
    if answer.citations:
        out.print()
        out.print("[bold]Sources[/bold]")
        for c in answer.citations:
            out.print(f"[green]\u2039{c.marker}\u203a[/green] {safe(c.article or c.passage.doc_title)} — "
                      f"[cyan]{safe(c.section)}[/cyan]")
            out.print(f"    “{safe(c.sentence)}”")
            for ref in c.references:
                out.print(f"    [dim][{ref.number}] {safe(ref.short())}[/dim]")


def for_reader(answer) -> str:
    """The answer's text as the reader sees it: an abstention without the scores behind it ("(best
    match 0.13, needed 0.45)", which `qa.answer` writes into the reason; `--json` keeps them)."""
    return without_scores(answer.text) if answer.abstained else answer.text


@app.command("glossary")
def glossary_cmd(term: Annotated[Optional[str], typer.Argument(
                     help="Only abbreviations or meanings containing this (any case).", show_default=False)] = None,
                 corpus: CorpusOpt = Path("corpus"), as_json: JsonOpt = False) -> None:
    """Print the abbreviations defined in the corpus (those matching TERM, if given)."""
    from rich.table import Table

    from qa.corpus import load_corpus

    with errors_as_exit():
        docs = load_corpus(corpus)
    gloss: dict[str, str] = {}
    for d in docs:
        for k_, v in d.glossary.items():
            gloss.setdefault(k_, v)
    if term is not None:
        want = term.strip().casefold()
        gloss = {a: m for a, m in gloss.items() if want in a.casefold() or want in m.casefold()}
        if not gloss:
            err.print(f"qa: no abbreviation or meaning contains {safe(repr(term))}", soft_wrap=True)
            raise typer.Exit(1)
    if as_json:
        print(dumps(gloss))
        return
    if not out.is_terminal:  # a pipe or a file: one "ABBR<tab>meaning" line each, no padding
        for k_ in sorted(gloss, key=str.lower):
            print(f"{printable(k_)}\t{printable(gloss[k_])}")
        return
    t = Table("Abbreviation", "Meaning")
    for k_ in sorted(gloss, key=str.lower):
        t.add_row(safe(k_), safe(gloss[k_]))
    out.print(t)


@app.command("eval")
def eval_cmd(paths: Annotated[list[Path], typer.Argument(help="Question-set files or folders of .jsonl.")],
             k: Annotated[int, typer.Option("-k", "--k", help="The Recall@k cut-off (answers use the chat's "
                                                                 f"{K_DEFAULT} passages).")] = K_DEFAULT,
             mode: ModeOpt = "hybrid",
             compare: Annotated[bool, typer.Option("--compare", help="Compare modes and a fixed-size-chunk baseline.")] = False,
             json_file: Annotated[Optional[Path], typer.Option("--json", help="Write all figures as JSON.")] = None,
             markdown: Annotated[Optional[Path], typer.Option("--markdown", help="Write a Markdown report.")] = None,
             minimum: Annotated[Optional[list[str]], typer.Option("--min", help="Fail if metric < value, e.g. hit@1=0.7.")] = None,
             minimum_each: Annotated[Optional[list[str]], typer.Option(
                 "--min-article", help="Fail if any one article's metric < value, e.g. answer_accuracy=0.7.")] = None,
             each_article: Annotated[bool, typer.Option(
                 "--each-article", help="Ask each article's questions over a corpus of that article alone.")] = False,
             corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"), model: ModelOpt = None) -> None:
    """Run question sets and report retrieval and answer quality (by kind, and by article)."""
    from qa import evaluation

    with errors_as_exit():
        code = evaluation.run_cli(paths, k=k, mode=mode, compare=compare, json_file=json_file,
                                  markdown=markdown, minimum=minimum or [], minimum_each=minimum_each or [],
                                  corpus=corpus,
                                  index=index, model=model, console=out, err_console=err,
                                  each_article=each_article)
    raise typer.Exit(code)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:  # `qa ... | head`
        sys.stderr.close()
    except SystemExit as e:
        # Click/Typer turn a closed pipe met by a plain write into exit 1, after swapping stdout
        # for a wrapper that swallows the error: the reader having seen enough is not a failure
        if e.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            raise SystemExit(0) from None
        raise


if __name__ == "__main__":
    main()
