"""Tracking CSVs for the import tests: a file's bytes from its text (`csv`), the file written (`write`),
and the import_tracking command run on it (`run`: its output and its errors; `run_from_shell`: its exit
code and its errors)."""

import sys
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.db import connections


def csv(text: str) -> bytes:
    return text.encode()


def write(tmp_path, text, name="tracking.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else csv(text))
    return path


def run(kind, path, *extra):
    out, err = StringIO(), StringIO()
    call_command("import_tracking", kind, str(path), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_from_shell(monkeypatch, capsys, *args) -> tuple[int, str]:
    """`manage.py import_tracking ARGS` as a shell runs it (it must exit): its exit code and its errors."""
    monkeypatch.setattr(sys, "argv", ["manage.py", "import_tracking", *args])
    # run_from_argv closes every connection when it ends; the test's own transaction must survive it.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(sys.argv)
    return exited.value.code, capsys.readouterr().err
