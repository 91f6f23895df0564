"""ruff, mypy and the layers contract are in the suite: `pytest` alone says whether the tree is clean."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_ruff_lint() -> None:
    result = run("ruff", "check", "bot", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = run("ruff", "format", "--check", "bot", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the `bot` package found under `root` (with the contract in root's pyproject.toml)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"
    return subprocess.run(
        [sys.executable, "-c", command, "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def test_the_layers_contract_holds() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_a_back_import_breaks_the_layers_contract(tmp_path: Path) -> None:
    # The contract must be able to fail: a copy of the tree with the domain importing Slack is refused.
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "bot", copy / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    ids = copy / "bot" / "domain" / "fleet" / "ids.py"
    ids.write_text(ids.read_text() + "\nfrom bot.slack.messages import kit  # noqa: E402, F401\n")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "bot.domain is not allowed to import bot.slack" in result.stdout


def test_the_layout_names_every_subpackage() -> None:
    readme = (ROOT / "docs" / "architecture.md").read_text()
    layout = readme.split("## Layout\n", 1)[1].split("\n```\n", 2)[1]
    named = {
        line.split()[0]
        for line in layout.splitlines()
        if line.startswith("  ") and line.split()[0].endswith("/")
    }
    packages = {f"{p.name}/" for p in (ROOT / "bot").iterdir() if (p / "__init__.py").exists()}
    assert packages <= named, f"not in docs/architecture.md's Layout: {sorted(packages - named)}"
    assert all(f"{p}" in layout for p in ("messages/", "listeners/")), "nested packages are named too"


MODULE_LINES = 300  # issue #18: a module that grows past this does more than one job
POSITIONAL = 5  # ... and a constructor taking more positional parameters wants keywords


def test_modules_stay_small_and_constructors_take_keywords() -> None:
    too_long, too_positional = [], []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        source = path.read_text()
        where = path.relative_to(ROOT)
        if source.count("\n") > MODULE_LINES:
            too_long.append(f"{where}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "__init__":
                positional = [a for a in node.args.posonlyargs + node.args.args if a.arg != "self"]
                if len(positional) > POSITIONAL:
                    too_positional.append(f"{where}:{node.lineno}: {len(positional)} positional")
    assert not too_long, too_long
    assert not too_positional, too_positional


FOLDER_MODULES = 12  # issue #29: a folder that holds more is a flat room again
COLLABORATORS = 7  # ... and a class that takes more does more than one job


def test_no_folder_holds_more_than_twelve_modules() -> None:
    crowded = []
    for folder in sorted({path.parent for path in (ROOT / "bot").rglob("*.py")}):
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        if len(modules) > FOLDER_MODULES:
            crowded.append(f"{folder.relative_to(ROOT)}: {len(modules)} modules")
    assert not crowded, crowded


def test_no_class_takes_more_than_seven_collaborators() -> None:
    crowded = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name == "__init__":
                args = node.args
                taken = [a for a in args.posonlyargs + args.args + args.kwonlyargs if a.arg != "self"]
                if len(taken) > COLLABORATORS:
                    crowded.append(f"{path.relative_to(ROOT)}:{node.lineno}: {len(taken)}")
    assert not crowded, crowded


def test_nothing_outside_the_store_knows_one_backend_from_another() -> None:
    # A backend's module is reached only through bot.store's registry: nothing else can import its
    # classes, so nothing else can tell them apart (isinstance, or otherwise).
    backends = ("bot.store.sqlite", "bot.store.redis")
    knowing = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path.is_relative_to(ROOT / "bot" / "store"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(backends):
                knowing.append(f"{path.relative_to(ROOT)}: {node.module}")
            if isinstance(node, ast.Import) and any(a.name.startswith(backends) for a in node.names):
                knowing.append(f"{path.relative_to(ROOT)}: import")
    assert not knowing, knowing


def _constants(tree: ast.AST) -> list[ast.Constant]:
    """The string constants of a module that are code: not docstrings, not inside annotations or type
    aliases, and not the declarations of stored values (an enum's members, a record's kind)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skipped.add(id(first.value))
        declared: list[ast.AST | None] = [getattr(node, "annotation", None), getattr(node, "returns", None)]
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Literal"
        ):
            declared.append(node)
        if isinstance(node, ast.ClassDef):
            declared += [keyword.value for keyword in node.keywords]
            if any(isinstance(base, ast.Name) and base.id == "StrEnum" for base in node.bases):
                declared += node.body
        for declaration in declared:
            if declaration is not None:
                skipped |= {id(inner) for inner in ast.walk(declaration)}
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped
    ]


def test_no_word_is_written_outside_its_spec() -> None:
    # Each word of /nebula is declared once, in bot/core/commands; what it is stored as (a verb's name,
    # an audit topic) is the domain's, and must not change if a word is renamed. (Its aliases are other
    # spellings people type, such as `status` for show, and common words elsewhere: Nebula's fields.)
    from bot.core.commands import every_word

    words = {spec.name for spec in every_word().ordered}
    declared = {ROOT / "bot" / "domain" / "verbs.py", ROOT / "bot" / "domain" / "audit.py"}
    written = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path.is_relative_to(ROOT / "bot" / "core" / "commands") or path in declared:
            continue
        for node in _constants(ast.parse(path.read_text())):
            if node.value in words:
                written.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert not written, written


def test_every_word_has_every_facet() -> None:
    from bot.core.commands import every_word, families
    from bot.domain.commands import UsageError

    words = every_word()
    assert words.bare.instant, "`/nebula` alone is answered in the ack"
    for spec in words.ordered:
        assert spec.usage.split()[0] == spec.name, spec
        assert spec.summary, f"{spec.name}: a help line, from the docstring"
        assert not spec.summary.endswith("."), f"{spec.name}: a help line reads on after a colon"
        parsed = words.parse(spec.example)
        assert not isinstance(parsed, UsageError), f"{spec.name}: its example parses"
        assert parsed[0] == spec, f"{spec.name}: its example is its own"
        assert bool(spec.menu) == spec.pickable, f"{spec.name}: a word that offers a menu says what for"
    handled = {spec.name for family in families() for spec in family.SPECS}
    assert handled == {spec.name for spec in words.ordered}
