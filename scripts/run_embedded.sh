#!/usr/bin/env bash
# Start web (gunicorn), a Celery worker and beat for the embedded default; stop all on Ctrl-C.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
BIN=$(dirname "$PY")
mkdir -p var/log
trap 'trap - EXIT INT TERM; kill 0 2>/dev/null' EXIT INT TERM

# One worker process: SQLite is a single file and the filesystem broker needs no server.
"$BIN/celery" -A chuangcheng worker --pool=solo -l info >var/log/worker.log 2>&1 &
"$BIN/celery" -A chuangcheng beat -l info >var/log/beat.log 2>&1 &

echo
echo "创城督办 is running: http://127.0.0.1:${PORT}/   (admin: http://127.0.0.1:${PORT}/admin/, API docs: http://127.0.0.1:${PORT}/api/v1/docs/)"
echo "Worker and beat logs: var/log/worker.log, var/log/beat.log. Stop with Ctrl-C."
echo
"$BIN/gunicorn" chuangcheng.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 --access-logfile - &
wait -n
