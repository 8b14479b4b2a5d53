"""Photo uploads at the service level: real images only, re-encoded small, EXIF and GPS gone."""
import importlib
import io
from pathlib import Path

import pytest
from PIL import Image

from portal.db import Invalid, db
from portal.projects import photos
from portal.projects.feed import Photo, ProjectUpdate
from portal.storage import storage
from tests.projects.conftest import crafted_png, image_bytes, upload


def test_a_phone_photo_loses_exif_and_gps_and_is_turned_upright():
    original = Image.new("RGB", (60, 40), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held upright: rotate 90° to show
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 14.0, 2.5)
    out = io.BytesIO()
    original.save(out, "JPEG", exif=exif)
    assert b"PhoneMaker" in out.getvalue()

    picture = photos.prepare(upload(out.getvalue()))
    assert (picture.width, picture.height, picture.content_type) == (40, 60, "image/jpeg")
    for data in (picture.full, picture.thumb):
        stored = Image.open(io.BytesIO(data))
        assert stored.format == "JPEG" and len(stored.getexif()) == 0
        assert b"PhoneMaker" not in data and b"Exif" not in data


def test_a_large_photo_is_scaled_to_2048_pixels_with_a_small_thumbnail():
    picture = photos.prepare(upload(image_bytes("JPEG", size=(4000, 1000))))
    assert (picture.width, picture.height) == (2048, 512)
    assert (picture.thumb_width, picture.thumb_height) == (640, 160)
    assert Image.open(io.BytesIO(picture.full)).size == (2048, 512)


def test_a_transparent_png_becomes_webp_and_an_opaque_one_jpeg():
    assert photos.prepare(upload(image_bytes("PNG", alpha=True), "logo.png")).content_type == "image/webp"
    assert photos.prepare(upload(image_bytes("PNG"), "screen.png")).content_type == "image/jpeg"
    assert photos.prepare(upload(image_bytes("GIF"), "anim.gif")).content_type == "image/jpeg"
    assert photos.prepare(upload(image_bytes("WEBP"), "x.webp")).extension == "jpg"


def test_trailing_html_in_a_polyglot_does_not_survive_re_encoding():
    picture = photos.prepare(upload(image_bytes() + b"<html><script>alert(1)</script></html>"))
    assert b"<script>" not in picture.full


BAD = {
    "a pdf named .jpg": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "not an image we can read"),
    "an svg with a script": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                             "not an image we can read"),
    "an eps file": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", "not an image we can read"),
    "a truncated jpeg": (image_bytes(size=(400, 300))[:600], "not an image we can read"),
    "text": (b"hello", "not an image we can read"),
    "an empty file": (b"", "not an image we can read"),
    "a 20 MB file": (b"\xff\xd8\xff" + b"\x00" * (20 * 1024 * 1024), "larger than 10 MB"),
    "64 megapixels": (crafted_png(8000, 8000), "too many pixels"),
    "a decompression bomb": (crafted_png(30000, 30000), "too many pixels"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_anything_but_a_real_image_is_refused_with_a_message_naming_the_file(case):
    data, reason = BAD[case]
    with pytest.raises(Invalid) as refused:
        photos.prepare(upload(data, "evidence.jpg"))
    assert refused.value.field == "photos"
    assert "“evidence.jpg”" in str(refused.value.message) and reason in str(refused.value.message)


def test_a_posted_photo_is_kept_in_the_storage_of_uploaded_files_under_a_random_key(app, company, make_project):
    project = make_project()
    picture = photos.prepare(upload(image_bytes(), "../../etc/passwd.jpg"))
    update = ProjectUpdate.post(company.rnd_member, project, "", [picture])
    photo = Photo.get(Photo.project_update == update)
    with storage().get(photo.key()) as full, storage().get(photo.key(thumb=True)) as thumb:
        assert (full.read(), thumb.read()) == (picture.full, picture.thumb)
    assert "passwd" not in photo.key() and len(photo.token) >= 24
    assert photo.download_name == "photo-%d.jpg" % photo.id


def test_a_refused_update_leaves_no_files_behind(company, make_project):
    project = make_project()
    pictures = [photos.prepare(upload(image_bytes())) for _ in range(7)]
    with pytest.raises(Invalid):
        ProjectUpdate.post(company.rnd_member, project, "Too many", pictures)
    project.archive(company.coordinator)
    with pytest.raises(Invalid):
        ProjectUpdate.post(company.rnd_member, project, "Archived", pictures[:1])
    assert list(storage().keys()) == []
    assert Photo.select().count() == 0


def test_six_large_pngs_are_refused_from_their_headers_before_any_is_decoded():
    # 6,300 × 6,300 is 40 MP: each such PNG took seconds and a hundred megabytes to decode.
    uploads = [upload(crafted_png(6300, 6300), "plan-%d.png" % n) for n in range(6)]
    with pytest.raises(Invalid) as refused:
        photos.prepare_all(uploads)
    assert "“plan-0.png” has too many pixels" in str(refused.value.message)


def test_photos_that_together_hold_too_many_pixels_are_refused_before_any_is_decoded():
    # Each within the limit of one image; their header-only pixel data would fail to decode.
    uploads = [upload(crafted_png(4000, 3000), "screen-%d.png" % n) for n in range(5)]
    with pytest.raises(Invalid) as refused:
        photos.prepare_all(uploads)
    assert "Together these photos have too many pixels" in str(refused.value.message)
    assert photos.REQUEST_PIXELS < 5 * 4000 * 3000 <= 2 * photos.MAX_PIXELS + 12_000_000


def test_a_large_phone_photo_counts_at_the_scale_it_is_decoded_at():
    # 8,000 × 6,000 (48 MP) is decoded at half scale: 12 MP, within the limit of one image.
    picture = photos.prepare(upload(image_bytes("JPEG", size=(8000, 6000))))
    assert (picture.width, picture.height) == (2048, 1536)


def test_photos_kept_under_the_instance_folder_move_into_storage_and_back(app, company, make_project):
    moving = importlib.import_module("migrations.0069_photos_in_storage")
    project = make_project()
    picture = photos.prepare(upload(image_bytes()))
    photo = Photo.get(Photo.project_update == ProjectUpdate.post(company.rnd_member, project, "", [picture]))
    folder = Path(app.instance_path) / "uploads" / "photos"
    moving.down(None, db.obj)
    assert list(storage().keys()) == []
    assert (folder / ("%s.jpg" % photo.token)).read_bytes() == picture.full
    assert (folder / ("%s.thumb.jpg" % photo.token)).read_bytes() == picture.thumb
    moving.up(None, db.obj)
    assert list(folder.iterdir()) == []
    with storage().get(photo.key()) as full, storage().get(photo.key(thumb=True)) as thumb:
        assert (full.read(), thumb.read()) == (picture.full, picture.thumb)
