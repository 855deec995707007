"""One background export run in this process, timed: ``python -m chuangcheng.bench.export_job
USERNAME [QUERY]`` (QUERY is the list page's filter, e.g. ``region=14``). Prints the rows, the
seconds and the peak resident memory — run it under ``/usr/bin/time -v`` for the same figure
from outside. The job is the worker's own function (:func:`chuangcheng.imports.exports.
export_run`), so the file is written exactly as the worker writes it."""

import os
import resource
import sys
import time

import django


def main(argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuangcheng.settings")
    django.setup()
    from chuangcheng.imports import exports
    from chuangcheng.org.models import User

    user = User.objects.get(username=argv[0])
    job = exports.export_create(actor=user, kind="issues", query=argv[1] if len(argv) > 1 else "")
    started = time.monotonic()
    job = exports.export_run(job_id=job.pk)
    elapsed = time.monotonic() - started
    job.refresh_from_db()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"state={job.state} rows={job.total_rows} seconds={elapsed:.1f} peak_rss_mb={peak_mb:.0f} error={job.error!r}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
