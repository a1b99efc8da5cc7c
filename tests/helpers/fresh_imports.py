"""What a fresh Python loads when it imports some of the project's modules: for tests that keep a part of
the project free of Django (or any other package)."""

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def modules_loaded(statement: str, *, packages: tuple[str, ...]) -> list[str]:
    """The modules of `packages` (top-level names) in `sys.modules` after `statement` runs in a new
    interpreter started in the repository, sorted."""
    code = (
        f"import sys; {statement}; print(sorted(m for m in sys.modules if m.split('.')[0] in {packages!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return ast.literal_eval(out.strip())
