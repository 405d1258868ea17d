"""scripts/check_function_length.py: fails on a long function without a reason, passes one
with a ``# long:`` comment, and passes the repository as it is."""

import subprocess
import sys
from pathlib import Path

import pytest

# Reads source files only; the same on every database.
pytestmark = pytest.mark.db_independent

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "check_function_length.py"


def run(*args):
    return subprocess.run(  # noqa: S603
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def function(name, lines, comment=""):
    body = "".join(f"    x{index} = {index}\n" for index in range(lines - 1))
    return f"def {name}():{comment}\n{body}"


def test_a_long_function_fails(tmp_path):
    source = tmp_path / "module.py"
    source.write_text(function("short", 10) + "\n\n" + function("too_long", 12))
    result = run("--max-lines", "11", str(source))
    assert result.returncode == 1
    assert "too_long has 12 lines" in result.stdout
    assert "short" not in result.stdout


def test_a_long_function_with_a_reason_passes(tmp_path):
    source = tmp_path / "module.py"
    source.write_text(function("table", 12, "  # long: one flat table of cases"))
    result = run("--max-lines", "11", str(source))
    assert result.returncode == 0, result.stdout


def test_the_repository_passes():
    result = run()
    assert result.returncode == 0, result.stdout
