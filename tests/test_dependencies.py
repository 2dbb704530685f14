"""The shape of the package: imports point one way, modules stay small, and importing a part of it
costs only what that part needs."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
HEAVY = ("flask", "sqlalchemy", "alembic", "twilio")
MAX_LINES = 300


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(source: str, name: str, package: str, modules: set[str]) -> set[str]:
    """Every bot module that module `name` (of `package`) imports, anywhere in its source: inside
    functions and TYPE_CHECKING blocks too. `from x import y` imports x.y when that is a module, else x."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in BOT.rglob("*.py")}
    return {name: _imports(path.read_text(encoding="utf-8"), name,
                           name if path.name == "__init__.py" else name.rpartition(".")[0], set(paths))
            for name, path in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One import loop (a -> ... -> a) through each module that is on one, found depth-first."""
    found, done = [], set()

    def visit(module: str, path: list[str]) -> None:
        for target in sorted(graph[module]):
            if target in path:
                found.append(path[path.index(target):] + [target])
            elif target not in done:
                visit(target, path + [target])
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    return found


def test_the_walk_finds_imports_inside_functions_relative_ones_and_loops():
    modules = {"bot", "bot.a", "bot.models", "bot.models.texts", "bot.triage", "bot.triage.engine",
               "bot.triage.result"}
    source = ("import json\nfrom bot import a\n"
              "def f():\n    from bot.models import Outbox\n    from .result import Tier\n    from . import engine\n")
    assert _imports(source, "bot.triage.cli", "bot.triage", modules) == {
        "bot.a", "bot.models", "bot.triage.result", "bot.triage.engine"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycles_among_bot_modules():
    assert cycles(import_graph()) == []


def test_an_import_inside_a_function_says_why():
    """Imports go at the top; one inside a function (to spare other commands a real cost, such as
    loading Flask or APScheduler) carries its reason in a comment on it or just above its block."""
    silent = []
    for path in BOT.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    above = node.lineno - 2
                    while above >= 0 and lines[above].lstrip().startswith(("from ", "import ")):
                        above -= 1
                    if "#" not in lines[node.lineno - 1] and not lines[above].lstrip().startswith("#"):
                        silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == []


def test_no_bot_module_is_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in BOT.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_importing_triage_loads_no_web_framework_database_or_twilio():
    # A fresh interpreter: this test process has long since loaded all of them.
    probe = f"import sys, bot.triage; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []
