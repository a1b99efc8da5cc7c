"""The engine is plain Python: importing it loads neither Django nor any ORM."""

from __future__ import annotations

from tests.helpers.fresh_imports import modules_loaded


def test_engine_imports_without_django():
    statement = "import cases.assessment, cases.assessment.rules, cases.assessment.text"
    assert modules_loaded(statement, packages=("django", "sqlalchemy")) == []
