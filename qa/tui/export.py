"""Writing the conversation to a Markdown file, atomically (a temp file beside it, then a rename).

Exports go by default to `qa` in the user's documents folder (`platformdirs.user_documents_dir()`,
`~/Documents/qa` on most systems); `make_app(export_dir=...)` puts them elsewhere. Files are written
with mode 0644 (as masked by the umask), like any file a program creates, not the 0600 of a
temporary file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

FILE_MODE = 0o644


def default_export_dir() -> Path:
    """Where exports go unless told otherwise: the `qa` folder in the user's documents folder."""
    import platformdirs

    return Path(platformdirs.user_documents_dir()) / "qa"


def _mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return FILE_MODE & ~umask


def write_atomic(path: Path | str, text: str) -> Path:
    """Write `text` to `path` so that readers see the old file or the whole new one, never a part.

    Raises:
        OSError: the folder does not exist or cannot be written.
    """
    target = Path(path).expanduser()
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder; give a file name")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _mode())  # mkstemp makes 0600
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target.resolve()
