"""The `qa` command: the chat UI with no arguments; `index`, `search`, `ask`, `eval`, `glossary`."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from qa.errors import QAError

app = typer.Typer(add_completion=False, no_args_is_help=False, rich_markup_mode=None,
                  help="Grounded, cited answers from scientific articles (PubMed Central text or JATS XML).")
class _Stdout(Console):
    """Standard output that treats a closed pipe (`qa search ... | head -1`) as the reader having
    seen enough: exit 0, not rich's default 1 (its documented hook for this)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0)


out = _Stdout(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

CorpusOpt = Annotated[Path, typer.Option("--corpus", envvar="QA_CORPUS",
                                         help="Folder of PMC articles (.txt, JATS .nxml/.xml).")]
IndexOpt = Annotated[Path, typer.Option("--index", envvar="QA_INDEX", help="Index folder.")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", envvar="QA_MODEL",
                                                 help="sentence-transformers name or path (default: bundled all-MiniLM-L6-v2).")]
KOpt = Annotated[int, typer.Option("-k", "--k", help="Number of passages.")]
ModeOpt = Annotated[str, typer.Option("--mode", help="hybrid, dense or bm25.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ArticleOpt = Annotated[Optional[str], typer.Option("--article", help="Stay inside one article (its id, see `qa list`).")]


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error and exit non-zero."""
    err.print(f"qa: error: {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


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
        return Retriever.load(corpus, index, model, rebuild=rebuild, progress=announcing(bar, task, err))


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context, corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"),
                  model: ModelOpt = None,
                  data_dir: Annotated[Optional[Path], typer.Option(
                      "--data-dir", envvar="QA_DATA_DIR",
                      help="Where the chat keeps its conversations (default: the user's data folder).")] = None) -> None:
    """With no command: open the chat UI."""
    if ctx.invoked_subcommand is not None:
        # `qa --corpus X search ...`: options given before the command become its defaults
        from click.core import ParameterSource

        given = {name: value for name, value in (("corpus", corpus), ("index", index), ("model", model))
                 if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT}
        if given:
            ctx.default_map = {cmd: dict(given) for cmd in ("index", "search", "ask", "glossary", "eval",
                                                            "list", "add")}
            for cmd in ("glossary", "list"):
                ctx.default_map[cmd].pop("index", None)
                ctx.default_map[cmd].pop("model", None)
        return
    if ctx.invoked_subcommand is None:
        from qa.tui import run_app

        run_app(corpus_dir=corpus, index_dir=index, model=model, data_dir=data_dir)


@app.command("index")
def index_cmd(corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"), model: ModelOpt = None,
              factory: Annotated[str, typer.Option(help="FAISS factory string, e.g. Flat, HNSW32, IVF64,Flat.")] = "Flat",
              force: Annotated[bool, typer.Option("--force/--if-stale", help="Rebuild even if current.")] = True) -> None:
    """Build (or rebuild) the index, with a progress bar."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from qa.retriever import Retriever

    with errors_as_exit(), Progress(TextColumn("{task.description:<24}"), BarColumn(),
                                    TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                                    console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task("Starting…", total=1.0)
        r = Retriever.load(corpus, index, model, rebuild="always" if force else "auto", factory=factory,
                           progress=lambda m, f: bar.update(task, description=m, completed=f))
    _print_index_summary(r, index)


def _print_index_summary(r, index: Path) -> None:
    """What `qa index` / `qa add` did, and what each article's parse could not find."""
    m = r.manifest
    for d in r.documents:
        for w in d.warnings:
            err.print(f"qa: {escape(Path(d.path).name)}: warning: {escape(w)}", soft_wrap=True)
    err.print(f"qa: index {escape(r.status)}: {len(r.documents)} article{'s' if len(r.documents) != 1 else ''}, "
              f"{m['counts']['passages']} passages, {m['counts']['sentences']} "
              f"sentences, model {m['model']}, {m['dimension']}-d, in {index} "
              f"({m.get('build_seconds', 0)} s)", soft_wrap=True)


@app.command("list")
def list_cmd(corpus: CorpusOpt = Path("corpus"), as_json: JsonOpt = False) -> None:
    """List the articles of the corpus: id, first author, year, title, passages (blocks)."""
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
        print(json.dumps({"articles": rows, "notes": notes}, ensure_ascii=False, indent=2))
        return
    t = Table("id", "first author", "year", "title", "blocks")
    for row in rows:
        t.add_row(escape(row["id"]), escape(row["first_author"]), str(row["year"] or ""),
                  escape(row["title"]), str(row["blocks"]))
    out.print(t)
    for n in notes:
        err.print(f"qa: {escape(n)}", soft_wrap=True)


@app.command("add")
def add_cmd(paths: Annotated[list[Path], typer.Argument(help="Article files (.txt, .nxml, .xml) to add.")],
            corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"), model: ModelOpt = None) -> None:
    """Copy articles into the corpus and index them (only the new ones are embedded)."""
    import shutil
    import tempfile

    from qa.corpus import ARTICLE_SUFFIXES, corpus_files, duplicate_of, load_corpus, parse_file

    with errors_as_exit():
        corpus.mkdir(parents=True, exist_ok=True)
        existing = {p.name for p in corpus.iterdir()} if corpus.is_dir() else set()
        have = {}
        if any(p.suffix.lower() in ARTICLE_SUFFIXES for p in corpus.iterdir()):
            for d in load_corpus(corpus):
                for key in (f"sha:{d.sha256}", f"doi:{d.doi.lower()}" if d.doi else "", f"pmid:{d.pmid}" if d.pmid else ""):
                    if key:
                        have[key] = d
        for p in paths:
            if p.suffix.lower() not in ARTICLE_SUFFIXES:
                raise QAError(f"{p}: not an article file (use .txt, .nxml or .xml)")
            doc = parse_file(p)  # check before copying: a bad file never enters the corpus
            same = duplicate_of(doc, have)
            if same is not None:
                err.print(f"qa: {escape(p.name)} is already in the corpus as {escape(Path(same.path).name)}; skipped")
                continue
            if p.name in existing:
                raise QAError(f"{corpus / p.name} exists and is another article; rename {p.name} first")
            fd, tmp = tempfile.mkstemp(dir=corpus, prefix=f".{p.name}.", suffix=".tmp")
            os.close(fd)
            shutil.copyfile(p, tmp)
            os.replace(tmp, corpus / p.name)
            existing.add(p.name)
            err.print(f"qa: added {escape(p.name)}: {escape(doc.title[:80])}")
        corpus_files(corpus)
        r = load_retriever(corpus, index, model)
    _print_index_summary(r, index)


@app.command("search")
def search_cmd(question: Annotated[str, typer.Argument(help="The question.")], k: KOpt = 5,
               mode: ModeOpt = "hybrid",
               section: Annotated[Optional[str], typer.Option(help="Only passages whose section contains this.")] = None,
               article: ArticleOpt = None, as_json: JsonOpt = False, corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"),
               model: ModelOpt = None) -> None:
    """Print the passages that best match a question, with section, score and cited references."""
    from qa.retriever import check_question, check_search_args

    with errors_as_exit():
        check_question(question)
        check_search_args(k, mode)
        r = load_retriever(corpus, index, model)
        passages = r.search(question, k=k, mode=mode, section=section, article=article)
    if as_json:
        print(json.dumps({"question": question, "mode": mode, "passages": [
            {"id": p.id, "doc_id": p.doc_id, "article": r.citation_of(p), "section": p.section, "score": round(p.score, 6),
             "dense_score": p.dense_score, "bm25_score": p.bm25_score, "start": p.start, "end": p.end,
             "kind": p.kind, "text": p.text,
             "refs": [{"number": x.number, "citation": x.short(), "pmid": x.pmid} for x in p.refs]}
            for p in passages]}, ensure_ascii=False, indent=2))
        return
    for i, p in enumerate(passages, 1):
        out.print(f"[bold]{i}. {escape(p.section)}[/bold]  [dim]{escape(r.citation_of(p))} · score {p.score:.4f} · {p.id}[/dim]")
        out.print(escape(p.text), soft_wrap=True)
        for ref in p.refs:
            out.print(f"   [dim][{ref.number}] {escape(ref.short())}[/dim]")
        out.print()


@app.command("ask")
def ask_cmd(question: Annotated[str, typer.Argument(help="The question.")], k: KOpt = 6,
            mode: ModeOpt = "hybrid", article: ArticleOpt = None, as_json: JsonOpt = False,
            corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"), model: ModelOpt = None) -> None:
    """Answer a question with quoted, cited sentences (or say the articles do not cover it)."""
    from qa.chat import ChatSession
    from qa.retriever import check_question, check_search_args

    with errors_as_exit():
        check_question(question)
        check_search_args(k, mode)
        r = load_retriever(corpus, index, model)
        answer = ChatSession(r, k=k, mode=mode).ask(question, article=article)
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    style = "yellow" if answer.abstained else "bold"
    out.print(f"[{style}]{escape(answer.text)}[/{style}]", soft_wrap=True)
    if answer.citations:
        out.print()
        out.print("[bold]Sources[/bold]")
        for c in answer.citations:
            out.print(f"[green]\u2039{c.marker}\u203a[/green] {escape(c.article or c.passage.doc_title)} — [cyan]{escape(c.section)}[/cyan]")
            out.print(f"    “{escape(c.sentence)}”", soft_wrap=True)
            for ref in c.references:
                out.print(f"    [dim][{ref.number}] {escape(ref.short())}[/dim]")


@app.command("glossary")
def glossary_cmd(corpus: CorpusOpt = Path("corpus"), as_json: JsonOpt = False) -> None:
    """Print the abbreviations defined in the corpus."""
    from rich.table import Table

    from qa.corpus import load_corpus

    with errors_as_exit():
        docs = load_corpus(corpus)
    gloss: dict[str, str] = {}
    for d in docs:
        for k_, v in d.glossary.items():
            gloss.setdefault(k_, v)
    if as_json:
        print(json.dumps(gloss, ensure_ascii=False, indent=2))
        return
    t = Table("Abbreviation", "Meaning")
    for k_ in sorted(gloss, key=str.lower):
        t.add_row(escape(k_), escape(gloss[k_]))
    out.print(t)


@app.command("eval")
def eval_cmd(paths: Annotated[list[Path], typer.Argument(help="Question-set files or folders of .jsonl.")],
             k: KOpt = 5, mode: ModeOpt = "hybrid",
             compare: Annotated[bool, typer.Option("--compare", help="Compare modes and a fixed-size-chunk baseline.")] = False,
             json_file: Annotated[Optional[Path], typer.Option("--json", help="Write all figures as JSON.")] = None,
             markdown: Annotated[Optional[Path], typer.Option("--markdown", help="Write a Markdown report.")] = None,
             minimum: Annotated[Optional[list[str]], typer.Option("--min", help="Fail if metric < value, e.g. hit@1=0.7.")] = None,
             each_article: Annotated[bool, typer.Option(
                 "--each-article", help="Ask each article's questions over a corpus of that article alone.")] = False,
             corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"), model: ModelOpt = None) -> None:
    """Run question sets and report retrieval and answer quality (by kind, and by article)."""
    from qa import evaluation

    with errors_as_exit():
        code = evaluation.run_cli(paths, k=k, mode=mode, compare=compare, json_file=json_file,
                                  markdown=markdown, minimum=minimum or [], corpus=corpus,
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
