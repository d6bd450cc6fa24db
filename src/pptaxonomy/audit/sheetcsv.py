"""Writing an XLSX sheet's rows, given as blocks of columns, as the CSV copy DuckDB reads.

The bytes are those of ``csv.writer`` with its defaults (``,`` between fields, ``\\r\\n``
after each row, a field quoted only when it holds ``,``, ``"``, ``\\r`` or ``\\n``), made a
column and a block at a time: a column with none of those characters is joined as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice, zip_longest
from typing import Any, TextIO

from .common import _problem

#: Sheet row numbers, and the cells by column (each column as long as the numbers).
Block = tuple[list[int], list[Sequence[str]]]


def csv_column(column: Sequence[str]) -> Sequence[str]:
    """The column's cells as CSV fields (quoted where ``csv.writer`` quotes them)."""
    joined = "".join(column)
    if "," in joined or '"' in joined or "\n" in joined or "\r" in joined:
        return [
            '"' + c.replace('"', '""') + '"'
            if "," in c or '"' in c or "\n" in c or "\r" in c
            else c
            for c in column
        ]
    return column


def write_block(
    fh: TextIO, numbers: list[int], columns: list[Sequence[str]], width: int, problems: list
) -> None:
    """Write the block's rows, ``width`` fields each; an empty row is left out, and a row
    with values beyond the header is skipped as a ``ragged-row`` problem."""
    if not numbers:
        return
    if len(columns) > width:
        extra = columns[width:]
        columns = columns[:width]
        if any(any(c) for c in extra):
            ragged = [i for i in range(len(numbers)) if any(c[i] for c in extra)]
            for i in ragged:
                n = sum(1 for c in extra if c[i])
                text = f"row has values in {n} column(s) beyond the header; row skipped"
                problems.append(_problem(numbers[i], "ragged-row", text))
            skip = set(ragged)
            keep = [i for i in range(len(numbers)) if i not in skip]
            columns = [[c[i] for i in keep] for c in columns]
            if not keep:
                return
    elif len(columns) < width:
        blank = [""] * len(numbers)
        columns = [*columns, *([blank] * (width - len(columns)))]
    lines = list(map(",".join, filter(any, zip(*map(csv_column, columns), strict=True))))
    if lines:
        fh.write("\r\n".join(lines))
        fh.write("\r\n")


def concat(blocks: Iterable[Block]) -> Block:
    """The blocks as one (narrower blocks padded with empty cells)."""
    blocks = list(blocks)
    width = max((len(c) for _, c in blocks), default=0)
    numbers: list[int] = []
    columns: list[list[str]] = [[] for _ in range(width)]
    for nums, cols in blocks:
        numbers.extend(nums)
        for j in range(width):
            columns[j].extend(cols[j] if j < len(cols) else [""] * len(nums))
    return numbers, columns


def blocks_of_rows(rows: Iterable[Sequence[Any]], first: int, cell, size: int = 4096):
    """Rows (of any values, rendered by ``cell`` unless text) as blocks, numbered from
    ``first``."""
    it = iter(rows)
    line = first
    while batch := list(islice(it, size)):
        texts = [[v if type(v) is str else cell(v) for v in row] for row in batch]
        numbers = list(range(line, line + len(texts)))
        line += len(texts)
        yield numbers, [list(c) for c in zip_longest(*texts, fillvalue="")]


def head_blocks(blocks: Iterator[Block], last: int) -> Block:
    """The first blocks, as one, up to the one holding row ``last`` (or all)."""
    taken = []
    for block in blocks:
        taken.append(block)
        if block[0] and block[0][-1] >= last:
            break
    return concat(taken)
