"""The application for gunicorn (`wsgi:app`) and the Flask CLI (`flask --app wsgi ...`)."""
import gc

import demo
from portal import calendar, create_app, i18n

app = create_app()
demo.register(app)
# Loaded here, under gunicorn's --preload, once for all the workers it forks.
i18n.preload(app)
calendar.preload()
# What is loaded by now lives as long as the process. Frozen, it is no longer walked by every full
# collection, which on a busy board page had doubled the slowest twentieth of the answers; under
# gunicorn's --preload a collection no longer writes to the pages the workers share with the master.
gc.freeze()
