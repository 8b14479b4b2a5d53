"""The application for gunicorn (`wsgi:app`) and the Flask CLI (`flask --app wsgi ...`)."""
import gc

from flask_babel import force_locale, gettext

import demo
from portal import create_app
from portal.i18n import LANGUAGES

app = create_app()
demo.register(app)
# gunicorn loads this module once and forks its workers from it (--preload): what is built here is
# shared by every worker instead of built again in each. Templates and catalogues are otherwise
# compiled and read on a worker's first pages.
for name in app.jinja_env.list_templates(extensions=["html", "txt"]):
    app.jinja_env.get_template(name)
with app.test_request_context():
    for language in LANGUAGES:
        with force_locale(language):
            gettext("Duiqi")
# What is loaded by now lives as long as the process. Frozen, it is no longer walked by every full
# collection, which on a busy board page had doubled the slowest twentieth of the answers; and a
# collection no longer writes to the shared pages, which would copy them into each worker.
gc.freeze()
