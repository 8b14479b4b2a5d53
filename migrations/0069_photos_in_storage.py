"""Photos of project updates move from instance/uploads/photos into the storage of uploaded files
(portal/storage.py), so every app server finds them, in a folder or a bucket."""
from pathlib import Path

from flask import current_app, has_app_context

from portal.projects.photos import stored_as
from portal.storage import storage


def _places(db):
    if not has_app_context():  # the schema's own tests: no instance folder, no storage, nothing to move
        return
    folder = Path(current_app.instance_path) / "uploads" / "photos"
    for token, extension in db.execute_sql("SELECT token, extension FROM photo").fetchall():
        for thumb in (False, True):
            yield folder / ("%s%s.%s" % (token, ".thumb" if thumb else "", extension)), stored_as(token, thumb)


def up(migrator, db):
    # Each file is removed only once it is stored: a run cut short is simply run again.
    for path, key in _places(db):
        if path.is_file():
            with path.open("rb") as data:
                storage().put(data, float("inf"), key=key)
            path.unlink()


def down(migrator, db):
    for path, key in _places(db):
        try:
            data = storage().get(key)
        except FileNotFoundError:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with data:
            path.write_bytes(data.read())
        storage().delete(key)
