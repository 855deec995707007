"""python -m chuangcheng.bench.dossier_export [--files 1000] [--size-mb 1] [--write docs/performance.md]

The 档案资料 zip export at size: ``--files`` approved materials of ``--size-mb`` each are written
through Django's storage API into a temporary MEDIA_ROOT, then exported by
:func:`dossiers.export.zip_chunks` (the generator the export page streams) into a sink that only
counts and checksums the bytes. Measured: wall time, throughput, the Python heap's peak during
the export (tracemalloc) and the process's resident memory (sampled at every chunk) above its
level before the export — once for a tenth of the files and once for all of them, so a memory
that grew with the dossier would show. The rows are written in one transaction that is rolled
back, and the files are deleted: the database is left as it was.

Runs on whatever DATABASE_URL points at (migrated); the figures in docs/performance.md are on
PostgreSQL.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuangcheng.settings")

import django

django.setup()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import zlib  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


@dataclass
class Result:
    files: int
    size_mb: float
    seconds: float
    zip_bytes: int
    heap_peak: int
    rss_growth: int
    largest_chunk: int

    def row(self):
        gb = self.zip_bytes / 1024**3
        return (
            f"| {self.files:,} × {self.size_mb:g} MB | {gb:.2f} GB | {self.seconds:.2f} s | "
            f"{self.zip_bytes / 1024**2 / self.seconds:.0f} MB/s | {self.heap_peak / 1024**2:.1f} MB | "
            f"{self.rss_growth / 1024**2:.1f} MB | {self.largest_chunk / 1024**2:.2f} MB |"
        )


def _world(files, size):
    """One campaign, one document indicator, ``files`` requirements each with one approved
    material of ``size`` bytes (random, so nothing compresses)."""
    from chuangcheng.campaigns.models import Campaign, Indicator, Standard
    from chuangcheng.org.models import Region, Unit, User
    from dossiers.models import Material, MaterialVersion, Requirement

    region = Region.objects.create(name="基准市", level="city", path="")
    Region.objects.filter(pk=region.pk).update(path=f"/{region.pk}/")
    unit = Unit.objects.create(name="基准单位", kind="functional", level="city", region=region)
    user = User.objects.create(username=f"bench-dossier-{time.time_ns()}")
    standard = Standard.objects.create(name=f"基准测评体系{time.time_ns()}", version="bench")
    indicator = Indicator.objects.create(
        standard=standard, code="1.1", name="材料审核指标", method="document", sort_key="0001.0001"
    )
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="基准活动", region=region, office_unit=unit, start_date=today, target_date=today + dt.timedelta(days=30)
    )
    campaign.standards.add(standard)
    for n in range(files):
        requirement = Requirement.objects.create(
            campaign=campaign, indicator=indicator, name=f"材料{n:04d}", status="approved"
        )
        requirement.units.add(unit)
        material = Material.objects.create(requirement=requirement, unit=unit, status="approved")
        data = b"%PDF-1.4\n" + os.urandom(size - 9)
        name = default_storage.save(f"dossiers/bench/{n:04d}.pdf", ContentFile(data))
        version = MaterialVersion.objects.create(
            material=material,
            number=1,
            title=f"{today.year}年材料{n:04d}",
            file=name,
            stored_name=name.rsplit("/", 1)[-1],
            original_name=f"材料{n:04d}.pdf",
            extension="pdf",
            content_type="application/pdf",
            size=size,
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=user,
        )
        Material.objects.filter(pk=material.pk).update(current_version=version)
    return campaign, standard


def export_once(files, size_mb):
    from dossiers import export

    size = int(size_mb * 1024 * 1024)
    with transaction.atomic():
        campaign, standard = _world(files, size)
        entries = export.plan(campaign, standard)
        assert sum(1 for e in entries if e.version is not None) == files
        before = rss_bytes()
        peak_rss, total, largest, crc = before, 0, 0, 0
        tracemalloc.start()
        started = time.perf_counter()
        for chunk in export.zip_chunks(entries):
            total += len(chunk)
            largest = max(largest, len(chunk))
            crc = zlib.crc32(chunk, crc)
            peak_rss = max(peak_rss, rss_bytes())
        seconds = time.perf_counter() - started
        _current, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        transaction.set_rollback(True)
    return Result(files, size_mb, seconds, total, heap_peak, peak_rss - before, largest)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m chuangcheng.bench.dossier_export", description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--write", help="write the table into this markdown file (e.g. docs/performance.md)")
    args = parser.parse_args(argv)
    media = tempfile.mkdtemp(prefix="cc-bench-dossier-")
    results = []
    try:
        with override_settings(MEDIA_ROOT=media):
            for files in sorted({max(1, args.files // 10), args.files}):
                print(f"exporting {files} files of {args.size_mb} MB …", flush=True)
                results.append(export_once(files, args.size_mb))
                shutil.rmtree(os.path.join(media, "dossiers"), ignore_errors=True)
    finally:
        shutil.rmtree(media, ignore_errors=True)
    header = [
        "| dossier | zip | time | throughput | Python heap peak | RSS above start | largest chunk |",
        "|---|---|---|---|---|---|---|",
    ]
    table = "\n".join(header + [r.row() for r in results])
    print(table)
    if args.write:
        from .__main__ import machine, write_section

        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        body = "\n".join(
            [
                "### 档案资料 zip export (streamed)",
                "",
                f"Measured {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on "
                f"{machine() if connection.vendor == 'postgresql' else connection.vendor}, commit {commit}.",
                "",
                f"Command: `python -m chuangcheng.bench.dossier_export --files {args.files} --size-mb {args.size_mb:g}`",
                "",
                table,
            ]
        )
        write_section(args.write, "dossier-export", body)
        print(f"written to {args.write} (section dossier-export)")


if __name__ == "__main__":
    main()
