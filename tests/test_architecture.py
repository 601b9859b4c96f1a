"""The package's shape: imports run one way between layers, no module imports another's private parts,
there is no import cycle, and the public API is lazy and honest.

Every ``import`` statement counts — at module level, inside functions and under ``TYPE_CHECKING`` —
because each is a dependency a maintainer has to respect.  The layers are the README's Architecture
section; a new module must be placed in one.
"""

from __future__ import annotations

import ast
import builtins
import subprocess
import sys
from pathlib import Path

import pytest

import symbackprop

ROOT = Path(symbackprop.__file__).resolve().parent
PACKAGE = "symbackprop"

# Lowest first; a module may import from its own layer and the layers below it, never from above.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "statuses", "files", "tables"),
    ("notation", "activations", "losses", "algorithms", "data"),
    ("spec",),
    ("network",),
    ("_kernel", "printing", "parse"),
    ("derive",),
    ("proof", "proof_local", "general"),
    ("emit",),
    ("model",),
    ("train", "plots"),
    ("answers",),
    ("homework",),
    ("web",),
    ("lecture",),
    ("cli", "__main__"),
]


def _module_files() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join([PACKAGE, *parts])] = path
    return modules


MODULES = _module_files()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str) -> list[tuple[str, int, tuple[str, ...]]]:
    """(imported module, line, names taken from it) for every import statement of ``name``."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, ()) for alias in node.names if alias.name.startswith(PACKAGE)]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith(PACKAGE):
                continue
            names = tuple(alias.name for alias in node.names)
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            found += [(module, node.lineno, ()) for module in submodules]
            rest = tuple(n for n in names if f"{target}.{n}" not in MODULES)
            if rest or not submodules:
                found.append((target, node.lineno, rest))
    return found


def _edges() -> dict[str, set[str]]:
    """Module → modules it makes Python import (an imported submodule's packages count too, except the
    root package, whose __init__ imports nothing at run time)."""
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for name in MODULES:
        for target, _, _ in _imports(name):
            parts = target.split(".")
            for depth in range(2, len(parts) + 1):
                module = ".".join(parts[:depth])
                if module in MODULES and not (name + ".").startswith(module + ".") and module != name:
                    edges[name].add(module)
    return edges


def _layer(name: str) -> int:
    first = name.split(".")[1] if "." in name else ""
    for index, members in enumerate(LAYERS):
        if first in members:
            return index
    raise AssertionError(f"{name} is in no layer: add it to LAYERS (and to the README's Architecture section)")


def test_every_module_is_placed_in_a_layer():
    for name in MODULES:
        if name != PACKAGE:
            _layer(name)


def test_imports_never_run_up_the_layers():
    upward = []
    for name, targets in _edges().items():
        if name == PACKAGE:
            continue
        for target in targets:
            if target != PACKAGE and _layer(target) > _layer(name):
                upward.append(f"{name} (layer {_layer(name)}) imports {target} (layer {_layer(target)})")
    assert not upward, "\n".join(sorted(upward))


def test_there_is_no_import_cycle():
    edges = {name: {t for t in targets if t != PACKAGE} for name, targets in _edges().items() if name != PACKAGE}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def _private_owner(module: str) -> str | None:
    """The package a private module belongs to (``a.b._c.d`` → ``a.b``), or None if nothing is private."""
    parts = module.split(".")
    for position, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:position])
    return None


@pytest.mark.parametrize(
    "module, owner",
    [("symbackprop._kernel.engine", "symbackprop"), ("symbackprop.derive._x", "symbackprop.derive"), ("symbackprop.derive.display", None)],
)
def test_a_private_module_belongs_to_the_package_above_it(module, owner):
    assert _private_owner(module) == owner


def test_no_module_imports_another_packages_private_module_or_private_names():
    offences = []
    for name in MODULES:
        for target, line, names in _imports(name):
            owner = _private_owner(target)
            if owner is not None and not name.startswith(owner + "."):
                offences.append(f"{name}:{line} imports the private module {target}")
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and target != name:
                offences.append(f"{name}:{line} imports private names {private} from {target}")
    assert not offences, "\n".join(offences)


def test_the_tests_use_the_public_modules_only():
    offences = []
    for path in Path(__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
                if _private_owner(node.module) is not None:
                    offences.append(f"{path.name}:{node.lineno} imports {node.module}")
    assert not offences, "\n".join(offences)


def test_the_root_package_imports_nothing_at_run_time():
    tree = ast.parse(MODULES[PACKAGE].read_text(encoding="utf-8"))
    runtime = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            runtime += [m for m in modules if m not in ("__future__", "importlib", "importlib.util", "typing")]
    assert not runtime, f"symbackprop/__init__.py imports {runtime} at run time; re-export lazily instead"


def test_all_lists_functions_and_classes_only_and_shadows_no_builtin():
    for name in symbackprop.__all__:
        value = getattr(symbackprop, name)
        assert callable(value) and not isinstance(value, type(sys)), name
        assert name not in dir(builtins), name
    assert set(symbackprop.__all__) <= set(dir(symbackprop))
    assert callable(symbackprop.compile) and "compile" not in symbackprop.__all__


def test_prove_is_the_function_and_proves():
    assert symbackprop.prove(symbackprop.MLP([3, 3, 2])).holds is True


@pytest.mark.parametrize("module", ["symbackprop", "symbackprop.train", "symbackprop.answers", "symbackprop.emit"])
def test_star_imports_work(module):
    namespace: dict = {}
    exec(f"from {module} import *", namespace)  # noqa: S102 - our own module names
    assert not {name for name in namespace if name != "__builtins__"} & set(dir(builtins))


def _imported_after(code: str) -> set[str]:
    script = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_importing_the_package_loads_nothing_else():
    loaded = _imported_after("import symbackprop")
    assert {m for m in loaded if m.startswith(PACKAGE)} == {PACKAGE}
    assert not {"sympy", "numpy", "lark", "symengine", "latexify", "tqdm"} & loaded


@pytest.mark.parametrize("argument", ["--help", "--version"])
def test_help_and_version_import_neither_sympy_nor_lark(argument):
    loaded = _imported_after(f"from symbackprop.cli import main\ntry:\n    main([{argument!r}])\nexcept SystemExit:\n    pass")
    assert not {"sympy", "lark", "numpy"} & loaded
