#!/usr/bin/env python3
"""No function over MAX_LINES lines outside migrations and tests, unless a comment says why.

A long function passes when the line of its ``def`` (or the line just above its first
decorator or ``def``) carries a comment ``# long: <reason>``. Run from the repository root;
exits 1 and lists the functions that break the rule. ``--max-lines`` and paths for the tests.
"""

import argparse
import ast
import sys
from pathlib import Path

MAX_LINES = 60
MARKER = "# long:"
SKIPPED_PARTS = {".venv", "var", "tests", "migrations", "node_modules", "__pycache__"}


def python_files(paths):
    for root in paths:
        root = Path(root)
        candidates = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in candidates:
            if not SKIPPED_PARTS.intersection(path.parts):
                yield path


def has_reason(lines, node):
    first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
    nearby = [lines[node.lineno - 1]]
    if first >= 2:
        nearby.append(lines[first - 2])
    return any(MARKER in line for line in nearby)


def long_functions(path, max_lines):
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > max_lines and not has_reason(lines, node):
                yield node.lineno, node.name, length


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["."])
    parser.add_argument("--max-lines", type=int, default=MAX_LINES)
    args = parser.parse_args(argv)
    found = [
        f"{path}:{line}: {name} has {length} lines (over {args.max_lines}; "
        f"split it or say why with '{MARKER} ...')"
        for path in python_files(args.paths)
        for line, name, length in long_functions(path, args.max_lines)
    ]
    for message in found:
        print(message)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
