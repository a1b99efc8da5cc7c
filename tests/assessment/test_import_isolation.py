"""The engine is plain Python: importing it loads neither Django nor any ORM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_engine_imports_without_django():
    code = (
        "import sys; import cases.assessment, cases.assessment.rules, cases.assessment.text; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'sqlalchemy')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
