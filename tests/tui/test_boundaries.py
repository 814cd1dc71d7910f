"""The UI stays a thin layer: cheap to import, and every binding is described and named."""

from __future__ import annotations

import subprocess
import sys

from textual.binding import Binding

from qa.tui.app import QAApp
from qa.tui.screens.contents import ContentsScreen
from qa.tui.screens.conversations import ConversationsScreen
from qa.tui.screens.glossary import GlossaryScreen
from qa.tui.screens.help import HelpScreen
from qa.tui.screens.library import LibraryScreen
from qa.tui.screens.prompt import PromptScreen
from qa.tui.screens.reader import ReaderScreen
from qa.tui.screens.references import ReferencesScreen
from qa.tui.widgets.chat_log import AnswerView
from qa.tui.widgets.question_input import QuestionInput
from qa.tui.widgets.sources import SourceList


def test_importing_the_ui_does_not_load_torch():
    code = ("import sys; import qa.tui, qa.tui.app; app = qa.tui.make_app(); "
            "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'faiss') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_library_core_never_imports_textual():
    code = ("import sys, qa, qa.corpus, qa.chunking, qa.index, qa.retriever, qa.answer, qa.chat; "
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_binding_has_a_description_and_an_id():
    for owner in (QAApp, ReaderScreen, HelpScreen, GlossaryScreen, PromptScreen, QuestionInput, SourceList,
                  ConversationsScreen, AnswerView, LibraryScreen, ContentsScreen, ReferencesScreen):
        for b in owner.BINDINGS:
            assert isinstance(b, Binding), (owner, b)
            assert b.description and b.id, (owner.__name__, b.key)


def test_the_help_screen_names_every_shown_key():
    from qa.tui.screens.help import COMMANDS, KEYS

    listed = " ".join(k for k, _ in KEYS)
    shown = {"right_square_bracket": "]", "left_square_bracket": "["}
    for owner in (QAApp, ReaderScreen, SourceList, QuestionInput):
        for b in owner.BINDINGS:
            if b.show or b.id in ("conversations", "cycle-layout", "focus-answers"):
                key = b.key.split(",")[0]
                assert shown.get(key, key) in listed, (owner.__name__, b.key)
    assert any("Export" in c for c, _ in COMMANDS)
