"""Read a policy file that may be hostile: bounded in size, depth and alias expansion.

``yaml.safe_load`` alone trusts the document's shape: a 12 KB file of nested aliases (the
"billion laughs") expands to billions of values the moment anything walks it, deep
nesting exhausts the stack, a duplicated key silently replaces the first one (a second
``points:`` would replace the whole points table), and bytes that are not UTF-8 surface
as a decoding traceback. Here each of these is a :class:`PolicyError` naming the rule:

1. the raw bytes: at most :data:`MAX_POLICY_BYTES`, strict UTF-8;
2. the event stream (PyYAML's parser is iterative): nesting at most ``MAX_DEPTH``;
3. the node graph (aliases share nodes, so it stays small): no key twice in a mapping,
   no alias cycle, and the document it stands for expands to at most ``MAX_NODES``
   values, counted over the shared graph without expanding it;
4. only then are Python objects built.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from glasscredit.exceptions import FieldError, PolicyError
from glasscredit.policy._document import MAX_DEPTH, MAX_NODES

__all__ = ["MAX_POLICY_BYTES", "parse_policy_bytes", "parse_policy_text"]

MAX_POLICY_BYTES = 512 * 1024
# libyaml's parser when PyYAML has it (5x faster); both parse without recursion, and the
# composer (recursive) only ever sees a document whose depth was checked first
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _refuse(rule: str, message: str, field: str = "(file)") -> PolicyError:
    return PolicyError("policy file refused", [FieldError(field, rule, message)])


def parse_policy_bytes(data: bytes) -> Any:
    """Decode (strict UTF-8, a byte-order mark allowed) and parse a policy file's bytes."""
    if len(data) > MAX_POLICY_BYTES:
        raise _refuse("size", f"{len(data):,} bytes; a policy file is at most {MAX_POLICY_BYTES:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _refuse(
            "encoding",
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}) is not UTF-8; "
            "save the policy as UTF-8",
        ) from None
    return parse_policy_text(text)


def _mark(node: Node) -> str:
    return f"line {node.start_mark.line + 1}"


def _check_events(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 0
                raise _refuse("depth", f"nested deeper than {MAX_DEPTH} levels (line {line})")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _check_keys(root: Node) -> None:
    """No mapping holds a key twice (each node visited once, with the path it is first met at)."""
    seen: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[str, Node] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, ScalarNode) else None
                where = f"{path}.{name}" if path and name is not None else (name or path)
                if name is not None and name in first:
                    raise _refuse(
                        "duplicate_key",
                        f"key {name!r} appears twice ({_mark(first[name])} and {_mark(key)}); "
                        "YAML would silently keep only the last one",
                        field=where or "(policy)",
                    )
                if name is not None:
                    first[name] = key
                stack.append((value, where or path))
        elif isinstance(node, SequenceNode):
            for i, child in enumerate(node.value):
                stack.append((child, f"{path}.{i}" if path else str(i)))


def _check_expansion(root: Node) -> None:
    """Count the values the document expands to, over the shared node graph (no expansion)."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(node))
            if size[key] > MAX_NODES:
                raise _refuse(
                    "alias_expansion",
                    f"the document expands to more than {MAX_NODES:,} values through its "
                    "aliases (*name); a policy that large is refused",
                )
            continue
        if key in size:
            continue
        if key in on_path:
            raise _refuse("alias_cycle", f"an alias refers to its own ancestor ({_mark(node)})")
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise _refuse(
                    "alias_cycle", f"an alias refers to its own ancestor ({_mark(child)})"
                )
            if id(child) not in size:
                stack.append((child, False))


def parse_policy_text(text: str) -> Any:
    """Parse policy YAML (or JSON) into plain Python values, refusing hostile shapes."""
    if len(text) > MAX_POLICY_BYTES:
        raise _refuse("size", f"a policy is at most {MAX_POLICY_BYTES:,} characters")
    try:
        _check_events(text)  # first: the reader refuses control characters here
        loader = _Loader(text)
        root = loader.get_single_node()
        if root is None:
            return None
        _check_keys(root)
        _check_expansion(root)
        data = loader.construct_document(root)
        loader.dispose()
        return data
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's own limit (1,000) came first
            raise _refuse("depth", f"nested deeper than {MAX_DEPTH} levels: {exc}") from None
        raise _refuse("yaml", f"not valid YAML: {exc}") from None
