"""Copying that says the truth.

Textual copies with the OSC 52 escape sequence, which many terminals honour and some do not: tmux
drops it unless `set-clipboard` is `on` (its default, `external`, ignores applications), GNU screen
drops it, and nothing tells the app. So a copy goes, in order, to a system clipboard tool when one
is installed (wl-copy, xclip, xsel, pbcopy), to the terminal by OSC 52 when the terminal is known
to take it, or into tmux's paste buffer; and the message says which, or that nothing was copied.

`copy_text` blocks (it runs a program): call it from a worker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

TIMEOUT = 3.0  # seconds a clipboard tool may take

# Terminals known to honour OSC 52 (TERM_PROGRAM values, or a TERM prefix).
OSC52_PROGRAMS = ("iTerm.app", "WezTerm", "vscode", "ghostty", "rio", "Tabby")
OSC52_TERMS = ("xterm-kitty", "alacritty", "foot", "xterm-ghostty", "wezterm", "contour")


@dataclass(frozen=True)
class CopyResult:
    """What happened to a copy: `copied` is False when the text reached no clipboard."""

    copied: bool
    message: str
    osc52: bool  # whether the app should (also) send the text by OSC 52


def _tmux_set_clipboard(run: Callable[..., subprocess.CompletedProcess]) -> str:
    try:
        out = run(["tmux", "show-options", "-gv", "set-clipboard"], capture_output=True, text=True,
                  timeout=TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def osc52_support(env: Mapping[str, str], run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
                  ) -> tuple[bool | None, str]:
    """Whether the terminal takes OSC 52: True, False or None (unknown), and why."""
    if env.get("TMUX"):
        setting = _tmux_set_clipboard(run)
        if setting == "on":
            return True, "tmux passes it on (set-clipboard on)"
        return False, f"tmux drops it (set-clipboard {setting or 'external'})"
    term = env.get("TERM", "")
    if term.startswith("screen") or env.get("STY"):
        return False, "GNU screen drops it"
    if env.get("TERM_PROGRAM") in OSC52_PROGRAMS or term.startswith(OSC52_TERMS) or env.get("WT_SESSION"):
        return True, "the terminal supports it"
    return None, "the terminal may not support it"


def clipboard_tools(env: Mapping[str, str], which: Callable[[str], str | None] = shutil.which,
                    platform: str = sys.platform) -> list[tuple[str, list[str]]]:
    """The system clipboard programs present, best first, as (name, command)."""
    tools: list[tuple[str, list[str]]] = []
    if platform == "darwin" and which("pbcopy"):
        tools.append(("pbcopy", ["pbcopy"]))
    if env.get("WAYLAND_DISPLAY") and which("wl-copy"):
        tools.append(("wl-copy", ["wl-copy"]))
    if env.get("DISPLAY"):
        if which("xclip"):
            tools.append(("xclip", ["xclip", "-selection", "clipboard"]))
        if which("xsel"):
            tools.append(("xsel", ["xsel", "--clipboard", "--input"]))
    return tools


def copy_text(text: str, env: Mapping[str, str] | None = None, *,
              which: Callable[[str], str | None] = shutil.which,
              run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
              platform: str = sys.platform) -> CopyResult:
    """Put `text` on a clipboard that will hold it, and say which (see the module's docstring)."""
    env = os.environ if env is None else env
    supported, why = osc52_support(env, run)
    for name, command in clipboard_tools(env, which, platform):
        try:
            done = run(command, input=text, text=True, capture_output=True, timeout=TIMEOUT)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return CopyResult(True, f"Copied to the system clipboard ({name}).", supported is not False)
    if supported:
        return CopyResult(True, f"Copied to the terminal's clipboard (OSC 52: {why}).", True)
    if env.get("TMUX") and which("tmux"):
        try:
            done = run(["tmux", "load-buffer", "-"], input=text, text=True, capture_output=True,
                       timeout=TIMEOUT)
        except (OSError, subprocess.SubprocessError):
            done = None
        if done is not None and done.returncode == 0:
            return CopyResult(True, "Copied into tmux's paste buffer (prefix + ] pastes it); the system "
                              f"clipboard is not reachable: {why}, and no xclip, xsel, wl-copy or "
                              "pbcopy was found.", False)
    if supported is None:
        return CopyResult(False, "Sent to the terminal's clipboard (OSC 52), but this terminal may not "
                          "support it, and no xclip, xsel, wl-copy or pbcopy was found: if pasting "
                          "gives nothing, nothing was copied.", True)
    return CopyResult(False, f"Nothing was copied: {why} and no xclip, xsel, wl-copy or pbcopy was "
                      "found.", False)
