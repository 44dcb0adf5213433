"""WSGI entry point: `gunicorn wsgi:app`."""
import gc

from panel import create_app

app = create_app()
# What the app holds from here on (modules, mappers, templates) lives as long as the process:
# moved out of the collector's sight, a full collection takes milliseconds, not a hundred.
gc.freeze()
