"""Where the bytes of uploaded files live, behind four calls: put, get, delete, size.

A key is made here, never from anything a person typed, so no upload can name a path. The
default keeps each file under a folder of the instance (PORTAL_STORAGE_DIR); another backend
(an S3-compatible bucket) offers the same four calls and is chosen in `init_app`.
"""
import os
import secrets
import tempfile
from pathlib import Path

from flask import current_app

CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The stream held more than the bytes allowed; nothing was kept."""


class FolderStorage:
    def __init__(self, root):
        self.root = Path(root)

    def put(self, stream, max_bytes):
        """Store what `stream` holds, up to `max_bytes`; return its new key. Raises TooLarge,
        keeping nothing, once the stream passes the limit."""
        key = secrets.token_urlsafe(24)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        # Written beside its final place, then renamed: a reader never sees half a file.
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    written += len(chunk)
                    if written > max_bytes:
                        raise TooLarge
                    out.write(chunk)
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return key

    def get(self, key):
        """The stored bytes as a binary file, to read and close; FileNotFoundError when gone."""
        return open(self._path(key), "rb")

    def delete(self, key):
        self._path(key).unlink(missing_ok=True)

    def size(self, key):
        return self._path(key).stat().st_size

    def _path(self, key):
        if not key or not all(c.isalnum() or c in "-_" for c in key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key


def storage():
    """The running app's storage: PORTAL_STORAGE_DIR, else files/ in its instance folder (read on
    each use, so an app moved to another instance folder keeps its files there)."""
    return FolderStorage(current_app.config.get("STORAGE_DIR") or os.path.join(current_app.instance_path, "files"))
