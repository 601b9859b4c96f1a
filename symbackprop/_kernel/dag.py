"""Expressions are DAGs: fold one bottom-up, each shared node once, without recursion."""

from __future__ import annotations

from typing import Callable, Iterator, Mapping, MutableMapping, Sequence, TypeVar

__all__ = ["fold", "nodes"]

Value = TypeVar("Value")


def fold(
    root: object,
    combine: Callable[[object, list[Value]], Value],
    *,
    memo: MutableMapping[object, Value] | None = None,
    children: Callable[[object], Sequence[object]] = lambda node: node.args,  # type: ignore[attr-defined]
    known: Mapping[object, Value] | None = None,
) -> Value:
    """``combine(node, values of its children)`` for every node below ``root``, leaves first.

    ``known`` nodes are leaves with a given value; ``memo`` keeps every node's value (pass one to share
    work between calls).  The walk uses an explicit stack, so a deep expression cannot overflow Python's.
    """
    memo = {} if memo is None else memo
    known = known or {}
    stack = [root]
    while stack:
        node = stack[-1]
        if node in memo or node in known:
            stack.pop()
            continue
        kids = children(node)
        pending = [kid for kid in kids if kid not in memo and kid not in known]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        memo[node] = combine(node, [known[kid] if kid in known else memo[kid] for kid in kids])
    return known[root] if root in known else memo[root]


def nodes(root: object, *, inside: Callable[[object], bool] = lambda node: True) -> Iterator[object]:
    """Every node below ``root`` once, parents before children, without recursion; the children of a
    node for which ``inside`` is False are not visited."""
    seen: set = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        yield node
        if inside(node):
            stack.extend(node.args)  # type: ignore[attr-defined]
