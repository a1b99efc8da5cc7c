"""A clone of the project, alone in an empty folder, has everything its code, tests and docs read: nothing
refers to the folders beside it (the spec folder beside the project exists only on the machines it is built
on)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".git", ".venv", "var", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".html", ".json", ".yml", ".yaml", ""}
# The name of the folder beside the project, spelled so that this file does not contain it (a search for
# that name across the project must find nothing, this file included).
BESIDE = bytes.fromhex("736861726564").decode()
OUTSIDE = (f"../{BESIDE}", f"/work/{BESIDE}", f"{BESIDE}/spec", f"{BESIDE}/seed")


def project_files():
    for path in ROOT.rglob("*"):
        if any(part in SKIPPED_DIRS for part in path.relative_to(ROOT).parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in ("Makefile", "run")):
            yield path


def test_no_file_of_the_project_reads_outside_it():
    offenders = []
    for path in project_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [f"{path.relative_to(ROOT)}: {needle}" for needle in OUTSIDE if needle in text]
    assert offenders == []


@pytest.mark.parametrize("relative", ["docs/rules.md", "tests/spec/examples"])
def test_the_rules_and_the_spec_examples_are_the_projects_own(relative):
    path = ROOT / relative
    assert path.exists()
    if path.is_dir():
        assert any(path.iterdir())
