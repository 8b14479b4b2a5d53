"""What an upload really is, read from its bytes: only common office files are kept.

The name someone gave only has to agree with the content: a PDF must begin as a PDF does, a Word,
Excel or PowerPoint file must be the zip package of its kind (and not a zip bomb), an image must
decode, a text file must read as text. Nothing is ever served as HTML, SVG or script: those types
are not on the list, whatever they are called.
"""
import codecs
import io
import unicodedata
import zipfile
from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from PIL import Image

from portal.db import Invalid
from portal.imports import unpacks_too_far
from portal.projects import photos

# kind: (label, extensions, content type it is served as)
KINDS = {
    "pdf": (_l("PDF"), (".pdf",), "application/pdf"),
    "docx": (_l("Word"), (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (_l("Excel"), (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (_l("PowerPoint"), (".pptx",),
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "doc": (_l("Word"), (".doc",), "application/msword"),
    "xls": (_l("Excel"), (".xls",), "application/vnd.ms-excel"),
    "ppt": (_l("PowerPoint"), (".ppt",), "application/vnd.ms-powerpoint"),
    "jpeg": (_l("Image"), (".jpg", ".jpeg"), "image/jpeg"),
    "png": (_l("Image"), (".png",), "image/png"),
    "webp": (_l("Image"), (".webp",), "image/webp"),
    "gif": (_l("Image"), (".gif",), "image/gif"),
    "zip": (_l("Zip archive"), (".zip",), "application/zip"),
    "txt": (_l("Text"), (".txt", ".csv"), "text/plain"),
}
EXTENSIONS = {extension: kind for kind, (_, extensions, _) in KINDS.items() for extension in extensions}
IMAGES = ("jpeg", "png", "webp", "gif")
# The part of each Office package that says which of the three it is.
PACKAGES = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of Office 97–2003 files
# A package may unpack to at most this much (and no part to far more than its packed size).
MAX_UNPACKED = 512 * 1024 * 1024
MAX_ENTRIES = 20_000
MAX_NAME = 200
TEXT_PROBE = 64 * 1024

ACCEPTED = _l("The portal keeps PDF, Word, Excel, PowerPoint, images (JPEG, PNG, WebP, GIF), zip and text files.")


@dataclass(frozen=True)
class Intake:
    """An upload whose content agrees with its name."""
    name: str
    kind: str


def clean_name(raw):
    """The name to show and to download under: the last part of whatever path the browser sent,
    without control characters, at most MAX_NAME characters; never a path on this server."""
    name = unicodedata.normalize("NFC", str(raw or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:MAX_NAME - len(extension) - 1] + dot + extension) if dot and len(extension) < 10 \
            else name[:MAX_NAME]
    return name


def examine(raw_name, read):
    """The Intake of an upload named `raw_name` whose bytes `read()` opens (a binary file), or
    Invalid saying why it is refused."""
    name = clean_name(raw_name)
    shown = name or gettext("the file")
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    kind = EXTENSIONS.get(extension)
    if kind is None:
        raise Invalid(gettext("“%(name)s” is not a kind of file the portal keeps. %(accepted)s", name=shown,
                              accepted=ACCEPTED), "upload")
    with read() as data:
        found = _content_kind(data, kind)
    if found != kind and not (kind in ("doc", "xls", "ppt") and found == "ole"):
        raise Invalid(gettext("“%(name)s” does not hold what its name says (%(kind)s). Save it again from the "
                              "program that made it.", name=shown, kind=KINDS[kind][0]), "upload")
    return Intake(name, kind)


def _content_kind(data, claimed):
    head = data.read(8)
    data.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(OLE):
        return "ole"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _package_kind(data)
    if claimed in IMAGES:
        return _image_kind(data)
    if claimed == "txt" and _reads_as_text(data.read(TEXT_PROBE)):
        return "txt"
    return None


def _package_kind(data):
    try:
        with zipfile.ZipFile(data) as package:
            entries = package.infolist()
            if len(entries) > MAX_ENTRIES or unpacks_too_far(entries, MAX_UNPACKED):
                return "bomb"
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if "[Content_Types].xml" in names:
        for kind, part in PACKAGES.items():
            if part in names:
                return kind
    return "zip"


def _image_kind(data):
    try:
        with Image.open(data, formats=["JPEG", "PNG", "WEBP", "GIF"]) as image:
            image.verify()
            return image.format.lower()
    except Exception:  # Pillow fails in many ways on what is not an image: each means "not one"
        return None


def _reads_as_text(sample):
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            # Not final when the probe was cut: it may end inside a character, which is no fault.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=len(sample) < TEXT_PROBE)
        except UnicodeDecodeError:
            continue
        return True
    return False


def preview(read):
    """A re-encoded copy of an image for showing inline (portal.projects.photos), or None when it
    is too large to re-encode."""
    with read() as data:
        upload = _Upload(io.BytesIO(data.read(photos.MAX_BYTES + 1)))
    try:
        return photos.prepare(upload)
    except Invalid:
        return None


@dataclass
class _Upload:
    stream: object
    filename: str = ""
