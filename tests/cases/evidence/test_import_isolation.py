"""The pack and the processors' fields are plain Python: importing them loads neither Django nor any ORM."""

from tests.helpers.fresh_imports import modules_loaded


def test_the_pack_imports_without_django():
    statement = "import cases.evidence.pack, cases.evidence.processors, cases.evidence.facts"
    assert modules_loaded(statement, packages=("django", "sqlalchemy", "weasyprint")) == []
