"""Where the bytes of uploaded files live, behind five calls: put, get, delete, size, keys.

A key is made here, never from anything a person typed, so no upload can name a path. The
default keeps each file under a folder of the instance (PORTAL_STORAGE_DIR); PORTAL_STORAGE_URL
names another folder or an S3-compatible bucket, which several app servers can share.
"""
import functools
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

CHUNK = 1024 * 1024
# A file from a bucket is held in memory up to this size and on disk beyond it: readers seek in it
# (a zip's directory sits at its end) and a download streams it out at the reader's pace.
HELD_IN_MEMORY = 8 * CHUNK
BUCKET_SETTINGS = ("endpoint", "region", "addressing")


class TooLarge(Exception):
    """The stream held more than the bytes allowed; nothing was kept."""


class FolderStorage:
    def __init__(self, root):
        self.root = Path(root)

    def put(self, stream, max_bytes, key=None):
        """Store what `stream` holds, up to `max_bytes`; return its new key. Raises TooLarge,
        keeping nothing, once the stream passes the limit. `key`: a key the file already has
        elsewhere (a copy into new storage)."""
        key = key or secrets.token_urlsafe(24)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside its final place, then renamed: a reader never sees half a file.
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                _copy_at_most(stream, out, max_bytes)
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

    def keys(self):
        """Every key stored (a file still being written has none yet)."""
        return (path.name for path in self.root.glob("*/*") if path.is_file() and not path.name.startswith("."))

    def _path(self, key):
        return self.root / _checked(key)[:2] / key

    def __str__(self):
        return str(self.root)


class BucketStorage:
    """Each file an object in an S3-compatible bucket (Amazon S3, MinIO, Ceph, Aliyun OSS, Tencent
    COS), named by its key after an optional prefix."""

    def __init__(self, bucket, prefix="", endpoint=None, region=None, addressing=None, key_id=None, secret=None):
        # Imported here: a portal keeping its files in a folder never loads boto3 (a fifth of a second).
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ClientError

        self.bucket, self.prefix, self.endpoint = bucket, prefix, endpoint
        self.failed = ClientError
        # Without key_id, boto3 finds credentials as it always does: AWS_ACCESS_KEY_ID and
        # AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, or the cloud server's role.
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name=region, aws_access_key_id=key_id, aws_secret_access_key=secret,
            config=Config(s3={"addressing_style": addressing or ("path" if endpoint else "auto")},
                          retries={"mode": "standard"}, connect_timeout=5, read_timeout=60))

    def put(self, stream, max_bytes, key=None):
        key = key or secrets.token_urlsafe(24)
        name = self._name(key)
        # Held whole before it is sent: an upload refused as too large never reaches the bucket,
        # and one PUT makes the object appear whole or not at all.
        with tempfile.SpooledTemporaryFile(HELD_IN_MEMORY) as held:
            _copy_at_most(stream, held, max_bytes)
            held.seek(0)
            self.client.put_object(Bucket=self.bucket, Key=name, Body=held)
        return key

    def get(self, key):
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.failed as error:
            raise self._gone(error, key) from None
        held = tempfile.SpooledTemporaryFile(HELD_IN_MEMORY)
        with answer["Body"] as body:
            shutil.copyfileobj(body, held, CHUNK)
        held.seek(0)
        return held

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def size(self, key):
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))["ContentLength"]
        except self.failed as error:
            raise self._gone(error, key) from None

    def keys(self):
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for stored in page.get("Contents", ()):
                yield stored["Key"][len(self.prefix):]

    def _name(self, key):
        return self.prefix + _checked(key)

    def _gone(self, error, key):
        """FileNotFoundError for a key the bucket does not hold, as a folder says it; else the error."""
        missing = error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")
        return FileNotFoundError(key) if missing else error

    def __str__(self):
        return "s3://%s/%s%s" % (self.bucket, self.prefix, " at %s" % self.endpoint if self.endpoint else "")


def _checked(key):
    if not key or not all(c.isascii() and (c.isalnum() or c in "-_") for c in key):
        raise ValueError("not a storage key")
    return key


def _copy_at_most(stream, out, max_bytes):
    written = 0
    while chunk := stream.read(CHUNK):
        written += len(chunk)
        if written > max_bytes:
            raise TooLarge
        out.write(chunk)


def open_storage(url):
    """The storage `url` names: a folder (a path, or file:///path), or an S3-compatible bucket as
    s3://[key-id:secret@]bucket[/prefix][?endpoint=https://…&region=…&addressing=path|virtual]
    (the secret percent-encoded). ValueError says what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme == "s3":
        settings = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        unknown = sorted(set(settings) - set(BUCKET_SETTINGS))
        if unknown:
            raise ValueError("storage URL: unknown setting %s (known: %s)" % (unknown[0], ", ".join(BUCKET_SETTINGS)))
        if not parts.hostname:
            raise ValueError("storage URL: s3:// needs a bucket: s3://bucket/prefix?endpoint=…")
        if settings.get("addressing") not in (None, "path", "virtual"):
            raise ValueError("storage URL: addressing is path or virtual")
        prefix = parts.path.strip("/")
        return BucketStorage(parts.hostname, prefix + "/" if prefix else "", key_id=_unquoted(parts.username),
                             secret=_unquoted(parts.password), **settings)
    if parts.scheme in ("", "file"):
        return FolderStorage(parts.path if parts.scheme else url)
    raise ValueError("storage URL: a folder or s3://…, not %s://" % parts.scheme)


def _unquoted(part):
    return unquote(part) if part else None


@functools.lru_cache(maxsize=8)
def _opened(url):
    """One per URL and process: a boto3 client reads its service's description (some 50 ms) and
    keeps its connections open for the next request."""
    return open_storage(url)


def init_app(app):
    """A mistyped PORTAL_STORAGE_URL stops the start, rather than the first upload."""
    if app.config.get("STORAGE_URL"):
        _opened(app.config["STORAGE_URL"])


def storage():
    """The running app's storage: PORTAL_STORAGE_URL, else the folder PORTAL_STORAGE_DIR, else
    files/ in its instance folder (read on each use, so an app moved to another instance folder
    keeps its files there)."""
    if current_app.config.get("STORAGE_URL"):
        return _opened(current_app.config["STORAGE_URL"])
    return FolderStorage(current_app.config.get("STORAGE_DIR") or os.path.join(current_app.instance_path, "files"))
