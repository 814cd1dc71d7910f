"""The chat log: each turn is the question and, once ready, its answer with ‹n› markers.

Answers take the keyboard focus: up/down walk the conversation, enter shows an answer's sources,
c copies it and r asks its question again.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from qa.text import without_scores
from qa.tui.library import AnswerInfo
from qa.tui.render import abstention_sentence, answer_content

WELCOME = (
    "Ask a question about the articles of the corpus (f3 lists them). Every answer quotes an article "
    "and cites its sources; the sources appear in the sources panel, and a source opens in its section.\n\n"
    "For example, of the HER2 review: What is the maximum tolerated dose of everolimus with paclitaxel "
    "and trastuzumab?"
)


class AnswerView(Static, can_focus=True):
    """An answer (or, until it comes, what it is waiting for). Click it, or focus it and press enter,
    to show its sources."""

    BINDINGS = [
        Binding("enter", "choose", "Its sources", id="answer-sources"),
        Binding("up", "step(-1)", "Earlier answer", show=False, id="answer-previous"),
        Binding("down", "step(1)", "Later answer", show=False, id="answer-next"),
        Binding("c", "copy", "Copy", id="answer-copy"),
        Binding("r", "reask", "Ask again", id="answer-reask"),
        Binding("escape", "app.focus_question", "Back", id="answer-back"),
    ]

    class Chosen(Message):
        """The user chose an answer: show its sources."""

        def __init__(self, turn: int) -> None:
            super().__init__()
            self.turn = turn

    class CopyRequested(Message):
        """The user asked to copy this answer (with its sources)."""

        def __init__(self, turn: int) -> None:
            super().__init__()
            self.turn = turn

    class AskAgain(Message):
        """The user asked to ask this turn's question again (as a new turn)."""

        def __init__(self, turn: int, question: str) -> None:
            super().__init__()
            self.turn = turn
            self.question = question

    def __init__(self, turn: int, waiting: str) -> None:
        super().__init__(waiting, classes="answer -pending", markup=False)
        self.turn = turn
        self.answer: AnswerInfo | None = None

    def show_answer(self, answer: AnswerInfo, *, articles: bool = False) -> None:
        """Show the answer; with `articles` (a corpus of several) it names the articles it quotes."""
        self.answer = answer
        self.remove_class("-pending")
        self.set_class(answer.abstained, "-abstained")
        if answer.abstained:
            body = Content.assemble((abstention_sentence(answer), "bold"))
            if answer.reason:
                body += Content.assemble(" ", (without_scores(answer.reason), "italic"))
            if answer.closest_sections:
                names = list(dict.fromkeys(s.split(" > ")[-1] for s in answer.closest_sections))
                body += Content.assemble("\nClosest sections (open them from the sources): ",
                                         (" · ".join(names), "italic"))
            self.update(body)
        else:
            self.update(answer_content(answer, self.turn, articles=articles))

    def show_waiting(self, text: str) -> None:
        if self.answer is None:
            self.update(text)

    def show_error(self, text: str) -> None:
        self.remove_class("-pending")
        self.add_class("-failed")
        self.update(text)

    def on_click(self) -> None:
        if self.answer is not None:
            self.post_message(self.Chosen(self.turn))

    def action_choose(self) -> None:
        """Show this answer's sources."""
        if self.answer is not None:
            self.post_message(self.Chosen(self.turn))

    def action_step(self, delta: int) -> None:
        """Move the focus to the previous (or next) answer; past the last one, to the question box."""
        views = list(self.screen.query(AnswerView))
        i = views.index(self) + delta
        if 0 <= i < len(views):
            views[i].focus()
        elif i >= len(views):
            self.app.action_focus_question()

    def action_copy(self) -> None:
        if self.answer is not None:
            self.post_message(self.CopyRequested(self.turn))

    def action_reask(self) -> None:
        turn_view = self.parent
        question = turn_view.question if isinstance(turn_view, TurnView) else ""
        if question:
            self.post_message(self.AskAgain(self.turn, question))

    def on_focus(self) -> None:
        log = next((a for a in self.ancestors if isinstance(a, ChatLog)), None)
        if log is not None:
            log.anchor(self.turn, scroll=False)


class TurnView(Vertical):
    """One question and its answer."""

    def __init__(self, turn: int, question: str, waiting: str) -> None:
        super().__init__(classes="turn", id=f"turn-{turn}")
        self.turn = turn
        self.question = question
        self.answer_view = AnswerView(turn, waiting)

    def compose(self) -> ComposeResult:
        yield Static(Content.assemble(("You  ", "bold $accent"), self.question), classes="question")
        yield self.answer_view


class ChatLog(VerticalScroll):
    """The conversation so far, newest at the bottom.

    After an answer the log scrolls so that its question and first sentence are at the top (not the
    answer's end), and it keeps that turn in view when the terminal is resized.
    """

    can_focus = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.anchored: int | None = None  # the turn kept in view

    def anchor(self, turn: int, scroll: bool = True) -> None:
        """Keep `turn` in view: scroll its question to the top now (if `scroll`) and after resizes."""
        self.anchored = turn
        if scroll:
            self.call_after_refresh(self._scroll_to_anchor)

    def _scroll_to_anchor(self) -> None:
        view = self.turn_view(self.anchored) if self.anchored is not None else None
        if view is not None:
            self.scroll_to_widget(view, top=True, animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        if self.anchored is not None:
            self.call_after_refresh(self._scroll_to_anchor)

    def compose(self) -> ComposeResult:
        yield Static(WELCOME, id="welcome", markup=False)

    def add_turn(self, turn: int, question: str, waiting: str) -> TurnView:
        """Append a question (its answer comes later through `turn_view(turn).answer_view`)."""
        self.query("#welcome").remove()
        view = TurnView(turn, question, waiting)
        self.mount(view)
        self.call_after_refresh(self._scroll_to_new, turn)
        return view

    def _scroll_to_new(self, turn: int) -> None:
        """Show a new question at the bottom, unless its answer came first and anchored it: a fast
        answer must not be scrolled past its question to its end."""
        if self.anchored != turn:
            self.scroll_end(animate=False, immediate=True)

    def turn_view(self, turn: int) -> TurnView | None:
        found = self.query(f"#turn-{turn}")
        return found.first(TurnView) if found else None

    def clear_turns(self) -> None:
        """Forget every turn and show the welcome text again."""
        self.anchored = None
        self.query(TurnView).remove()
        if not self.query("#welcome"):
            self.mount(Static(WELCOME, id="welcome", markup=False))
        self.scroll_home(animate=False)
