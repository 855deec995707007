# 创城督办: one image for web (gunicorn), Celery worker and Celery beat.
# docker-compose.yml runs it beside PostgreSQL and Redis; configuration comes from the
# environment (see .env.example).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=chuangcheng.settings \
    VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media \
    XDG_CACHE_HOME=/app/var/cache

# fonts-noto-cjk: Chinese text in generated PDFs and charts; gettext: compilemessages;
# Pango and HarfBuzz's subsetter: WeasyPrint (briefing PDFs).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-noto-cjk gettext \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements.txt requirements-s3.txt ./
RUN pip install -r requirements.txt
# WITH_S3=1: django-storages and boto3, for uploads in an S3-compatible bucket (FILE_STORAGE=s3).
ARG WITH_S3=0
RUN if [ "$WITH_S3" = "1" ]; then pip install -r requirements-s3.txt; fi

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

COPY . .

# Static files and message catalogues are built into the image. The settings refuse to load
# with DEBUG off and no secret or hosts, so the build passes throwaway values that never reach
# a running container.
RUN DEBUG=0 SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=localhost \
        python manage.py compilemessages --ignore=var \
    && DEBUG=0 SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /app/var/cache \
    && chown -R app:app /app/var

USER app

EXPOSE 8000

# gunicorn, set explicitly (its defaults are one worker and a 30 s timeout), chosen by measurement
# (docs/scaling.md, `python -m chuangcheng.bench.gunicorn_choice`): on 2 cores, sync workers served
# as many requests per second as threaded ones and with a shorter p95, the work being CPU-bound.
# - sync workers, WEB_CONCURRENCY of them (5 = 2 × cores + 1; more on a bigger box or when
#   PostgreSQL runs on another one). Behind the reverse proxy, which buffers slow clients.
# - --timeout 60: no request needs more than a few seconds — large exports and briefing builds
#   run on the Celery worker, not in a request — so a request still running after 60 s is stuck
#   and its worker is restarted (a sync worker's timeout covers its one request; a threaded
#   worker's does not see a stuck thread). --graceful-timeout 30 lets requests in flight finish
#   on a restart or deploy.
# Options given here win over GUNICORN_CMD_ARGS, which can add others (e.g. "--max-requests
# 1000"); docker-compose.yml's web service says the same. No control socket: nothing in the
# container uses gunicornc, and $HOME (/app) is not writable.
ENV WEB_CONCURRENCY=5
CMD ["gunicorn", "chuangcheng.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "30", \
     "--worker-tmp-dir", "/dev/shm", "--no-control-socket", "--access-logfile", "-"]
