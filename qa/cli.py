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
                  help="Grounded, cited answers from a scientific review article.")
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

CorpusOpt = Annotated[Path, typer.Option("--corpus", envvar="QA_CORPUS", help="Folder of PMC .txt articles.")]
IndexOpt = Annotated[Path, typer.Option("--index", envvar="QA_INDEX", help="Index folder.")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", envvar="QA_MODEL",
                                                 help="sentence-transformers name or path (default: bundled all-MiniLM-L6-v2).")]
KOpt = Annotated[int, typer.Option("-k", "--k", help="Number of passages.")]
ModeOpt = Annotated[str, typer.Option("--mode", help="hybrid, dense or bm25.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


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
                  model: ModelOpt = None) -> None:
    """With no command: open the chat UI."""
    if ctx.invoked_subcommand is not None:
        # `qa --corpus X search ...`: options given before the command become its defaults
        from click.core import ParameterSource

        given = {name: value for name, value in (("corpus", corpus), ("index", index), ("model", model))
                 if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT}
        if given:
            ctx.default_map = {cmd: dict(given) for cmd in ("index", "search", "ask", "glossary", "eval")}
            ctx.default_map["glossary"].pop("index", None)
            ctx.default_map["glossary"].pop("model", None)
        return
    if ctx.invoked_subcommand is None:
        from qa.tui import run_app

        run_app(corpus_dir=corpus, index_dir=index, model=model)


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
    m = r.manifest
    err.print(f"qa: index {r.status}: {m['counts']['passages']} passages, {m['counts']['sentences']} "
              f"sentences, model {m['model']}, {m['dimension']}-d, in {index} "
              f"({m.get('build_seconds', 0)} s)")


@app.command("search")
def search_cmd(question: Annotated[str, typer.Argument(help="The question.")], k: KOpt = 5,
               mode: ModeOpt = "hybrid",
               section: Annotated[Optional[str], typer.Option(help="Only passages whose section contains this.")] = None,
               as_json: JsonOpt = False, corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"),
               model: ModelOpt = None) -> None:
    """Print the passages that best match a question, with section, score and cited references."""
    from qa.retriever import check_question, check_search_args

    with errors_as_exit():
        check_question(question)
        check_search_args(k, mode)
        r = load_retriever(corpus, index, model)
        passages = r.search(question, k=k, mode=mode, section=section)
    if as_json:
        print(json.dumps({"question": question, "mode": mode, "passages": [
            {"id": p.id, "doc_id": p.doc_id, "section": p.section, "score": round(p.score, 6),
             "dense_score": p.dense_score, "bm25_score": p.bm25_score, "start": p.start, "end": p.end,
             "kind": p.kind, "text": p.text,
             "refs": [{"number": x.number, "citation": x.short(), "pmid": x.pmid} for x in p.refs]}
            for p in passages]}, ensure_ascii=False, indent=2))
        return
    for i, p in enumerate(passages, 1):
        out.print(f"[bold]{i}. {escape(p.section)}[/bold]  [dim]score {p.score:.4f} · {p.id}[/dim]")
        out.print(escape(p.text), soft_wrap=True)
        for ref in p.refs:
            out.print(f"   [dim][{ref.number}] {escape(ref.short())}[/dim]")
        out.print()


@app.command("ask")
def ask_cmd(question: Annotated[str, typer.Argument(help="The question.")], k: KOpt = 6,
            mode: ModeOpt = "hybrid", as_json: JsonOpt = False, corpus: CorpusOpt = Path("corpus"),
            index: IndexOpt = Path("index"), model: ModelOpt = None) -> None:
    """Answer a question with quoted, cited sentences (or say the review does not cover it)."""
    from qa.chat import ChatSession
    from qa.retriever import check_question, check_search_args

    with errors_as_exit():
        check_question(question)
        check_search_args(k, mode)
        r = load_retriever(corpus, index, model)
        answer = ChatSession(r, k=k, mode=mode).ask(question)
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    style = "yellow" if answer.abstained else "bold"
    out.print(f"[{style}]{escape(answer.text)}[/{style}]", soft_wrap=True)
    if answer.citations:
        out.print()
        out.print("[bold]Sources[/bold]")
        for c in answer.citations:
            out.print(f"[{c.marker}] {escape(c.passage.doc_title)} — [cyan]{escape(c.section)}[/cyan]")
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
             corpus: CorpusOpt = Path("corpus"), index: IndexOpt = Path("index"), model: ModelOpt = None) -> None:
    """Run question sets and report retrieval and answer quality."""
    from qa import evaluation

    with errors_as_exit():
        code = evaluation.run_cli(paths, k=k, mode=mode, compare=compare, json_file=json_file,
                                  markdown=markdown, minimum=minimum or [], corpus=corpus,
                                  index=index, model=model, console=out, err_console=err)
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
