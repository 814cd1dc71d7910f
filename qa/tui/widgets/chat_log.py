"""The chat log: each turn is the question and, once ready, its answer with `[n]` markers."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from qa.tui.render import answer_content

WELCOME = (
    "Ask a question about the review article. Every answer quotes the article and cites its "
    "sources; the sources appear in the sources panel, and a source opens in its section.\n\n"
    "For example: What is the maximum tolerated dose of everolimus with paclitaxel and trastuzumab?"
)


class AnswerView(Static):
    """An answer (or, until it comes, what it is waiting for). Click it to show its sources."""

    class Chosen(Message):
        """The user clicked an answer: show its sources."""

        def __init__(self, turn: int) -> None:
            super().__init__()
            self.turn = turn

    def __init__(self, turn: int, waiting: str) -> None:
        super().__init__(waiting, classes="answer -pending", markup=False)
        self.turn = turn
        self.answer = None

    def show_answer(self, answer) -> None:
        self.answer = answer
        self.remove_class("-pending")
        self.set_class(answer.abstained, "-abstained")
        if answer.abstained:
            body = Content.assemble(("The review does not answer this question.", "bold"))
            if answer.reason:
                body += Content.assemble(" ", (answer.reason, "italic"))
            if answer.closest_sections:
                names = [s.split(" > ")[-1] for s in answer.closest_sections]
                body += Content.assemble("\nClosest sections (open them from the sources): ",
                                         (" · ".join(names), "italic"))
            self.update(body)
        else:
            self.update(answer_content(answer, self.turn))

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
    """The conversation so far, newest at the bottom."""

    can_focus = False

    def compose(self) -> ComposeResult:
        yield Static(WELCOME, id="welcome", markup=False)

    def add_turn(self, turn: int, question: str, waiting: str) -> TurnView:
        """Append a question (its answer comes later through `turn_view(turn).answer_view`)."""
        self.query("#welcome").remove()
        view = TurnView(turn, question, waiting)
        self.mount(view)
        self.call_after_refresh(self.scroll_end, animate=False)
        return view

    def turn_view(self, turn: int) -> TurnView | None:
        found = self.query(f"#turn-{turn}")
        return found.first(TurnView) if found else None

    def clear_turns(self) -> None:
        """Forget every turn and show the welcome text again."""
        self.query(TurnView).remove()
        if not self.query("#welcome"):
            self.mount(Static(WELCOME, id="welcome", markup=False))
        self.scroll_home(animate=False)
