"""Photos for updates: only what Pillow decodes as an image, re-encoded small and without EXIF."""
import contextlib
import io
import threading
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from portal.db import Invalid
from portal.storage import storage

MAX_BYTES = 10 * 1024 * 1024
# Decoded pixels: of one image (a JPEG counts at the reduced scale it is decoded at), and of all
# the images of one request. A phone photo is 12 MP, decoded at a quarter of that; a 5K screenshot
# 15 MP. Each decoded pixel costs 3-4 bytes, and resampling it more.
MAX_PIXELS = 24_000_000
REQUEST_PIXELS = 48_000_000
LONG_EDGE = 2048
THUMB_EDGE = 640
# One image decoded at a time in each worker process, whatever its threads: memory stays at one
# image's worth, and a burst of uploads waits instead of pushing the worker out of memory.
_DECODING = threading.BoundedSemaphore(1)
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

    def store(self, token):
        """Keep both sizes in the portal's storage under the keys `stored_as(token)`; return them."""
        keys = [stored_as(token), stored_as(token, thumb=True)]
        for key, data in zip(keys, (self.full, self.thumb), strict=True):
            storage().put(io.BytesIO(data), len(data), key=key)
        return keys


def stored_as(token, thumb=False):
    return token + ("-thumb" if thumb else "")


def prepare(upload):
    """The upload (a werkzeug FileStorage) as a Picture, or Invalid naming the file and why."""
    return prepare_all([upload])[0]


def prepare_all(uploads):
    """The uploads as Pictures. Each file's size and header are checked before any pixel is
    decoded, so a request over the budget is refused at once (Invalid naming the file and why)."""
    opened = [_opened(upload) for upload in uploads]
    if sum(image.width * image.height for _, _, image in opened) > REQUEST_PIXELS:
        raise Invalid(_l("Together these photos have too many pixels to process. Send fewer or smaller photos."),
                      "photos")
    return [_decoded(name, data) for name, data, _ in opened]


def _opened(upload):
    """(name, bytes, image with only its header read, at the scale it will be decoded at)."""
    name = (upload.filename or "").rsplit("/", 1)[-1][:80] or _l("the photo")
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(_l("“%(name)s” is larger than 10 MB. Send a smaller photo.", name=name), "photos")
    with _refusals(name):
        image = _header(data)
        if image.width * image.height > MAX_PIXELS:
            raise _TooLarge
    return name, data, image


def _decoded(name, data):
    with _refusals(name), _DECODING:
        probe = Image.open(io.BytesIO(data), formats=READABLE)
        probe.verify()
        image = _header(data)
        image.load()
        return _reencode(image)


@contextlib.contextmanager
def _refusals(name):
    try:
        yield
    except (_TooLarge, Image.DecompressionBombError):
        raise Invalid(_l("“%(name)s” has too many pixels to process. Send a smaller photo.", name=name),
                      "photos") from None
    except Exception:  # Pillow's decoders fail in many ways on hostile input; each means "not an image".
        raise Invalid(_l("“%(name)s” is not an image we can read. Send a JPEG, PNG, WebP or GIF photo.",
                         name=name), "photos") from None


class _TooLarge(Exception):
    pass


def _header(data):
    image = Image.open(io.BytesIO(data), formats=READABLE)
    if image.format == "JPEG":
        # Decoded straight at 1/2, 1/4 or 1/8 scale, still at least LONG_EDGE: a quarter of the work or less.
        image.draft("RGB", (LONG_EDGE, LONG_EDGE))
    return image


def _reencode(image):
    # Scaled down first, so the conversions below copy a small image, never the decoded original;
    # palette and bilevel images are converted first, as they only scale by picking pixels.
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    image.thumbnail((LONG_EDGE, LONG_EDGE), Image.Resampling.LANCZOS)
    # The camera's rotation lives in EXIF, which is not copied: apply it to the pixels.
    image = ImageOps.exif_transpose(image)
    transparent = image.has_transparency_data
    image = image.convert("RGBA" if transparent else "RGB")
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
