"""Expressions are DAGs: fold one bottom-up, each shared node once, without recursion; decide that two
DAGs are the same expression the same way (:class:`ExpressionMatcher`)."""

from __future__ import annotations

from typing import Callable, Hashable, Iterator, Mapping, MutableMapping, Sequence, TypeVar

import symengine as se

__all__ = ["fold", "nodes", "ExpressionMatcher"]

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


_COMMUTATIVE = (se.Add, se.Mul)
"""Containers whose ``args`` order is not part of the expression: SymEngine keeps an Add's terms in a hash
map, so two equal sums can list them in different orders (a Mul's factors are sorted, but a product is
commutative all the same)."""


class ExpressionMatcher:
    """Decides exactly whether two SymEngine expressions are the same expression, in time linear in their
    DAGs (SymEngine's ``==`` walks two separately built DAGs as trees, and a hash match proves nothing).

    Every node gets a number, bottom-up and each shared node once, from a table of its *shape*: a leaf's
    class and the leaf itself (compared by SymEngine's ``==``, exact on atoms: names, dummy indices,
    numbers' values), an inner node's class, its function name for an undefined function, and its
    children's numbers — as a sorted multiset for Add and Mul, in order otherwise.  Two nodes get the same
    number only if their shapes are equal key by key, so by induction the same number means the same
    expression up to the order of sums and products.  The table is a dict: hashes only place its keys,
    and a key is found only when it is equal, so a hash collision cannot make two expressions match.

    The left and right sides keep their own memo of numbered nodes, found again by SymEngine's ``==``,
    which is immediate for the same node (every shared node of one build).  Looking a node up among the
    other side's nodes would run that ``==`` on equal but separately built nodes, which walks them as
    trees; so should two equal sub-DAGs built separately on the *same* side, as in every memo over
    expressions (:func:`fold`).  Pass all the pairs of one proof to one matcher, each side from one build,
    so that shared sub-DAGs are numbered once."""

    def __init__(self) -> None:
        self._table: dict[Hashable, int] = {}
        self._left: dict[object, int] = {}
        self._right: dict[object, int] = {}

    def same(self, left: se.Basic, right: se.Basic) -> bool:
        """Whether ``left`` and ``right`` are the same expression (up to the order of sums and products)."""
        if hash(left) != hash(right):  # equal expressions hash alike: a fast refusal, never an acceptance
            return False
        return fold(left, self._number, memo=self._left) == fold(right, self._number, memo=self._right)

    def _number(self, node: se.Basic, children: list[int]) -> int:
        kind = type(node)
        if not children:
            shape: Hashable = (kind, node)
        elif isinstance(node, _COMMUTATIVE):
            shape = (kind, tuple(sorted(children)))
        elif kind is se.FunctionSymbol:  # an undefined function: its name, applied to its args
            shape = (kind, node.get_name(), tuple(children))
        elif isinstance(node, _BY_ARGUMENTS) and not isinstance(node, se.FunctionSymbol):
            shape = (kind, tuple(children))
        else:  # a class that may hold more than its args (e.g. a wrapped SymPy function): SymEngine's ==
            shape = (kind, node)
        return self._table.setdefault(shape, len(self._table))


_BY_ARGUMENTS = (se.Pow, se.Derivative, se.Function)
"""Inner nodes that are their class applied to their args: powers, derivatives and SymEngine's own
functions (sin, log, tanh, Max, Piecewise, …); FunctionSymbol subclasses (wrapped SymPy functions) are not."""
