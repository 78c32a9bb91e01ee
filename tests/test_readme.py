"""The README's Python examples run as printed, and its commands name real options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_python_block_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(python_blocks()[index], f"README.md block {index}", "exec"), {})


def test_readme_has_the_setup_and_test_commands():
    text = README.read_text()
    assert 'pip install -e ".[test]" && python -m pytest -q' in text
    assert "pip install . && scratchnn train" in text
    ci = (README.parent / ".ci" / "run").read_text()
    assert 'python -m pip install -e ".[test]" && python -m pytest -q' in ci
