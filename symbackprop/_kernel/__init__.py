"""The internal kernel: the symbolic machinery every layer above the network shares, each job once.

- :mod:`.engine`   — the SymEngine mirror of a network: composed loss, differentiation, layer atoms;
- :mod:`.convert`  — SymPy ⇄ SymEngine conversion (strict, for proofs; lenient, for typed answers);
- :mod:`.softmax`  — the softmax → q_j rewrite;
- :mod:`.identity` — deciding an exact identity, and searching a counterexample where there is none;
- :mod:`.evaluate` — random points and numeric evaluation of expressions at them;
- :mod:`.size`     — how large an expression is, before any work is done on it.

Private to :mod:`symbackprop`: its modules are imported by the package's own modules only.
"""
