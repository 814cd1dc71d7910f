"""The saved conversations: resume one (enter), rename it (r) or delete it (d)."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from qa.tui.screens.prompt import PromptScreen


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


class ConversationsScreen(ModalScreen[int | None]):
    """The list of saved conversations, newest first; dismissed with the id of the one to resume."""

    BINDINGS = [
        Binding("enter", "resume", "Resume", priority=True, id="chats-resume"),
        Binding("r", "rename", "Rename", id="chats-rename"),
        Binding("d,delete", "delete", "Delete", id="chats-delete"),
        Binding("escape", "close", "Close", id="chats-close"),
    ]

    class Deleted(Message):
        """A conversation was deleted from the store."""

        def __init__(self, conversation_id: int) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    def __init__(self, store, current: int | None = None) -> None:
        super().__init__()
        self.store = store
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="chats-box"):
            yield Static("Conversations", id="chats-title")
            yield OptionList(id="chats-list")
            yield Static("", id="chats-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.refill(keep=self.current)  # the cursor starts on the open chat
        self.query_one(OptionList).focus()

    def refill(self, keep: int | None = None) -> None:
        """List the conversations again (after a rename or delete), the cursor on `keep` if given."""
        chats = self.store.list()
        box = self.query_one(OptionList)
        box.clear_options()
        for c in chats:
            questions = f"{c.turns} question{'s' if c.turns != 1 else ''}"
            now = " · open now" if c.id == self.current else ""
            box.add_option(Option(Content.assemble((c.title, "bold"), "\n",
                                                   (f"{questions} · {_when(c.updated)}{now}", "$text-muted")),
                                  id=str(c.id)))
        if chats:
            ids = [c.id for c in chats]
            box.highlighted = ids.index(keep) if keep in ids else 0
        self.query_one("#chats-title", Static).update(f"Conversations ({len(chats)})")
        self.query_one("#chats-hint", Static).update(
            f"Saved in {self.store.path}" if chats else
            f"No saved conversations yet: each chat is saved as you ask (in {self.store.path}).")

    def _chosen(self) -> int | None:
        box = self.query_one(OptionList)
        if box.highlighted is None or not box.option_count:
            return None
        return int(box.get_option_at_index(box.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id))

    def action_resume(self) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self.dismiss(chosen)

    def action_rename(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        title = next(c.title for c in self.store.list() if c.id == chosen)

        def done(value: str | None) -> None:
            if value:
                self.store.rename(chosen, value)
                self.refill(keep=chosen)

        self.app.push_screen(PromptScreen("Rename the conversation", title,
                                          hint="enter renames it, escape cancels",
                                          check=lambda v: None if v.strip() else "Type a title."), done)

    def action_delete(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        title = next(c.title for c in self.store.list() if c.id == chosen)
        self.store.delete(chosen)
        self.post_message(self.Deleted(chosen))
        self.notify(f"Deleted “{title}”.", title="Conversations")
        self.refill()

    def action_close(self) -> None:
        self.dismiss(None)
