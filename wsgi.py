"""WSGI entry point: `gunicorn wsgi:app`."""
from panel import create_app

app = create_app()
