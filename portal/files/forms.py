"""Uploading a file or a new version, and the admin's size limit."""
from flask_babel import lazy_gettext as _l
from wtforms import FileField, IntegerField, ValidationError
from wtforms.validators import InputRequired, NumberRange

from portal.files.intake import KINDS
from portal.forms import Form

ACCEPT = ",".join(extension for _, extensions, _ in KINDS.values() for extension in extensions)


class UploadForm(Form):
    upload = FileField(_l("File"), render_kw={"accept": ACCEPT})

    def validate_upload(self, field):
        if not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a file first."))


class FileSettingsForm(Form):
    max_mb = IntegerField(_l("Largest file (MB)"), validators=[InputRequired(), NumberRange(min=1, max=100_000)])
