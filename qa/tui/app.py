"""The chat app: a chat log, the sources of the answer (beside it, or below it on narrow terminals),
a question box and a status line.

Conversations are saved as they go (`qa.conversations.ConversationStore`, in the user's data folder
or `data_dir`), with the question history and the settings; the conversations list resumes,
renames and deletes them.

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
from typing import TYPE_CHECKING, Iterable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState, get_current_worker

from qa.tui.export import default_export_dir, write_atomic
from qa.tui.messages import AnswerReady, CopyDone, ExportDone, LoadProgress, RetrieverReady
from qa.tui.library import AnswerInfo, Chat, Library, SectionInfo, order_index, scope_label, written_section
from qa.tui.render import (REF_MARKER, answer_with_sources_text, conversation_markdown,
                           reference_numbers, sources_of)
from qa.tui.render import marker as source_marker
from qa.tui.screens.contents import ContentsScreen
from qa.tui.screens.conversations import ConversationsScreen
from qa.tui.screens.glossary import GlossaryScreen
from qa.tui.screens.help import HelpScreen
from qa.tui.screens.library import LibraryChoice, LibraryScreen
from qa.tui.screens.palette import Palette
from qa.tui.screens.prompt import PromptScreen
from qa.tui.screens.reader import ReaderScreen
from qa.tui.screens.references import show_references
from qa.tui.widgets.chat_log import AnswerView, ChatLog
from qa.tui.widgets.question_input import QuestionInput
from qa.tui.widgets.sources import SourceList, SourcesPanel
from qa.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from qa.conversations import ConversationStore

MODES = {"hybrid": "hybrid (dense + BM25)", "dense": "dense (embeddings)", "bm25": "BM25 (words)"}
MODE_LABELS = {"hybrid": "hybrid", "dense": "dense", "bm25": "BM25"}
MAX_QUESTION_CHARS = 2000
MAX_K = 20
LAYOUTS = ("both", "chat", "sources")  # what f2 cycles through: both panes, the chat alone, the sources alone
LAYOUT_NOTES = {"both": "Chat and sources side by side (or stacked).", "chat": "Sources hidden: f2 again maximises them.",
                "sources": "Sources maximised: f2 again shows the chat and sources."}
CHAT_ACTIONS = ("new_chat", "focus_sources", "copy_answer", "conversations", "cycle_layout", "focus_answers",
                "library")


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
        Binding("ctrl+n", "new_chat", "New", tooltip="New chat", id="new-chat"),
        Binding("ctrl+o", "focus_sources", "Sources", id="focus-sources"),
        Binding("f3,ctrl+t", "library", "Library", id="library"),
        Binding("ctrl+y", "copy_answer", "Copy", id="copy-answer"),
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit"),
        Binding("ctrl+l", "conversations", "Chats", show=False, id="conversations"),
        Binding("f2", "cycle_layout", "Hide/maximise sources", show=False, id="cycle-layout"),
        Binding("ctrl+up,alt+up", "focus_answers", "Answers", show=False, id="focus-answers"),
        Binding("pageup", "scroll_chat(-1)", "Scroll chat up", show=False, id="chat-page-up"),
        Binding("pagedown", "scroll_chat(1)", "Scroll chat down", show=False, id="chat-page-down"),
    ]

    def __init__(self, retriever: Library | None = None, corpus_dir: Path | str = "corpus",
                 index_dir: Path | str = "index", model: str | None = None,
                 data_dir: Path | str | None = None, export_dir: Path | str | None = None) -> None:
        super().__init__()
        self.data_dir = Path(data_dir) if data_dir is not None else None  # None: the user's data folder
        self.export_dir = Path(export_dir).expanduser() if export_dir is not None else default_export_dir()
        self.store: ConversationStore | None = None  # opened on mount
        self.conversation_id: int | None = None  # the saved conversation shown (None until its first answer)
        self.layout_mode = "both"
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self.model = model
        self.retriever: Library | None = retriever
        self._given_retriever = retriever
        self.article: str | None = None  # the article questions are asked of (None: all of them)
        self._saved_article: str | None = None  # the saved filter, checked once the articles are known
        self.session: Chat | None = None  # a qa.ChatSession, once the retriever is ready
        self.k = 6
        self.mode = "hybrid"
        self.answers: dict[int, AnswerInfo] = {}  # turn -> its answer, in the order asked
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
        self._open_store()
        self._show_settings()
        self.status.show("Loading model…", busy=True)
        # Start the slow work only once the first frame is on screen.
        self.call_after_refresh(self._start_loading, "auto")

    def _open_store(self) -> None:
        """Open the conversation store and restore the question history and settings. A store that
        cannot be opened is a warning: the chat works, unsaved."""
        from qa.conversations import ConversationStore, ConversationStoreError

        try:
            self.store = ConversationStore(self.data_dir)
            saved = self.store.settings()
            self.question_input.history = self.store.questions()
        except (ConversationStoreError, OSError) as e:
            self.store = None
            self.notify(f"Conversations will not be saved: {describe_error(e)}", title="Conversations",
                        severity="warning", timeout=10)
            return
        if saved.get("mode") in MODES:
            self.mode = saved["mode"]
        if isinstance(saved.get("k"), int) and 1 <= saved["k"] <= MAX_K:
            self.k = saved["k"]
        if isinstance(saved.get("article"), str):
            self._saved_article = saved["article"]

    def _save(self, what: str, write) -> None:
        """Run one store write; a failure is a warning, never a crash."""
        if self.store is None:
            return
        try:
            write(self.store)
        except Exception as e:  # sqlite3.Error, OSError: the disk, not the chat
            self.notify(f"Could not save {what}: {describe_error(e)}", title="Conversations",
                        severity="warning", timeout=8)

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The chat's own keys work (and show) only on the chat screen; "Sources" hides while the
        sources have the focus (so that the footer keeps Copy and Help within 80 columns)."""
        if action in CHAT_ACTIONS and len(self.screen_stack) > 1:
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
    def load_retriever(self, retriever: Library | None, rebuild: str) -> None:
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
        wanted = self.article if old is not None else self._saved_article
        if wanted is not None and wanted not in self.retriever.articles:
            self.notify(f"The article {wanted!r} is no longer in the corpus: asking all articles.",
                        title="Library", severity="warning", timeout=8)
            wanted = None
            self._save("the settings", lambda store: store.save_settings(article=None))
        self._apply_article(wanted)
        self._show_ready()
        if message.rebuilt:
            self.notify(f"Index rebuilt: {len(self.retriever.passages)} passages.", title="Index")
        for turn, _ in self._queue:
            view = self.chat_log.turn_view(turn)
            if view is not None:
                view.answer_view.show_waiting("Thinking…")
        self._pump()

    @property
    def several_articles(self) -> bool:
        """Whether the corpus has more than one article (then answers and sources name theirs)."""
        return self.retriever is not None and len(self.retriever.articles) > 1

    def _show_ready(self) -> None:
        articles = list(self.retriever.articles.values()) if self.retriever is not None else []
        if len(articles) == 1:
            self.status.show(f"Ready · {articles[0].title}", busy=False)
        else:
            self.status.show("Ready", busy=False)  # the settings on the right say which articles

    def _scope(self) -> str:
        """What the status line says questions are asked of ("All 3 articles"); nothing for one."""
        return scope_label(self.retriever, self.article) if self.several_articles and self.retriever else ""

    def _show_settings(self) -> None:
        self.status.settings(self.mode, self.k, self._scope())

    def _apply_article(self, article: str | None) -> None:
        """Ask `article` (None: all articles) from now on: the session's filter, the status line and
        the question box's placeholder."""
        self.article = article
        if self.session is not None:
            self.session.article = article
        self._show_settings()
        if self.retriever is not None and self.several_articles:
            self.question_input.placeholder = (
                f"Ask a question about {scope_label(self.retriever, article)}…" if article
                else f"Ask a question about {self.retriever.corpus_noun}…")

    def set_article(self, article: str | None) -> None:
        """Ask one article (its id) or, with None, all of them; the choice is saved."""
        if self.retriever is None:
            return
        if article is not None and article not in self.retriever.articles:
            raise KeyError(f"no article {article!r} in the corpus")
        self._apply_article(article)
        self._save("the settings", lambda store: store.save_settings(article=article))
        label = scope_label(self.retriever, article)
        self.notify(f"Questions now go to {label if article else label.lower()}.", title="Library", timeout=4)

    def action_library(self) -> None:
        """The articles of the corpus: ask all of them or one, or read one's contents."""
        if self.retriever is None:
            self.notify("The library is available once the articles are loaded.")
            return
        library = self.retriever

        def done(choice: LibraryChoice | None) -> None:
            if choice is None:
                return
            if choice.contents and choice.article is not None:
                self.open_contents(choice.article)
            elif choice.article != self.article:
                self.set_article(choice.article)

        self.push_screen(LibraryScreen(library, self.article), done)

    def open_contents(self, doc_id: str) -> None:
        """An article's table of contents; enter opens the reader at that section."""
        if self.retriever is None:
            return
        library = self.retriever
        document = library.document(doc_id)

        def done(chosen: SectionInfo | None) -> None:
            if chosen is not None:
                self.push_screen(ReaderScreen(library, self._shown_sources(doc_id), doc_id=doc_id,
                                              section=order_index(document, chosen)))

        self.push_screen(ContentsScreen(document), done)

    def _shown_sources(self, doc_id: str) -> list:
        """The sources shown in the panel that come from the article `doc_id`."""
        return [s for s in self.sources_panel.sources if s.passage.doc_id == doc_id]

    # ------------------------------------------------------------------ asking

    @on(QuestionInput.Submitted, "#question")
    def ask(self, event: QuestionInput.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        if len(question) > MAX_QUESTION_CHARS:
            self.notify(f"The question is {len(question)} characters long; the limit is "
                        f"{MAX_QUESTION_CHARS}.", severity="warning")
            self.question_input.value = event.value  # the box emptied as it submitted: give it back
            return
        self.question_input.remember(question)
        self.question_input.value = ""
        self._save("the question history", lambda store: store.add_question(question))
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
    def answer_question(self, session: Chat, turn: int, question: str) -> None:
        """Retrieve and answer in the background."""
        answer = session.ask(question)
        if not get_current_worker().is_cancelled:
            self.post_message(AnswerReady(turn, answer))

    async def on_answer_ready(self, message: AnswerReady) -> None:
        if message.turn != self._answering:
            return  # from a conversation that was reset meanwhile
        self._answering = None
        self.answers[message.turn] = message.answer
        self._save_turn(message.answer)
        view = self.chat_log.turn_view(message.turn)
        if view is not None:
            view.answer_view.show_answer(message.answer, articles=self.several_articles)
            if not self._queue:  # the question and the answer's first sentence, not the answer's end
                self.chat_log.anchor(message.turn)
        if not self._loading:
            self._show_ready()
        self._pump()
        await self._show_sources(message.turn)

    def _save_turn(self, answer: AnswerInfo) -> None:
        """Save a turn in this chat's conversation (created with its first answer)."""
        def write(store) -> None:
            if self.conversation_id is None:
                self.conversation_id = store.create()
            try:
                store.append_turn(self.conversation_id, answer.question, answer)
            except KeyError:  # deleted from the list meanwhile: this chat goes on as a new one
                self.conversation_id = store.create()
                store.append_turn(self.conversation_id, answer.question, answer)

        self._save("this chat", write)

    async def _show_sources(self, turn: int) -> None:
        answer = self.answers[turn]
        number = sorted(self.answers).index(turn) + 1 if turn in self.answers else None
        library = self.retriever
        cite = (lambda p: library.document(p.doc_id).short_citation()) if library is not None else None
        heading = (lambda p: written_section(library.document(p.doc_id), p.section_path)) if library is not None else None
        sources = sources_of(answer, cite, heading)
        only = next(iter(library.articles.values()), None) if library is not None else None
        await self.sources_panel.show(sources, turn=turn, abstained=answer.abstained, number=number,
                                      articles=self.several_articles,
                                      article=only.document.short_citation() if only and only.document else "",
                                      noun=library.corpus_noun if library is not None else "the review")
        for view in self.chat_log.query(AnswerView):
            view.set_class(view.turn == turn, "-shown")

    @on(AnswerView.Chosen)
    async def choose_answer(self, event: AnswerView.Chosen) -> None:
        if event.turn in self.answers:
            if self.layout_mode == "chat":
                self.set_layout("both")
            await self._show_sources(event.turn)

    @on(AnswerView.CopyRequested)
    def copy_chosen_answer(self, event: AnswerView.CopyRequested) -> None:
        if event.turn in self.answers:
            self.copy_text(answer_with_sources_text(self.answers[event.turn]))

    @on(AnswerView.AskAgain)
    def ask_again(self, event: AnswerView.AskAgain) -> None:
        self.question_input.focus()
        self.submit(event.question)

    @on(QuestionInput.Joined)
    def say_joined(self, event: QuestionInput.Joined) -> None:
        self.notify(f"The {event.lines} pasted lines were joined into one question.", title="Paste")

    def action_focus_answers(self) -> None:
        """Move the focus to the latest answer (up/down then walk the conversation)."""
        views = list(self.chat_log.query(AnswerView))
        if not views:
            self.notify("No answers yet: ask a question first.")
            return
        views[-1].focus()

    def set_layout(self, mode: str) -> None:
        """Show the chat and the sources, the chat alone, or the sources alone."""
        self.layout_mode = mode
        main = self.query_one("#main")
        main.set_class(mode == "chat", "-sources-hidden")
        main.set_class(mode == "sources", "-sources-max")
        if mode == "chat" and isinstance(self.focused, SourceList):
            self.question_input.focus()
        if mode != "sources" and self.chat_log.anchored is not None:
            self.chat_log.anchor(self.chat_log.anchored)  # the chat's height changed

    def action_cycle_layout(self) -> None:
        """f2: hide the sources, then maximise them, then both again."""
        mode = LAYOUTS[(LAYOUTS.index(self.layout_mode) + 1) % len(LAYOUTS)]
        self.set_layout(mode)
        self.notify(LAYOUT_NOTES[mode], title="Layout", timeout=3)

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

    def action_open_reference(self, turn: int, marker: int, offset: int) -> None:
        """Open the bibliography entries of the article's reference marker ("[73]", "[4]–[7]") that
        starts at `offset` of the sentence quoted as source `marker` of the answer of `turn`."""
        answer = self.answers.get(turn)
        citation = next((c for c in answer.citations if c.marker == marker), None) if answer else None
        if citation is None or self.retriever is None:
            return
        found = REF_MARKER.match(citation.sentence, offset)
        if found is not None:
            self._references(citation.passage.doc_id, reference_numbers(found.group()), found.group())

    def _references(self, doc_id: str, numbers: tuple[int, ...], cited: str) -> None:
        if self.retriever is None:
            return
        document = self.retriever.document(doc_id)
        show_references(self, document, numbers, cited)

    @on(SourceList.ReferencesRequested)
    def source_references(self, event: SourceList.ReferencesRequested) -> None:
        """r in the sources: the bibliography entries the source's quote (or passage) cites."""
        source = event.source
        refs = source.references or tuple(source.passage.refs)
        if not refs:
            self.notify("This source cites no entries of the bibliography.", timeout=4)
            return
        which = source_marker(source.marker) if source.marker is not None else str(
            self.sources_panel.sources.index(source) + 1 if source in self.sources_panel.sources else "")
        self._references(source.passage.doc_id, tuple(r.number for r in refs), f"Source {which}".strip())

    def action_focus_sources(self) -> None:
        """Move the focus to the list of sources (showing them if they were hidden)."""
        lst = self.query_one(SourceList)
        if not lst.children:
            self.notify("No sources yet: ask a question first.")
            return
        if self.layout_mode == "chat":
            self.set_layout("both")
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
        """Start a new chat; the previous one stays in the conversations list (ctrl+l)."""
        had = self.conversation_id is not None
        await self._clear_chat()
        self.question_input.focus()
        if had:
            self.notify("New chat. The previous one is kept in the conversations list (ctrl+l).",
                        title="Conversations", timeout=4)

    async def _clear_chat(self) -> None:
        """Empty the chat log, the sources and the session's earlier turns (nothing is deleted)."""
        self.conversation_id = None
        self._queue.clear()
        if self._answering is not None:
            self.workers.cancel_group(self, "answer")
            self._answering = None
            if self.retriever is not None:  # the running answer still holds the old session
                from qa import ChatSession

                self.session = ChatSession(self.retriever, k=self.k, mode=self.mode)
                self.session.article = self.article
        elif self.session is not None:
            self.session.reset()
        self.answers.clear()
        self.chat_log.clear_turns()
        await self.sources_panel.clear()
        if not self._loading and self.retriever is not None:
            self._show_ready()

    def action_conversations(self) -> None:
        """The saved conversations: resume, rename, delete."""
        if self.store is None:
            self.notify("Conversations are not saved in this session (the store could not be opened).",
                        severity="warning")
            return

        def done(chosen: int | None) -> None:
            if chosen is not None:
                self.run_worker(self.resume_conversation(chosen), group="resume", exclusive=True,
                                exit_on_error=False, description="resume")

        self.push_screen(ConversationsScreen(self.store, self.conversation_id), done)

    @on(ConversationsScreen.Deleted)
    async def forget_deleted(self, event: ConversationsScreen.Deleted) -> None:
        if event.conversation_id == self.conversation_id:
            await self._clear_chat()

    async def resume_conversation(self, conversation_id: int) -> None:
        """Show a saved conversation again, with its sources; follow-ups lean on its last turn."""
        if self.session is None:
            self.notify("The article is still loading: resume the conversation once it is ready.",
                        severity="warning")
            return
        from qa.chat import Turn
        from qa.tui.history import restore_answer

        chat = self.store.load(conversation_id)
        await self._clear_chat()
        self.conversation_id = chat.id
        for stored in chat.turns:
            answer = restore_answer(stored.answer, self.retriever)
            self._turn += 1
            view = self.chat_log.add_turn(self._turn, stored.question, "")
            view.answer_view.show_answer(answer, articles=self.several_articles)
            self.answers[self._turn] = answer
            self.session.turns.append(Turn.resumed(stored.question, answer))
        if self.answers:
            last = max(self.answers)
            await self._show_sources(last)
            self.chat_log.anchor(last)
        self.question_input.focus()
        self.notify(f"Resumed “{chat.title}” ({len(chat.turns)} questions).", title="Conversations",
                    timeout=4)

    def _current_answer(self) -> AnswerInfo | None:
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
        self.copy_text(answer_with_sources_text(answer))

    def copy_text(self, text: str) -> None:
        """Copy through a clipboard that will hold it (a worker: it may run xclip or tmux)."""
        self.copy_in_background(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="copy", description="copy")
    def copy_in_background(self, text: str) -> None:
        from qa.tui.clipboard import copy_text

        result = copy_text(text)
        if not get_current_worker().is_cancelled:
            self.post_message(CopyDone(text, result.copied, result.message, result.osc52))

    def on_copy_done(self, message: CopyDone) -> None:
        if message.osc52:
            self.copy_to_clipboard(message.text)  # OSC 52, and Textual's own clipboard
        else:
            self._clipboard = message.text  # what Textual's own paste would give
        self.notify(message.message, title="Copy", severity="information" if message.copied else "warning",
                    timeout=6)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # ------------------------------------------------------------------ palette commands

    def action_command_palette(self) -> None:
        """The command palette, with a footer of its own keys."""
        if self.use_command_palette and not Palette.is_open(self):
            self.push_screen(Palette(id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Library…", "The articles: ask all of them or one, read one's contents (f3)",
                            self.action_library)
        if self.several_articles and self.article is not None:
            yield SystemCommand("Ask all articles", f"Stop asking only {self._scope()}",
                                partial(self.set_article, None))
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
        yield SystemCommand("Conversations…", "Resume, rename or delete a saved conversation (ctrl+l)",
                            self.action_conversations)
        yield SystemCommand("New chat", "Start a new chat; this one stays in the conversations list",
                            self.action_new_chat)
        yield SystemCommand("Copy answer", "Copy the answer shown, with its sources", self.action_copy_answer)
        yield SystemCommand("Hide or maximise the sources panel", "f2 cycles: chat only, sources only, both",
                            self.action_cycle_layout)

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
        self._show_settings()
        self._save("the settings", lambda store: store.save_settings(mode=mode))
        self.notify(f"Retrieval mode: {MODE_LABELS[mode]}.")

    def set_k(self, k: int) -> None:
        """Set how many passages each answer draws on."""
        self.k = k
        if self.session is not None:
            self.session.k = k
        self._show_settings()
        self._save("the settings", lambda store: store.save_settings(k=k))
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
        folder = self.export_dir
        default = str(folder / f"qa-conversation-{datetime.now():%Y%m%d-%H%M%S}.md")

        def target(value: str) -> Path:
            path = Path(value).expanduser()
            return path if path.is_absolute() else folder / path  # a bare name goes in the folder

        def check(value: str) -> str | None:
            if not value:
                return "Type a file name."
            parent = target(value).parent
            if not parent.is_dir() and parent != folder:
                return f"There is no folder {parent}."
            return None

        def done(value: str | None) -> None:
            if value:
                self.export_conversation(target(value), self.conversation_markdown())

        self.push_screen(PromptScreen("Export the conversation to a Markdown file", default,
                                      hint=f"Folder: {folder} (created if missing). A bare file name goes "
                                           "there. Enter writes it, escape cancels.", check=check), done)

    def conversation_markdown(self) -> str:
        """The conversation so far as Markdown, with its sources."""
        articles = list(self.retriever.articles.values()) if self.retriever is not None else []
        title = articles[0].title if len(articles) == 1 else (self._scope() if articles else "")
        return conversation_markdown(list(self.answers.values()), title=title,
                                     mode=MODE_LABELS[self.mode], k=self.k,
                                     when=f"{datetime.now():%Y-%m-%d %H:%M}")

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", description="export")
    def export_conversation(self, path: Path, text: str) -> None:
        """Write the conversation atomically (temp file, then rename), making the export folder if
        it is missing."""
        if path.parent == self.export_dir:
            path.parent.mkdir(parents=True, exist_ok=True)
        written = write_atomic(path, text)
        if not get_current_worker().is_cancelled:
            self.post_message(ExportDone(written))

    def on_export_done(self, message: ExportDone) -> None:
        self.notify(f"Conversation written to {message.path}", title="Export")

    def action_glossary(self) -> None:
        glossary = self.retriever.glossary if self.retriever is not None else {}
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


def make_app(retriever: Library | None = None, corpus_dir: Path | str = "corpus", index_dir: Path | str = "index",
             model: str | None = None, data_dir: Path | str | None = None,
             export_dir: Path | str | None = None) -> QAApp:
    """The app factory used by `qa`, the tests and the snapshots.

    Args:
        retriever: a loaded `qa.Retriever` to use; by default one is loaded in a worker.
        corpus_dir: folder of PMC `.txt` articles.
        index_dir: index folder (built there on first run).
        model: sentence-transformers name or path; the bundled model by default.
        data_dir: folder of the conversation store; by default the user's data folder
            (`platformdirs.user_data_dir("qa")`). Tests pass a temporary folder.
        export_dir: default folder of Markdown exports; by default `qa` in the user's documents folder.
    """
    return QAApp(retriever=retriever, corpus_dir=corpus_dir, index_dir=index_dir, model=model,
                 data_dir=data_dir, export_dir=export_dir)
