"""The rows the reader draws of a table in PMC's plain text, each cell in its own column.

PMC's plain text writes a table a line per row of the article's table, its cells separated by tabs.
A cell that spans several rows is written once, on the first of them, so a line may hold fewer cells
than the header, and its cells do not begin in the first column:

- one cell after a row of the table's body is the next line of a cell of that row: the review's
  "Open-label, phase I/II" and, on the line below, "Trastuzumab + BMS-754807" are one cell, "Design
  and study treatment", while the agent and its trial identifier span both lines. It joins the row
  above, in the column with the most text (the cell of running text, not the names and identifiers
  beside it), on a line of its own;
- one cell otherwise is a group's name ("IGF1R inhibitors"), drawn alone on its row;
- fewer cells than the header, on a line that is not indented, are a further row under the first
  cells of the row above (a second trial of the same agent): they are the row's last cells.

These are the rules by which `qa.corpus` reads a table's rows (`_TableBuilder.add`), so the reader
shows the rows that are indexed; it only places them. Nothing here touches what is indexed.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

WIDE = 5  # in a table of this many columns or more, a line of one cell is always a group's name
_INDENT = (" ", "\u00a0")  # a line that begins so is a new row, not one under the row above


def running_text_column(rows: Sequence[Sequence[Content]], width: int) -> int:
    """The column whose cells hold the most text, over the rows that fill every column (the last
    column when no row does)."""
    full = [r for r in rows if len(r) == width]
    if not full or width < 1:
        return max(0, width - 1)
    return max(range(width), key=lambda i: (sum(len(r[i].plain.strip()) for r in full), -i))


def table_rows(lines: Sequence[Sequence[Content]]) -> list[list[Content]]:
    """A table's lines (each its cells; the first line the header) as the rows to draw: a cell's
    continued line joined to its cell, a further row's cells moved to the columns they belong to.
    A row of one cell is a group's name."""
    if not lines:
        return []
    header, body = list(lines[0]), [list(cells) for cells in lines[1:] if cells]
    width = len(header)
    column = running_text_column(body, width)
    rows: list[list[Content]] = [header]
    last: list[Content] | None = None
    last_continued = False
    for cells in body:
        if len(cells) == 1:
            if last is not None and not last_continued and width < WIDE and column < len(last):
                above = last[column]
                last[column] = Content("\n").join([above, cells[0]]) if above.plain.strip() else cells[0]
                last_continued = True
            else:
                rows.append(cells)
            continue
        if len(cells) < width and last is not None and not cells[0].plain.startswith(_INDENT):
            cells = [Content("")] * (width - len(cells)) + cells
        rows.append(cells)
        last, last_continued = cells, len(cells) > width
    return rows
