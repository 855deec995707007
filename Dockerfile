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

# Tune with GUNICORN_CMD_ARGS (e.g. "--workers 4 --threads 4") without rebuilding. No control
# socket: nothing in the container uses gunicornc, and $HOME (/app) is not writable.
CMD ["gunicorn", "chuangcheng.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "2", \
     "--worker-tmp-dir", "/dev/shm", "--no-control-socket", "--access-logfile", "-"]
