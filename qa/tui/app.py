"""The chat app: a chat log, the sources of the answer (beside it, or below it on narrow terminals),
a question box and a status line.

All blocking work (loading the model and index, answering, rebuilding, exporting) runs in thread
workers that post their results back as messages; failures surface in one place,
`on_worker_state_changed`, as notifications. The library is imported inside the workers, so the
window paints before torch loads.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Iterable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState, get_current_worker

from qa.tui.export import write_atomic
from qa.tui.messages import AnswerReady, ExportDone, LoadProgress, RetrieverReady
from qa.tui.render import answer_with_sources_text, conversation_markdown, sources_of
from qa.tui.screens.glossary import GlossaryScreen
from qa.tui.screens.help import HelpScreen
from qa.tui.screens.prompt import PromptScreen
from qa.tui.screens.reader import ReaderScreen
from qa.tui.widgets.chat_log import AnswerView, ChatLog
from qa.tui.widgets.question_input import QuestionInput
from qa.tui.widgets.sources import SourceList, SourcesPanel
from qa.tui.widgets.status import StatusLine

MODES = {"hybrid": "hybrid (dense + BM25)", "dense": "dense (embeddings)", "bm25": "BM25 (words)"}
MODE_LABELS = {"hybrid": "hybrid", "dense": "dense", "bm25": "BM25"}
MAX_QUESTION_CHARS = 2000
MAX_K = 20


def describe_error(error: BaseException | None) -> str:
    """A one-line message for an error from the library or the system."""
    if error is None:
        return "unknown error"
    text = str(error).strip() or type(error).__name__
    if type(error).__module__.startswith("qa"):
        return text
    return f"{type(error).__name__}: {text}"


class QAApp(App):
    """Grounded question answering over a review article, with its sources."""

    CSS_PATH = "app.tcss"
    TITLE = "qa"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide"), (150, "-xwide")]
    BINDINGS = [
        Binding("ctrl+n", "new_chat", "New chat", id="new-chat"),
        Binding("ctrl+o", "focus_sources", "Sources", id="focus-sources"),
        Binding("ctrl+y", "copy_answer", "Copy", id="copy-answer"),
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit"),
        Binding("pageup", "scroll_chat(-1)", "Scroll chat up", show=False, id="chat-page-up"),
        Binding("pagedown", "scroll_chat(1)", "Scroll chat down", show=False, id="chat-page-down"),
    ]

    def __init__(self, retriever: Any = None, corpus_dir: Path | str = "corpus",
                 index_dir: Path | str = "index", model: str | None = None) -> None:
        super().__init__()
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self.model = model
        self.retriever = retriever
        self._given_retriever = retriever
        self.session: Any = None  # qa.ChatSession, once the retriever is ready
        self.k = 6
        self.mode = "hybrid"
        self.answers: dict[int, Any] = {}  # turn -> qa.Answer, in the order asked
        self._turn = 0
        self._queue: deque[tuple[int, str]] = deque()
        self._answering: int | None = None  # the turn being answered
        self._loading = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="main"):
            yield ChatLog(id="chat-log")
            yield SourcesPanel(id="sources")
        yield QuestionInput(placeholder="Ask a question about the article…", id="question")
        yield Footer()

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def chat_log(self) -> ChatLog:
        return self.query_one(ChatLog)

    @property
    def sources_panel(self) -> SourcesPanel:
        return self.query_one(SourcesPanel)

    @property
    def question_input(self) -> QuestionInput:
        return self.query_one(QuestionInput)

    def on_mount(self) -> None:
        self.question_input.focus()
        self.status.settings(self.mode, self.k)
        self.status.show("Loading model…", busy=True)
        # Start the slow work only once the first frame is on screen.
        self.call_after_refresh(self._start_loading, "auto")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The chat's own keys work (and show) only on the chat screen; "Sources" hides while the
        sources have the focus (so that the footer keeps Copy and Help within 80 columns)."""
        if action in ("new_chat", "focus_sources", "copy_answer") and len(self.screen_stack) > 1:
            return False
        if action == "focus_sources" and isinstance(self.focused, SourceList):
            return False
        return True

    # ------------------------------------------------------------------ loading

    def _start_loading(self, rebuild: str) -> None:
        self._loading = True
        self.status.show("Rebuilding index…" if rebuild == "always" else "Loading model…", busy=True)
        given = self._given_retriever if rebuild == "auto" else None
        self.load_retriever(given, rebuild)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", description="load")
    def load_retriever(self, retriever: Any, rebuild: str) -> None:
        """Load (or build, or rebuild) the retriever and open a chat session on it."""
        worker = get_current_worker()

        def progress(message: str, fraction: float) -> None:
            if not worker.is_cancelled:
                self.post_message(LoadProgress(message, fraction))

        import qa  # the library (numpy, bm25s); torch loads inside Retriever.load

        if retriever is None:
            progress("Reading the article…", 0.0)
            retriever = qa.Retriever.load(self.corpus_dir, self.index_dir, self.model,
                                          rebuild=rebuild, progress=progress)
        if not worker.is_cancelled:
            self.post_message(RetrieverReady(retriever, rebuild == "always"))

    def on_load_progress(self, message: LoadProgress) -> None:
        if not self._loading:
            return
        text, fraction = message.message, message.fraction
        if text.startswith(("Chunking", "Embedding", "Indexing")):
            text = f"Building index {fraction:.0%} · {text}"
        elif text.startswith(("Rebuilding index", "Building index:")):
            text = text + "…"  # "Building index: there is none yet…", "Rebuilding index: <why>…"
        self.status.show(text, busy=True)

    def on_retriever_ready(self, message: RetrieverReady) -> None:
        from qa import ChatSession

        self._loading = False
        old = self.session
        self.retriever = message.retriever
        self.session = ChatSession(self.retriever, k=self.k, mode=self.mode)
        if old is not None:
            self.session.turns = list(old.turns)  # keep the conversation across a rebuild
        self._show_ready()
        if message.rebuilt:
            self.notify(f"Index rebuilt: {len(self.retriever.passages)} passages.", title="Index")
        for turn, _ in self._queue:
            view = self.chat_log.turn_view(turn)
            if view is not None:
                view.answer_view.show_waiting("Thinking…")
        self._pump()

    def _show_ready(self) -> None:
        title = ""
        docs = getattr(self.retriever, "documents", None) or []
        if docs:
            title = docs[0].title if len(docs) == 1 else f"{len(docs)} articles"
        self.status.show(f"Ready · {title}" if title else "Ready", busy=False)

    # ------------------------------------------------------------------ asking

    @on(QuestionInput.Submitted, "#question")
    def ask(self, event: QuestionInput.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        if len(question) > MAX_QUESTION_CHARS:
            self.notify(f"The question is {len(question)} characters long; the limit is "
                        f"{MAX_QUESTION_CHARS}.", severity="warning")
            return
        self.question_input.remember(question)
        self.question_input.value = ""
        self.submit(question)

    def submit(self, question: str) -> int:
        """Add a question to the chat; it is answered as soon as the index is ready. Its turn number."""
        self._turn += 1
        waiting = "Thinking…" if self.session is not None and self._answering is None else (
            "Waiting for the index…" if self.session is None else "Waiting…")
        self.chat_log.add_turn(self._turn, question, waiting)
        self._queue.append((self._turn, question))
        self._pump()
        return self._turn

    def _pump(self) -> None:
        """Answer the next waiting question, if the session is ready and nothing else is running."""
        if self.session is None or self._answering is not None or not self._queue:
            return
        turn, question = self._queue.popleft()
        self._answering = turn
        view = self.chat_log.turn_view(turn)
        if view is not None:
            view.answer_view.show_waiting("Thinking…")
        self.status.show("Answering…", busy=True)
        self.answer_question(self.session, turn, question)

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer", description="answer")
    def answer_question(self, session: Any, turn: int, question: str) -> None:
        """Retrieve and answer in the background."""
        answer = session.ask(question)
        if not get_current_worker().is_cancelled:
            self.post_message(AnswerReady(turn, answer))

    async def on_answer_ready(self, message: AnswerReady) -> None:
        if message.turn != self._answering:
            return  # from a conversation that was reset meanwhile
        self._answering = None
        self.answers[message.turn] = message.answer
        view = self.chat_log.turn_view(message.turn)
        if view is not None:
            view.answer_view.show_answer(message.answer)
            self.chat_log.call_after_refresh(self.chat_log.scroll_end, animate=False)
        if not self._loading:
            self._show_ready()
        self._pump()
        await self._show_sources(message.turn)

    async def _show_sources(self, turn: int) -> None:
        answer = self.answers[turn]
        number = sorted(self.answers).index(turn) + 1 if turn in self.answers else None
        await self.sources_panel.show(sources_of(answer), turn=turn, abstained=answer.abstained, number=number)
        for view in self.chat_log.query(AnswerView):
            view.set_class(view.turn == turn, "-shown")

    @on(AnswerView.Chosen)
    async def choose_answer(self, event: AnswerView.Chosen) -> None:
        if event.turn in self.answers:
            await self._show_sources(event.turn)

    # ------------------------------------------------------------------ sources and reader

    @on(SourcesPanel.Open)
    def open_from_panel(self, event: SourcesPanel.Open) -> None:
        self.open_reader(event.sources, event.index)

    def open_reader(self, sources: list, index: int) -> None:
        if self.retriever is None or not sources:
            return
        self.push_screen(ReaderScreen(self.retriever, sources, index))

    def action_open_source(self, turn: int, marker: int) -> None:
        """Open source `marker` of the answer of `turn` (the `[n]` markers in the chat link here)."""
        answer = self.answers.get(turn)
        if answer is None:
            return
        sources = sources_of(answer)
        index = next((i for i, s in enumerate(sources) if s.marker == marker), None)
        if index is not None:
            self.open_reader(sources, index)

    def action_focus_sources(self) -> None:
        """Move the focus to the list of sources."""
        lst = self.query_one(SourceList)
        if not lst.children:
            self.notify("No sources yet: ask a question first.")
            return
        lst.focus()

    def action_scroll_chat(self, direction: int) -> None:
        """Page the chat up or down from the keyboard (the question box keeps the focus)."""
        if direction < 0:
            self.chat_log.scroll_page_up()
        else:
            self.chat_log.scroll_page_down()

    def action_focus_question(self) -> None:
        self.question_input.focus()

    # ------------------------------------------------------------------ conversation

    async def action_new_chat(self) -> None:
        """Forget the conversation: the chat log, the sources, and the session's earlier turns."""
        self._queue.clear()
        if self._answering is not None:
            self.workers.cancel_group(self, "answer")
            self._answering = None
            if self.retriever is not None:  # the running answer still holds the old session
                from qa import ChatSession

                self.session = ChatSession(self.retriever, k=self.k, mode=self.mode)
        elif self.session is not None:
            self.session.reset()
        self.answers.clear()
        self.chat_log.clear_turns()
        await self.sources_panel.clear()
        if not self._loading and self.retriever is not None:
            self._show_ready()
        self.question_input.focus()

    def _current_answer(self) -> Any:
        turn = self.sources_panel.turn
        if turn in self.answers:
            return self.answers[turn]
        return self.answers[max(self.answers)] if self.answers else None

    def action_copy_answer(self) -> None:
        """Copy the answer shown (with its sources) to the clipboard."""
        answer = self._current_answer()
        if answer is None:
            self.notify("Nothing to copy yet.")
            return
        self.copy_to_clipboard(answer_with_sources_text(answer))
        self.notify("Copied the answer and its sources.")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # ------------------------------------------------------------------ palette commands

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Rebuild index", "Build the index again from the article, in the background",
                            self.action_rebuild_index)
        for mode, label in MODE_LABELS.items():
            now = " (current)" if mode == self.mode else ""
            yield SystemCommand(f"Retrieval mode: {label}", f"Find passages by {MODES[mode]}{now}",
                                partial(self.set_mode, mode))
        yield SystemCommand("Number of passages…", f"How many passages each answer draws on (now {self.k})",
                            self.action_set_k)
        yield SystemCommand("Export conversation to Markdown…",
                            "Write the questions, answers and sources to a .md file", self.action_export)
        yield SystemCommand("Abbreviation glossary", "The abbreviations the article defines",
                            self.action_glossary)
        yield SystemCommand("New chat", "Forget the conversation", self.action_new_chat)
        yield SystemCommand("Copy answer", "Copy the answer shown, with its sources", self.action_copy_answer)

    def action_rebuild_index(self) -> None:
        if self._loading:
            self.notify("The index is already loading.", severity="warning")
            return
        self._start_loading("always")

    def set_mode(self, mode: str) -> None:
        """Switch the retrieval mode for the next questions."""
        self.mode = mode
        if self.session is not None:
            self.session.mode = mode
        self.status.settings(self.mode, self.k)
        self.notify(f"Retrieval mode: {MODE_LABELS[mode]}.")

    def set_k(self, k: int) -> None:
        """Set how many passages each answer draws on."""
        self.k = k
        if self.session is not None:
            self.session.k = k
        self.status.settings(self.mode, self.k)
        self.notify(f"Answers now draw on {k} passages.")

    def action_set_k(self) -> None:
        def check(value: str) -> str | None:
            if not value.isdigit() or not 1 <= int(value) <= MAX_K:
                return f"Type a whole number from 1 to {MAX_K}."
            return None

        def done(value: str | None) -> None:
            if value:
                self.set_k(int(value))

        self.push_screen(PromptScreen("Number of passages per answer (k)", str(self.k),
                                      hint=f"1 to {MAX_K}; enter sets it, escape cancels", check=check,
                                      input_type="integer"), done)

    def action_export(self) -> None:
        if not self.answers:
            self.notify("Nothing to export yet: ask a question first.")
            return
        default = f"qa-conversation-{datetime.now():%Y%m%d-%H%M%S}.md"

        def check(value: str) -> str | None:
            if not value:
                return "Type a file name."
            parent = Path(value).expanduser().parent
            if not parent.is_dir():
                return f"There is no folder {parent}."
            return None

        def done(value: str | None) -> None:
            if value:
                self.export_conversation(Path(value), self.conversation_markdown())

        self.push_screen(PromptScreen("Export the conversation to a Markdown file", default,
                                      hint="enter writes it, escape cancels", check=check), done)

    def conversation_markdown(self) -> str:
        """The conversation so far as Markdown, with its sources."""
        docs = getattr(self.retriever, "documents", None) or []
        return conversation_markdown(list(self.answers.values()), title=docs[0].title if docs else "",
                                     mode=MODE_LABELS[self.mode], k=self.k,
                                     when=f"{datetime.now():%Y-%m-%d %H:%M}")

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", description="export")
    def export_conversation(self, path: Path, text: str) -> None:
        """Write the conversation atomically (temp file, then rename)."""
        written = write_atomic(path, text)
        if not get_current_worker().is_cancelled:
            self.post_message(ExportDone(written))

    def on_export_done(self, message: ExportDone) -> None:
        self.notify(f"Conversation written to {message.path}", title="Export")

    def action_glossary(self) -> None:
        glossary = getattr(self.retriever, "glossary", None)
        if not glossary:
            self.notify("The glossary is available once the article is loaded.")
            return
        self.push_screen(GlossaryScreen(glossary))

    # ------------------------------------------------------------------ errors

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one error path: a failed worker becomes a notification, and its loading state clears."""
        worker = event.worker
        if event.state == WorkerState.CANCELLED and worker.group == "answer":
            return
        if event.state != WorkerState.ERROR:
            return
        message = describe_error(worker.error)
        if worker.group == "load":
            self._loading = False
            if self.session is not None:  # a failed rebuild: the old index still answers
                self.notify(f"The index could not be rebuilt: {message}", title="Index",
                            severity="error", timeout=12)
                self._show_ready()
            else:
                self.notify(f"The index could not be loaded: {message}", title="Index",
                            severity="error", timeout=12)
                self.status.show("No index: rebuild it from the command palette (ctrl+p, "
                                 "“Rebuild index”)", busy=False, error=True)
        elif worker.group == "answer":
            turn = self._answering
            self._answering = None
            view = self.chat_log.turn_view(turn) if turn is not None else None
            if view is not None:
                view.answer_view.show_error(f"Could not answer: {message}")
            self.notify(f"Could not answer: {message}", severity="error", timeout=10)
            if not self._loading:
                self._show_ready()
            self._pump()
        else:
            self.notify(f"{worker.description or worker.group} failed: {message}", severity="error",
                        timeout=10)


def make_app(retriever: Any = None, corpus_dir: Path | str = "corpus", index_dir: Path | str = "index",
             model: str | None = None) -> QAApp:
    """The app factory used by `qa`, the tests and the snapshots.

    Args:
        retriever: a loaded `qa.Retriever` to use; by default one is loaded in a worker.
        corpus_dir: folder of PMC `.txt` articles.
        index_dir: index folder (built there on first run).
        model: sentence-transformers name or path; the bundled model by default.
    """
    return QAApp(retriever=retriever, corpus_dir=corpus_dir, index_dir=index_dir, model=model)
