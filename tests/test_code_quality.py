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
    ids = copy / "bot" / "domain" / "ids.py"
    ids.write_text(ids.read_text() + "\nfrom bot.slack.messages import kit  # noqa: E402, F401\n")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "bot.domain is not allowed to import bot.slack" in result.stdout


def test_the_readme_layout_names_every_subpackage() -> None:
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("### Layout\n", 1)[1].split("\n```\n", 2)[1]
    named = {
        line.split()[0]
        for line in layout.splitlines()
        if line.startswith("  ") and line.split()[0].endswith("/")
    }
    packages = {f"{p.name}/" for p in (ROOT / "bot").iterdir() if (p / "__init__.py").exists()}
    assert packages <= named, f"not in the README's Layout: {sorted(packages - named)}"
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
