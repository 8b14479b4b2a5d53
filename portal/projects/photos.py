"""Photos for updates: only what Pillow decodes as an image, re-encoded small and without EXIF."""
import io
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from portal.db import Invalid

MAX_BYTES = 10 * 1024 * 1024
# Decoded pixels held in memory at once; JPEGs are decoded at a reduced scale before this applies.
MAX_PIXELS = 40_000_000
LONG_EDGE = 2048
THUMB_EDGE = 640
# Formats phone browsers send; restricting them also keeps Pillow away from EPS, PSD and the like.
READABLE = ["JPEG", "PNG", "WEBP", "GIF"]
ENCODINGS = {"JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class Picture:
    """An uploaded image, decoded and re-encoded, not yet stored."""

    full: bytes
    thumb: bytes
    format: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int

    @property
    def content_type(self):
        return ENCODINGS[self.format][0]

    @property
    def extension(self):
        return ENCODINGS[self.format][1]

    def write(self, token):
        """Store both sizes under the instance folder; return the paths written."""
        folder = upload_folder()
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / ("%s.%s" % (token, self.extension)), folder / ("%s.thumb.%s" % (token, self.extension))]
        for path, data in zip(paths, (self.full, self.thumb), strict=True):
            path.write_bytes(data)
        return paths


def upload_folder():
    return Path(current_app.instance_path) / "uploads" / "photos"


def prepare(upload):
    """The upload (a werkzeug FileStorage) as a Picture, or Invalid naming the file and why."""
    name = (upload.filename or "").rsplit("/", 1)[-1][:80] or _l("the photo")
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(_l("“%(name)s” is larger than 10 MB. Send a smaller photo.", name=name), "photos")
    try:
        return _reencode(_decode(data))
    except (_TooLarge, Image.DecompressionBombError):
        raise Invalid(_l("“%(name)s” has too many pixels to process. Send a smaller photo.", name=name),
                      "photos") from None
    except Exception:  # Pillow's decoders fail in many ways on hostile input; each means "not an image".
        raise Invalid(_l("“%(name)s” is not an image we can read. Send a JPEG, PNG, WebP or GIF photo.",
                         name=name), "photos") from None


class _TooLarge(Exception):
    pass


def _decode(data):
    probe = Image.open(io.BytesIO(data), formats=READABLE)
    probe.verify()
    image = Image.open(io.BytesIO(data), formats=READABLE)
    if image.format == "JPEG":
        image.draft("RGB", (LONG_EDGE, LONG_EDGE))
    if image.width * image.height > MAX_PIXELS:
        raise _TooLarge
    image.load()
    return image


def _reencode(image):
    # The camera's rotation lives in EXIF, which is not copied: apply it to the pixels first.
    image = ImageOps.exif_transpose(image)
    transparent = image.has_transparency_data
    image = image.convert("RGBA" if transparent else "RGB")
    image.thumbnail((LONG_EDGE, LONG_EDGE), Image.Resampling.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    kind = "WEBP" if transparent else "JPEG"
    return Picture(full=_encode(image, kind), thumb=_encode(thumb, kind), format=kind,
                   width=image.width, height=image.height, thumb_width=thumb.width, thumb_height=thumb.height)


def _encode(image, kind):
    out = io.BytesIO()
    # A fresh image carries no metadata at all: no EXIF, no GPS, no comments.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    else:
        clean.save(out, "WEBP", quality=85)
    return out.getvalue()
