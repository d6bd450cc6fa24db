"""Parse YAML into plain Python values with the line and column of every key and value.

PyYAML's loaders lose positions, accept duplicate keys silently, expand aliases (an alias bomb
takes minutes) and, with the C composer, overflow the C stack on deeply nested input. This
module reads the parser's *events* (libyaml when available) and builds the values itself with
an explicit stack, so that every problem is reported as a ``YamlProblem`` and never raised:

* ``yaml-encoding``: the bytes are not UTF-8;
* ``yaml-empty``: the file holds no document (empty, or only comments);
* ``yaml-syntax``: the parser's own error, at its line and column;
* ``yaml-duplicate-key``: a mapping key given twice (refused: the loader refuses it too);
* ``yaml-tag``: an explicit tag other than the standard core ones (``!!python/object``,
  ``!foo``), or a core tag whose text cannot be read as it says (``!!int abc``);
* ``yaml-alias``: an anchor or an alias (never expanded; the alias reads as null);
* ``yaml-key-type``: a mapping key that is not a string (``1:``, ``yes:``, ``[a]:``);
* ``yaml-depth``: nesting deeper than ``MAX_DEPTH`` (stops parsing at once);
* ``yaml-unquoted-date`` (warning): an unquoted date, kept as its text.

Scalars resolve as PyYAML's safe loader (YAML 1.1: int, float, bool, null, str) except that
timestamps stay the text as written (``since: 2023-07-07`` gives ``"2023-07-07"``).

Positions are 1-based ``(line, col)`` and are keyed by the *path* of a value: a tuple of
mapping keys and sequence indexes from the document root, such as
``("professions", 0, "labels", 2, "text")``. ``Document.keys[path]`` is where the key of that
value is written and ``Document.values[path]`` where the value starts (for a sequence item, the
item; for a block mapping, its first key).
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

Path = tuple[Any, ...]
Pos = tuple[int, int]

MAX_DEPTH = 64  # the taxonomy needs 6; libyaml is quadratic in flow nesting depth

_CORE = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_CORE + t for t in ("str", "int", "float", "bool", "null"))
TIMESTAMP, MERGE, VALUE = _CORE + "timestamp", _CORE + "merge", _CORE + "value"
MAP, SEQ = _CORE + "map", _CORE + "seq"
_SCALAR_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP})
_RESOLVER = Resolver()
_BOOLS = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}
_INT_RE = re.compile(
    r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
    re.X,
)
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    re.X,
)


@dataclass(frozen=True, slots=True)
class YamlProblem:
    line: int
    col: int
    rule: str
    message: str
    hint: str = ""
    severity: str = "error"


@dataclass(slots=True)
class Document:
    """One parsed file. ``value`` is None when nothing could be read (see ``problems``)."""

    value: Any = None
    keys: dict[Path, Pos] = field(default_factory=dict)
    values: dict[Path, Pos] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def pos(self, path: Path) -> Pos:
        """Where the value at ``path`` starts, or its nearest enclosing value; (1, 1) at worst."""
        while path:
            hit = self.values.get(path)
            if hit is not None:
                return hit
            path = path[:-1]
        return self.values.get((), (1, 1))

    def key_pos(self, path: Path) -> Pos:
        """Where the key of the value at ``path`` is written (the value's position for items)."""
        hit = self.keys.get(path)
        return hit if hit is not None else self.pos(path)


class _Abort(Exception):
    """Stop building: a problem that makes the rest of the file unreadable was recorded."""


def _line_col_of_byte(data: bytes, offset: int) -> Pos:
    offset = max(0, min(offset, len(data)))
    line_start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, col


_UNUSUAL_BREAKS = re.compile("[\x85\u2028\u2029]")
_EDITOR_BREAK = re.compile(r"\r\n|\r|\n")


class _Positions:
    """Line and column as an editor shows them, from a YAML mark.

    YAML also reads NEL (U+0085) and the Unicode line and paragraph separators as line breaks;
    editors do not, so in a file holding one of them the mark's own line is not the one the
    contributor sees. Only such files pay for the recount from the mark's character index.
    """

    __slots__ = ("starts",)

    def __init__(self, text: str):
        self.starts: list[int] | None = None
        if _UNUSUAL_BREAKS.search(text):
            self.starts = [0, *(m.end() for m in _EDITOR_BREAK.finditer(text))]

    def of(self, mark: Any) -> Pos:
        starts = self.starts
        if starts is None:
            return mark.line + 1, mark.column + 1
        line = bisect.bisect_right(starts, mark.index)
        return line, mark.index - starts[line - 1] + 1


def parse(data: bytes | str) -> Document:
    """Parse one YAML document. Never raises for bad input; problems are in the result."""
    doc = Document()
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            line = data.count("\n", 0, exc.start) + 1
            col = exc.start - (data.rfind("\n", 0, exc.start) + 1) + 1
            doc.problems.append(
                YamlProblem(line, col, "yaml-encoding", "text holds a lone surrogate character")
            )
            return doc
    else:
        raw = data
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col_of_byte(raw, exc.start)
        doc.problems.append(
            YamlProblem(
                line,
                col,
                "yaml-encoding",
                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                "save the file as UTF-8",
            )
        )
        return doc
    loader = None
    positions = _Positions(text)
    try:
        loader = _Loader(text)  # the pure-Python reader checks characters here
        _Builder(doc, loader, positions).run()
    except _Abort:
        doc.value = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = positions.of(mark) if mark is not None else (1, 1)
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        problem = _indentation_problem(text, line, message)
        if problem is None:
            problem = YamlProblem(line, col, "yaml-syntax", message, _syntax_hint(message))
        doc.problems.append(problem)
        doc.value = None
    except yaml.reader.ReaderError as exc:
        if _Loader is getattr(
            yaml, "CSafeLoader", None
        ):  # libyaml counts bytes, the Python reader characters
            line, col = _line_col_of_byte(raw, exc.position)
        else:
            line = text.count("\n", 0, exc.position) + 1
            col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        doc.problems.append(
            YamlProblem(
                line,
                col,
                "yaml-syntax",
                f"character #x{exc.character:04x} is not allowed in YAML ({exc.reason})",
                "remove the control character",
            )
        )
        doc.value = None
    except yaml.YAMLError as exc:  # any other parser error, without a mark
        doc.problems.append(YamlProblem(1, 1, "yaml-syntax", str(exc) or "invalid YAML"))
        doc.value = None
    except RecursionError:  # pragma: no cover - the builder does not recurse
        doc.problems.append(YamlProblem(1, 1, "yaml-depth", "nesting too deep"))
        doc.value = None
    finally:
        dispose = getattr(loader, "dispose", None) if loader is not None else None
        if dispose is not None:
            dispose()
    return doc


_INDENT_MESSAGES = (
    "mapping values are not allowed",
    "did not find expected key",
    "did not find expected '-' indicator",
    "expected <block end>",
)
_KEY_LINE = re.compile(r"^( *(?:- +)*)([^\s#'\"\[{][^:#]*?):(?: +(.*))?$")
_ITEM_LINE = re.compile(r"^( *)- ")


def _indentation_problem(text: str, line: int, message: str) -> YamlProblem | None:
    """The parser's error at ``line`` told as the indentation mistake it is, when the line
    is a key indented deeper than a finished ``key: value`` above it (the parser then
    reads it as more of that value and complains about its colon), or indented to no
    column of the mappings it could belong to. None when the indentation is not the cause.
    """
    if not any(m in message for m in _INDENT_MESSAGES):
        return None
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    bad = lines[line - 1].rstrip("\r")
    if "\t" in bad[: len(bad) - len(bad.lstrip())] or not _KEY_LINE.match(bad):
        return None
    indent = len(bad) - len(bad.lstrip(" "))
    above = [
        (n, lines[n - 1].rstrip("\r"))
        for n in range(line - 1, 0, -1)
        if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")
    ]
    if not above:
        return None
    prev_n, prev = above[0]
    m = _KEY_LINE.match(prev)
    if m is None:
        return None
    key_col, key, value = len(m.group(1)), m.group(2), (m.group(3) or "").strip()
    what = f"{_short_key(key)!r} on line {prev_n}"
    if indent > key_col:
        if not value or value[0] in "|>" or (value.startswith(("[", "{")) and not _closed(value)):
            return None  # the key opens a block: deeper lines belong to it
        plain = value[0] not in "'\"[{"
        return YamlProblem(
            line,
            indent + 1,
            "yaml-syntax",
            f"line {line} is indented {indent} spaces, deeper than {what} ({key_col} "
            "spaces)" + (", so YAML reads it as more of that value" if plain else ""),
            f"indent it {key_col} spaces, like {_short_key(key)!r}"
            + ("; if it continues the text above, quote that text" if plain else ""),
        )
    # Less deep: it must line up with a key of an enclosing mapping (or its list's dash).
    columns: dict[int, tuple[int, str]] = {}
    limit = key_col + 1
    for n, text_line in above:
        km = _KEY_LINE.match(text_line)
        if km is None:
            continue
        col = len(km.group(1))
        if col < limit:
            columns.setdefault(col, (n, km.group(2)))
            dash = _ITEM_LINE.match(text_line)
            limit = len(dash.group(1)) if dash else col
            if limit == 0:
                break
    if indent in columns or not columns:
        return None
    nearest = min(columns, key=lambda c: (abs(c - indent), -c))
    n, name = columns[nearest]
    return YamlProblem(
        line,
        indent + 1,
        "yaml-syntax",
        f"line {line} is indented {indent} spaces, which lines up with no key above it "
        f"({_short_key(name)!r} on line {n} is at {nearest})",
        f"indent it {nearest} spaces, like {_short_key(name)!r}",
    )


def _closed(flow: str) -> bool:
    return flow.count("[") + flow.count("{") <= flow.count("]") + flow.count("}")


def _short_key(key: str) -> str:
    return key if len(key) <= 40 else key[:39] + "\u2026"


def _syntax_hint(message: str) -> str:
    if "tab" in message or "cannot start any token" in message:
        return "indent with spaces, not tabs; quote text that starts with @ or `"
    if "mapping values are not allowed" in message:
        return "quote text that contains ': '"
    if "expected <block end>" in message or "did not find expected" in message:
        return "check the indentation and that brackets and quotes are closed"
    return "see the YAML syntax at the line shown"


class _Frame:
    __slots__ = ("container", "is_map", "key", "key_ok", "path", "record")

    def __init__(self, container: Any, path: Path, record: bool):
        self.container = container
        self.is_map = isinstance(container, dict)
        self.path = path
        self.record = record  # record the positions of the children
        self.key: Any = _NO_KEY
        self.key_ok = True


_NO_KEY = object()


class _Builder:
    def __init__(self, doc: Document, loader: Any, positions: _Positions):
        self.doc = doc
        self.get_event = loader.get_event
        self.problems = doc.problems
        self.position = positions.of

    def problem(self, mark: Any, rule: str, message: str, hint: str = "", severity: str = "error"):
        self.problems.append(YamlProblem(*self.position(mark), rule, message, hint, severity))

    def run(self) -> None:
        get = self.get_event
        get()  # StreamStartEvent
        event = get()
        if isinstance(event, StreamEndEvent):
            self.problems.append(
                YamlProblem(1, 1, "yaml-empty", "the file holds no YAML document", _EMPTY_HINT)
            )
            return
        event = get()  # the event after DocumentStartEvent
        if (
            isinstance(event, ScalarEvent)
            and event.tag is None
            and event.implicit[0]
            and event.value == ""
            and event.anchor is None
        ):
            self.problems.append(
                YamlProblem(1, 1, "yaml-empty", "the file holds an empty document", _EMPTY_HINT)
            )
        else:
            self.doc.value = self._node(event)
        self._after_document()

    def _after_document(self) -> None:
        event = self.get_event()  # DocumentEndEvent
        while isinstance(event, DocumentEndEvent):
            event = self.get_event()
        if isinstance(event, DocumentStartEvent):
            self.problem(
                event.start_mark,
                "yaml-syntax",
                "a second YAML document starts here; a taxonomy file holds one document",
                "remove the '---' line and merge the lists into the first document",
            )

    def _node(self, event: Any) -> Any:
        """Build the node that starts with ``event``; iterative, so depth cannot overflow."""
        values = self.doc.values
        stack: list[_Frame] = []
        root: Any = None
        while True:
            if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                stack.pop()
                if not stack:
                    return root
                event = self.get_event()
                continue
            parent = stack[-1] if stack else None
            is_key = parent is not None and parent.is_map and parent.key is _NO_KEY
            if parent is None:
                path: Path = ()
                record = True
            elif is_key:
                path = parent.path
                record = False
            elif parent.is_map:
                path = (*parent.path, parent.key)
                record = parent.record and parent.key_ok
            else:
                path = (*parent.path, len(parent.container))
                record = parent.record
            mark = event.start_mark
            pos = self.position(mark)
            frame: _Frame | None = None
            value: Any = None
            anchor = getattr(event, "anchor", None)
            if isinstance(event, AliasEvent):
                self.problem(
                    mark,
                    "yaml-alias",
                    f"alias *{anchor} is not allowed; it reads as null",
                    "write the value out in full",
                )
            else:
                if anchor is not None:
                    self.problem(
                        mark,
                        "yaml-alias",
                        f"anchor &{anchor} is not allowed",
                        "remove the anchor; the taxonomy never needs anchors or aliases",
                    )
                if isinstance(event, ScalarEvent):
                    value = self._scalar(event)
                elif isinstance(event, MappingStartEvent):
                    self._check_collection_tag(event, MAP)
                    value = {}
                    frame = _Frame(value, path, record)
                elif isinstance(event, SequenceStartEvent):
                    self._check_collection_tag(event, SEQ)
                    value = []
                    frame = _Frame(value, path, record)
                else:  # pragma: no cover - the parser emits nothing else here
                    raise yaml.YAMLError(f"unexpected {type(event).__name__}")
            if parent is None:
                root = value
                values[()] = pos
            elif is_key:
                self._take_key(parent, value, pos, frame is not None)
            elif parent.is_map:
                if parent.key_ok:
                    parent.container[parent.key] = value
                    if record:
                        values[path] = pos
                parent.key = _NO_KEY
                parent.key_ok = True
            else:
                parent.container.append(value)
                if record:
                    values[path] = pos
            if frame is not None:
                stack.append(frame)
                if len(stack) > MAX_DEPTH:
                    self.problem(
                        mark,
                        "yaml-depth",
                        f"values are nested more than {MAX_DEPTH} deep",
                        "the taxonomy never nests this deep; check the brackets",
                    )
                    raise _Abort
            elif parent is None:
                return root
            event = self.get_event()

    def _take_key(self, parent: _Frame, key: Any, pos: Pos, is_collection: bool) -> None:
        """Record a mapping key; a bad or repeated key makes its value be skipped."""
        parent.key = None  # any value but _NO_KEY: the next node is the value
        parent.key_ok = False
        if is_collection or not isinstance(key, str):
            shown = "a mapping or list" if is_collection else f"{key!r} ({type(key).__name__})"
            self.problems.append(
                YamlProblem(
                    *pos,
                    "yaml-key-type",
                    f"mapping key {shown} is not text",
                    'field names are text; quote a key meant as text, e.g. "yes":',
                )
            )
            return
        if key in parent.container:
            first = self.doc.keys.get((*parent.path, key))
            where = f" (first at line {first[0]})" if first else ""
            self.problems.append(
                YamlProblem(
                    *pos,
                    "yaml-duplicate-key",
                    f"key {key!r} is given twice in this mapping{where}; the file is refused "
                    "until one is removed",
                    "remove or merge one of them",
                )
            )
            return
        parent.key = key
        parent.key_ok = True
        if parent.record:
            self.doc.keys[(*parent.path, key)] = pos

    def _check_collection_tag(self, event: Any, expected: str) -> None:
        tag = event.tag
        if tag is None or tag == "!" or tag == expected:
            return
        self.problem(
            event.start_mark,
            "yaml-tag",
            f"tag {_show_tag(tag)} is not allowed",
            "remove the tag; taxonomy files use plain YAML only",
        )

    def _scalar(self, event: Any) -> Any:
        value = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return value  # quoted or block text
            tag = _RESOLVER.resolve(ScalarNode, value, (True, False))
            explicit = False
        else:
            explicit = True
            if tag not in _SCALAR_TAGS:
                self.problem(
                    event.start_mark,
                    "yaml-tag",
                    f"tag {_show_tag(tag)} is not allowed",
                    "remove the tag; taxonomy files use plain YAML only",
                )
                return value
        if tag == STR:
            return value
        try:
            if tag == INT:
                return _int(value)
            if tag == BOOL:
                return _BOOLS[value.lower()]
            if tag == NULL:
                return None
            if tag == FLOAT:
                return _float(value)
        except (KeyError, ValueError):
            self.problem(
                event.start_mark,
                "yaml-tag",
                f"{value!r} cannot be read as {_show_tag(tag)}",
                "remove the tag",
            )
            return value
        if tag == TIMESTAMP:
            if not explicit:
                self.problem(
                    event.start_mark,
                    "yaml-unquoted-date",
                    f"unquoted date {value}; it is read as the text {value!r}",
                    f'quote it ("{value}"): other YAML readers, LinkML\'s among them, turn it '
                    "into a date object",
                    "warning",
                )
            return value
        return value  # merge key '<<' and value key '=' stay text


_EMPTY_HINT = "a taxonomy file is a mapping of lists, e.g. 'professions:'; delete the file instead"


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _int(value: str) -> int:
    if not _INT_RE.match(value):
        raise ValueError(value)
    text = value.replace("_", "")
    sign = 1
    if text[0] in "+-":
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if text == "0":
        return 0
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if text[0] == "0":
        return sign * int(text, 8)
    if ":" in text:
        digits = [int(part) for part in text.split(":")]
        digits.reverse()
        base, out = 1, 0
        for digit in digits:
            out += digit * base
            base *= 60
        return sign * out
    return sign * int(text)


def _float(value: str) -> float:
    if not _FLOAT_RE.match(value):
        raise ValueError(value)
    text = value.replace("_", "").lower()
    sign = 1.0
    if text[0] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == ".inf":
        return sign * math.inf
    if text == ".nan":
        return math.nan
    if ":" in text:
        digits = [float(part) for part in text.split(":")]
        digits.reverse()
        base, out = 1.0, 0.0
        for digit in digits:
            out += digit * base
            base *= 60
        return sign * out
    return sign * float(text)
