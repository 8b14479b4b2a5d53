"""The storage of uploaded files keeps the same promises in a folder and in an S3-compatible
bucket (moto's server, over HTTP): whole files or none, nothing past the limit, no key that names
a path."""
import io
import os

import pytest

from portal import create_app
from portal.storage import CHUNK, BucketStorage, FolderStorage, TooLarge, open_storage


@pytest.fixture(params=["folder", "bucket"])
def kept(request, tmp_path):
    if request.param == "folder":
        return FolderStorage(tmp_path / "files")
    return open_storage(request.getfixturevalue("s3_server").bucket(prefix="portal"))


def test_a_file_larger_than_a_chunk_reads_back_whole_is_listed_sized_and_deleted(kept):
    data = os.urandom(3 * CHUNK + 5)
    key = kept.put(io.BytesIO(data), len(data))
    with kept.get(key) as back:
        assert back.read() == data
        back.seek(len(data) - 5)  # readers seek: a zip's directory is at its end
        assert back.read() == data[-5:]
    assert kept.size(key) == len(data) and list(kept.keys()) == [key]
    copied = kept.put(io.BytesIO(b"the same key elsewhere"), 100, key="given-Key_1")
    assert copied == "given-Key_1" and sorted(kept.keys()) == sorted([key, copied])
    kept.delete(key)
    kept.delete(key)  # deleting what is gone is no error
    with pytest.raises(FileNotFoundError):
        kept.get(key)
    with pytest.raises(FileNotFoundError):
        kept.size(key)
    assert list(kept.keys()) == [copied]


def test_a_stream_past_the_limit_keeps_nothing_and_no_key_may_name_a_path(kept):
    with pytest.raises(TooLarge):
        kept.put(io.BytesIO(b"x" * (CHUNK + 1)), CHUNK)
    for key in ("../../etc/passwd", "a/b", "", "x y", "名字"):
        with pytest.raises(ValueError):
            kept.get(key)
        with pytest.raises(ValueError):
            kept.put(io.BytesIO(b"x"), 10, key=key or "..")
    assert list(kept.keys()) == []


def test_a_storage_url_names_a_folder_or_a_bucket_and_a_mistyped_one_stops_the_start(tmp_path):
    assert open_storage(str(tmp_path)).root == tmp_path and open_storage("file://%s" % tmp_path).root == tmp_path
    bucket = open_storage("s3://AKID:se%2Fcret@duiqi-files/portal/?endpoint=https://oss-cn-hangzhou.aliyuncs.com"
                          "&region=cn-hangzhou&addressing=virtual")
    assert isinstance(bucket, BucketStorage) and (bucket.bucket, bucket.prefix) == ("duiqi-files", "portal/")
    assert bucket.client.meta.region_name == "cn-hangzhou"
    assert bucket.client.meta.endpoint_url == "https://oss-cn-hangzhou.aliyuncs.com"
    assert bucket.client.meta.config.s3["addressing_style"] == "virtual"
    assert "se%2Fcret" not in str(bucket) and "cret" not in str(bucket)
    assert open_storage("s3://b?endpoint=http://minio:9000").client.meta.config.s3["addressing_style"] == "path"
    for url, says in (("s3://files?endpoint=http://x&colour=red", "unknown setting colour"),
                      ("s3:///portal", "needs a bucket"), ("ftp://files/x", "not ftp://"),
                      ("s3://files?addressing=sideways", "path or virtual")):
        with pytest.raises(ValueError, match=says):
            open_storage(url)
    with pytest.raises(ValueError, match="unknown setting"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                    "STORAGE_URL": "s3://files?colour=red"})
