import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuangcheng.settings")
application = get_wsgi_application()

# What a web process loads once and keeps — Django, the apps, their models, URLs, views and
# serializers — is put out of the garbage collector's sight (gc.freeze), so its collections
# walk only what requests make. With ~190,000 such objects tracked, collections took 18–20 % of
# a request's CPU (four kinds of API request in a loop: 9.4–11.0 → 2.5–2.9 ms of collection per
# round of four; docs/performance.md, issue 18, eleventh pass).
get_resolver().url_patterns  # noqa: B018 — loads the URL modules (views, serializers) now
gc.collect()
gc.freeze()
