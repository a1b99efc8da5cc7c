"""Uploaded files kept between the steps of an admin import.

The steps are preview, naming the columns and confirm; the files are kept in a
folder of the project's own, under names the server chooses.

django-import-export keeps a previewed file in the system's temporary folder by default and opens, at the
confirm step, whatever name the form sends back: a crafted confirm could import any file of that folder
and delete it. Here a kept file lives in `upload_dir()` (settings.UPLOAD_DIR, by default VAR_DIR /
"uploads"), under a random name (`new_name`: 32 hexadecimal digits from `secrets`), and a name that is
not of that form is refused before any file is touched (`UploadNameError`), so no name a client sends
reaches outside the folder or any file the server did not write there. Which session may use which name is
`cases.intake.admin.orders.SessionUploads`' business.

Kept files older than `KEEP_FOR` are removed when a new one is kept (an import previewed and never
confirmed). With several web machines, the folder must be one they share (or sessions must stick to one
machine), as for the media files.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from contextlib import suppress
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from import_export.tmp_storages import BaseStorage

KEEP_FOR = 24 * 3600  # seconds
NAME = re.compile(r"[0-9a-f]{32}")


class UploadNameError(SuspiciousOperation):
    """A name that is not one `new_name` makes: refused before any file is opened (Django answers 400)."""


def upload_dir() -> Path:
    """The folder kept uploads live in, created (readable by this user only) on first use."""
    folder = Path(getattr(settings, "UPLOAD_DIR", None) or Path(settings.VAR_DIR) / "uploads")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def new_name() -> str:
    return secrets.token_hex(16)  # 128 random bits, 32 characters


def is_upload_name(name: str | None) -> bool:
    return isinstance(name, str) and NAME.fullmatch(name) is not None


def upload_path(name: str) -> Path:
    """The file of a kept upload; refuses any name `new_name` did not make."""
    if not is_upload_name(name):
        raise UploadNameError("That is not the name of an upload kept here.")
    return upload_dir() / name


def keep(data: bytes) -> str:
    """Write `data` under a new name and return it. Older leftovers are removed first."""
    remove_stale()
    name = new_name()
    descriptor = os.open(upload_path(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return name


def read(name: str, mode: str = "rb", encoding: str | None = None):
    with open(upload_path(name), mode, encoding=None if "b" in mode else encoding) as file:
        return file.read()


def remove(name: str) -> None:
    with suppress(FileNotFoundError):
        upload_path(name).unlink()


def remove_stale(now: float | None = None) -> int:
    """Remove kept uploads older than `KEEP_FOR`; returns how many."""
    limit = (now or time.time()) - KEEP_FOR
    removed = 0
    for path in upload_dir().iterdir():
        with suppress(OSError):
            if is_upload_name(path.name) and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
    return removed


class UploadStorage(BaseStorage):
    """django-import-export's temporary storage (`tmp_storage_class`, or settings
    IMPORT_EXPORT_TMP_STORAGE_CLASS = "staletrack.uploads.UploadStorage"), kept in `upload_dir()`: `save`
    chooses the name; a storage opened with a name this module did not make refuses it at once."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.name is not None and not is_upload_name(self.name):
            raise UploadNameError("That is not the name of an upload kept here.")

    def save(self, data):
        if self.name is not None:
            raise UploadNameError("A kept upload is written once, under the name the server chose.")
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        self.name = keep(data)

    def read(self):
        return read(self.name, self.read_mode, self.encoding)

    def remove(self):
        remove(self.name)
