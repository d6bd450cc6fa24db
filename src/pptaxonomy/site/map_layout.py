"""The career map's geometry, computed in Python so that the drawing is deterministic.

Professions are rows (grouped as on the home page) and the generic levels are columns. A route
from one profession into another never passes through a box or along another profession's
row: it leaves its source box vertically into the gutter beside that row, runs along the
gutter to a corridor at the right of the map, runs up or down the corridor, and comes back
along the gutter beside the target row into the target box. Between adjacent rows it takes
the shared gutter directly. Every gutter and the corridor are sized to hold one track per
route that uses them, so no two routes share a track.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

LEFT = 12
NAME_W = 172
ENTRY_W = 204
GAP = 12
NODE_W = 80
NODE_H = 44
HEAD_H = 58
GROUP_H = 26
TRACK = 6  # distance between two parallel route tracks
MIN_GUTTER = 12
COL_GAP = 14


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle: a node of the map."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(slots=True)
class Route:
    """A route between professions, placed on the map."""

    index: int  # position in the map's route list (also the SVG id suffix)
    source: str
    target: str
    source_level: str
    target_level: str
    row_from: int
    row_to: int
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass(slots=True)
class Row:
    profession: str
    group: str
    group_starts: bool
    name_box: Box | None = None
    entry_box: Box | None = None
    level_boxes: dict[str, Box] = field(default_factory=dict)


@dataclass(slots=True)
class Layout:
    width: float
    height: float
    columns: list[tuple[str, float]]  # (level id, x of its boxes)
    name_x: float
    entry_x: float
    corridor: tuple[float, float]  # x range of the right-hand corridor
    rows: list[Row]
    routes: list[Route]
    group_heads: list[tuple[str, float]]  # (group id, baseline y)

    def boxes(self) -> list[tuple[str, Box]]:
        """Every node box with a key naming it (``profession``, ``profession/entry`` or
        ``profession/level``)."""
        out: list[tuple[str, Box]] = []
        for row in self.rows:
            if row.name_box:
                out.append((row.profession, row.name_box))
            if row.entry_box:
                out.append((f"{row.profession}/entry", row.entry_box))
            out.extend((f"{row.profession}/{lv}", b) for lv, b in row.level_boxes.items())
        return out


def source_level(levels: tuple[str, ...]) -> str:
    """The stage a route into another profession usually starts from: the qualified level,
    or the highest level a profession without one holds (an assistant post)."""
    return "qualified" if "qualified" in levels else levels[-1]


def target_level(levels: tuple[str, ...]) -> str:
    """The stage a route arrives at: the trainee post if there is one, else the first level."""
    return "trainee" if "trainee" in levels else levels[0]


def _tracks(intervals: list[tuple[float, float, int]]) -> dict[int, int]:
    """Greedy interval colouring: a track number per interval key, so that intervals sharing
    a track never overlap (touching counts as overlapping)."""
    ends: list[float] = []
    out: dict[int, int] = {}
    for lo, hi, key in sorted(intervals):
        for t, end in enumerate(ends):
            if end < lo:
                ends[t] = hi
                out[key] = t
                break
        else:
            out[key] = len(ends)
            ends.append(hi)
    return out


def compute(
    rows: list[tuple[str, str, bool, tuple[str, ...]]],
    level_ids: list[str],
    routes: list[tuple[str, str]],
) -> Layout:
    """Place the map.

    ``rows`` is one (profession, group, has entry route, levels held) per row in display
    order; ``level_ids`` the generic levels in ladder order; ``routes`` (source, target)
    pairs between professions that both have rows and levels.
    """
    row_of = {pid: i for i, (pid, *_rest) in enumerate(rows)}
    levels_of = {pid: lv for pid, _g, _e, lv in rows}
    placed: list[Route] = []
    for i, (src, tgt) in enumerate(routes):
        placed.append(
            Route(
                index=i,
                source=src,
                target=tgt,
                source_level=source_level(levels_of[src]),
                target_level=target_level(levels_of[tgt]),
                row_from=row_of[src],
                row_to=row_of[tgt],
            )
        )

    # Gutter g lies above row g (gutter len(rows) is below the last row). A route going down
    # leaves through the gutter below its source and arrives through the gutter above its
    # target; going up, the other way round.
    def gutters(r: Route) -> tuple[int, int]:
        if r.row_to > r.row_from:
            return r.row_from + 1, r.row_to
        return r.row_from, r.row_to + 1

    direct = {r.index for r in placed if gutters(r)[0] == gutters(r)[1]}
    # Corridor tracks, by the span of gutters each route crosses.
    corridor_tracks = _tracks(
        [(min(gutters(r)), max(gutters(r)), r.index) for r in placed if r.index not in direct]
    )
    n_corridor = max(corridor_tracks.values(), default=-1) + 1

    # Columns.
    name_x = LEFT
    entry_x = name_x + NAME_W + GAP
    x = entry_x + ENTRY_W
    columns: list[tuple[str, float]] = []
    for lv in level_ids:
        x += COL_GAP
        columns.append((lv, x))
        x += NODE_W
    col_x = dict(columns)
    corridor = (x + COL_GAP, x + COL_GAP + (n_corridor + 1) * TRACK)
    width = corridor[1] + LEFT

    def corridor_x(r: Route) -> float:
        return corridor[0] + (corridor_tracks[r.index] + 1) * TRACK

    # Ports: where each route meets the edge of its boxes. Ports on one side of a box are
    # spread along it, ordered so that the routes leaving them do not cross each other.
    def end_side(r: Route, end: str) -> str:
        down = r.row_to > r.row_from
        if end == "source":
            return "bottom" if down else "top"
        return "top" if down else "bottom"

    sides: dict[tuple[int, str, str], list[tuple[float, int, str]]] = {}
    for r in placed:
        for end, row, lv in (
            ("source", r.row_from, r.source_level),
            ("target", r.row_to, r.target_level),
        ):
            other_lv = r.target_level if end == "source" else r.source_level
            toward = col_x[other_lv] if r.index in direct else corridor_x(r)
            sides.setdefault((row, lv, end_side(r, end)), []).append((toward, r.index, end))
    port_x: dict[tuple[int, str], float] = {}
    for (_row, lv, _side), ends in sides.items():
        ends.sort()
        for k, (_toward, idx, end) in enumerate(ends):
            port_x[(idx, end)] = col_x[lv] + 8 + (NODE_W - 16) * (k + 1) / (len(ends) + 1)

    # Gutter tracks. Ports on the upper side of a gutter (the bottoms of the row above) take
    # the upper tracks, the rightmost port nearest the row; ports on the lower side take the
    # lower tracks, the rightmost port nearest its row; direct routes sit between the two.
    by_gutter: dict[int, dict[str, list[tuple[float, int]]]] = {}
    for r in placed:
        gs, gt = gutters(r)
        for end, g in (("source", gs), ("target", gt)):
            if r.index in direct and end == "target":
                continue
            row = r.row_from if end == "source" else r.row_to
            part = "direct" if r.index in direct else ("upper" if row < g else "lower")
            by_gutter.setdefault(g, {}).setdefault(part, []).append(
                (port_x[(r.index, end)], r.index * 2 + (end == "target"))
            )
    gutter_track: dict[tuple[int, int], int] = {}  # (gutter, route*2+end) -> track from top
    gutter_size: dict[int, int] = {}
    for g, parts in by_gutter.items():
        upper = sorted(parts.get("upper", []), key=lambda e: (-e[0], e[1]))
        lower = sorted(parts.get("lower", []), key=lambda e: (e[0], e[1]))
        directs = sorted(parts.get("direct", []), key=lambda e: (e[0], e[1]))
        order = upper + directs + lower
        for t, (_x, key) in enumerate(order):
            gutter_track[(g, key)] = t
        gutter_size[g] = len(order)

    def gutter_height(g: int) -> float:
        return max(MIN_GUTTER, (gutter_size.get(g, 0) + 1) * TRACK)

    # Rows, top to bottom.
    y = HEAD_H
    placed_rows: list[Row] = []
    gutter_top: dict[int, float] = {}
    group_heads: list[tuple[str, float]] = []
    for i, (pid, group, has_entry, levels) in enumerate(rows):
        gutter_top[i] = y
        y += gutter_height(i)
        starts = i == 0 or rows[i - 1][1] != group
        if starts:
            group_heads.append((group, y + GROUP_H - 8))
            y += GROUP_H
        row = Row(profession=pid, group=group, group_starts=starts)
        row.name_box = Box(name_x, y, NAME_W, NODE_H)
        if has_entry:
            row.entry_box = Box(entry_x, y, ENTRY_W, NODE_H)
        for lv in levels:
            if lv in col_x:
                row.level_boxes[lv] = Box(col_x[lv], y, NODE_W, NODE_H)
        placed_rows.append(row)
        y += NODE_H
    gutter_top[len(rows)] = y
    y += gutter_height(len(rows))
    height = y + 8

    def track_y(g: int, key: int) -> float:
        return gutter_top[g] + (gutter_track[(g, key)] + 1) * TRACK

    for r in placed:
        gs, gt = gutters(r)
        src = placed_rows[r.row_from].level_boxes[r.source_level]
        tgt = placed_rows[r.row_to].level_boxes[r.target_level]
        down = r.row_to > r.row_from
        sx, tx = port_x[(r.index, "source")], port_x[(r.index, "target")]
        sy = src.y + src.h if down else src.y
        ty = tgt.y if down else tgt.y + tgt.h
        y_out = track_y(gs, r.index * 2)
        if r.index in direct:
            r.points = [(sx, sy), (sx, y_out), (tx, y_out), (tx, ty)]
        else:
            cx = corridor_x(r)
            y_in = track_y(gt, r.index * 2 + 1)
            r.points = [(sx, sy), (sx, y_out), (cx, y_out), (cx, y_in), (tx, y_in), (tx, ty)]

    return Layout(
        width=width,
        height=height,
        columns=columns,
        name_x=name_x,
        entry_x=entry_x,
        corridor=corridor,
        rows=placed_rows,
        routes=placed,
        group_heads=group_heads,
    )


def crossings(points: list[tuple[float, float]], boxes: list[Box]) -> list[Box]:
    """The boxes whose inside a polyline of horizontal and vertical segments passes through
    (running along or ending on an edge does not count)."""
    hit: list[Box] = []
    for b in boxes:
        for (x1, y1), (x2, y2) in pairwise(points):
            if x1 == x2:
                lo, hi = sorted((y1, y2))
                inside = b.x < x1 < b.x + b.w and min(hi, b.y + b.h) - max(lo, b.y) > 0
            elif y1 == y2:
                lo, hi = sorted((x1, x2))
                inside = b.y < y1 < b.y + b.h and min(hi, b.x + b.w) - max(lo, b.x) > 0
            else:
                raise ValueError(f"segment {(x1, y1)}-{(x2, y2)} is not horizontal or vertical")
            if inside:
                hit.append(b)
                break
    return hit
