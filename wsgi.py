"""WSGI entry point: ``gunicorn -c gunicorn.conf.py wsgi:app``."""
import gc

from app import create_app

app = create_app()
# What starting made (modules, the app, its catalogues) lives as long as the process: frozen, it is left out
# of the garbage collector's full passes, which otherwise walk all of it again, about 70 ms at a time in the
# middle of some request (measured by bench/lists.py: a CSV export's p95 at 190 ms against a p50 of 70 ms).
gc.collect()
gc.freeze()
