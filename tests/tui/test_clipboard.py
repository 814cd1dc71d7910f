"""Copy says the truth: which clipboard got the text, or that none did (no real clipboard touched)."""

from __future__ import annotations

import subprocess

from qa.tui import make_app
from qa.tui.clipboard import copy_text

from .conftest import QUESTION, ask, wait_idle, wait_until


class FakeRun:
    """Records the commands run; `ok` names the programs that succeed."""

    def __init__(self, ok=(), tmux_setting="external"):
        self.ok = set(ok)
        self.tmux_setting = tmux_setting
        self.calls: list[list[str]] = []

    def __call__(self, command, **kwargs):
        self.calls.append(command)
        if command[:2] == ["tmux", "show-options"]:
            return subprocess.CompletedProcess(command, 0, stdout=self.tmux_setting + "\n", stderr="")
        return subprocess.CompletedProcess(command, 0 if command[0] in self.ok else 1, stdout="", stderr="")


def which_of(*present):
    return lambda name: f"/usr/bin/{name}" if name in present else None


def test_tmux_default_without_tools_copies_nothing_and_says_so():
    run = FakeRun()
    result = copy_text("x", {"TMUX": "/tmp/s,1,0", "TERM": "tmux-256color"}, which=which_of(), run=run)
    assert not result.copied and not result.osc52
    assert result.message.startswith("Nothing was copied") and "set-clipboard external" in result.message


def test_a_system_tool_is_used_when_present():
    run = FakeRun(ok={"xclip"})
    result = copy_text("x", {"TMUX": "t", "DISPLAY": ":0"}, which=which_of("xclip", "tmux"), run=run,
                       platform="linux")
    assert result.copied and "xclip" in result.message
    assert ["xclip", "-selection", "clipboard"] in run.calls


def test_inside_tmux_without_tools_the_paste_buffer_is_the_fallback():
    run = FakeRun(ok={"tmux"})
    result = copy_text("x", {"TMUX": "t"}, which=which_of("tmux"), run=run)
    assert result.copied and "tmux's paste buffer" in result.message


def test_tmux_with_set_clipboard_on_and_known_terminals_use_osc52():
    on = copy_text("x", {"TMUX": "t"}, which=which_of(), run=FakeRun(tmux_setting="on"))
    kitty = copy_text("x", {"TERM": "xterm-kitty"}, which=which_of(), run=FakeRun())
    assert on.copied and on.osc52 and kitty.copied and kitty.osc52


def test_an_unknown_terminal_is_not_claimed_to_have_copied():
    result = copy_text("x", {"TERM": "xterm-256color"}, which=which_of(), run=FakeRun())
    assert not result.copied and result.osc52 and "may not support" in result.message


async def test_ctrl_y_in_tmux_without_a_clipboard_tool_says_nothing_was_copied(retriever, data_dir,
                                                                                monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no xclip, xsel, wl-copy, pbcopy or tmux
    monkeypatch.setenv("TMUX", "/nonexistent/socket,1,0")
    app = make_app(retriever=retriever, data_dir=data_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_idle(pilot)
        await ask(pilot, QUESTION)
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: any(n.title == "Copy" for n in app._notifications), 10, "the copy")
        note = [n for n in app._notifications if n.title == "Copy"][-1]
        assert note.message.startswith("Nothing was copied") and note.severity == "warning"
