"""One step of the benchmark, run in a subprocess of its own against one database.

python bench/worker.py build --size N        generate and verify (DATABASE_URL names the database)
python bench/worker.py measure --reps R ...   time every page and its floor; JSON on stdout
python bench/worker.py peak --page NAME       one request in a fresh process; its peak memory
python bench/worker.py session                a logged-in session key for the load generator
python bench/worker.py recommendations --rows N   time a UHRI import of N rows and the overlap suggestions
"""

import argparse
import datetime
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("TRACKER_DEV", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import generate  # noqa: E402
from bench.floors import floor_blocks  # noqa: E402
from bench.pages import PAGES, NotAvailable, Request, page_named  # noqa: E402
from commitments.api.pagination import cursor_after  # noqa: E402
from commitments.models import Commitment, Instrument, Jurisdiction, Status  # noqa: E402


def log(message):
    print(message, file=sys.stderr, flush=True)


def percentile(values, share):
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(times):
    return {"median": statistics.median(times), "p95": percentile(times, 0.95), "reps": len(times), "times": times}


# --- build ------------------------------------------------------------------------------


def build(args):
    if connection.vendor == "sqlite":
        # A throwaway database filled in one go: a big page cache, no waiting for the disk.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -500000")
            cursor.execute("PRAGMA synchronous = OFF")
    started = time.perf_counter()
    made = generate.generate(args.size, seed=args.seed, progress=log)
    generated = time.perf_counter() - started
    log(f"  generated in {generated:.0f} s; checking the derived data against the history")
    generate.verify(progress=log)
    # Fresh statistics after a bulk load, as an operator runs after an import (PostgreSQL's
    # autovacuum does it by itself): without them SQLite sorts every commitment to show the
    # first page of the list instead of walking the instrument and reference indexes.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(json.dumps({"made": made, "generate_s": generated, "verify_s": time.perf_counter() - started - generated}))


# --- measure ----------------------------------------------------------------------------


def api_deep_page(after_id):
    """The API list's page after the row `after_id`, as its `next` link gives it (None without the API)."""
    try:
        return cursor_after(reverse("api:commitment_list"), after_id)
    except NoReverseMatch:
        return None


def context():
    """The records and parameters every page and floor is built from (the same at every size)."""
    jurisdiction = Jurisdiction.objects.get(code="punjab")
    report_jurisdiction = Jurisdiction.objects.get(code=generate.REPORT_JURISDICTION)
    instrument = Instrument.objects.filter(code__startswith="BENCH-").order_by("code").first()
    count = Commitment.objects.count()
    commitment_id = Commitment.objects.order_by("pk").values_list("pk", flat=True)[count // 2]
    deep_page = max(1, int(count / 50 * 0.9))
    deep_after_id = Commitment.objects.order_by("pk").values_list("pk", flat=True)[int(count * 0.9)]
    today = timezone.localdate()
    first_month = (today.replace(day=1) - datetime.timedelta(days=365 * 2)).replace(day=1)
    year = today.year - 1
    return {
        "count": count,
        "jurisdiction_id": jurisdiction.pk,
        "jurisdiction_code": jurisdiction.code,
        "report_jurisdiction_id": report_jurisdiction.pk,
        "report_jurisdiction_code": report_jurisdiction.code,
        "instrument_id": instrument.pk,
        "instrument_code": instrument.code,
        "commitment_id": commitment_id,
        "status": Status.IN_PROGRESS.value,
        "deep_page": deep_page,
        "deep_offset": (deep_page - 1) * 50,
        "api_deep_after_id": deep_after_id,
        "api_deep_page": api_deep_page(deep_after_id),
        "today": today.isoformat(),
        "stale_cutoff": (timezone.now() - datetime.timedelta(days=settings.TRACKER_STALE_DAYS)).isoformat(),
        "first_month": first_month.isoformat(),
        "period_from": f"{year}-01-01",
        "period_to": f"{year}-12-31",
    }


def run_statements(statements, params):
    connection.ensure_connection()
    raw = connection.connection
    cursor = raw.cursor()
    for sql in statements:
        used = {key: params[key] for key in re.findall(r":(\w+)", sql)}
        if connection.vendor == "postgresql":
            sql = re.sub(r":(\w+)", r"%(\1)s", sql)
        cursor.execute(sql, used)
        cursor.fetchall()
    cursor.close()


def time_floor(statements, params, warmup, reps):
    for _ in range(warmup):
        run_statements(statements, params)
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        run_statements(statements, params)
        times.append(time.perf_counter() - started)
    return summary(times)


def export_floor_command(statements, out):
    """The database's command-line client writing every row as CSV to `out`."""
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        script = ".headers on\n.mode csv\n" + "".join(f"{sql};\n" for sql in statements)
        return ["sqlite3", str(db["NAME"])], script, out
    if connection.vendor == "postgresql":
        script = "".join(f"\\copy ({' '.join(sql.split())}) TO '{out}' WITH CSV HEADER\n" for sql in statements)
        target = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        return ["psql", "-X", "-q", target], script, None
    raise SystemExit(f"The export floor is measured on SQLite and PostgreSQL only, not on {connection.vendor}.")


def time_export_floor(statements, warmup, reps):
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "floor.csv"
        command, script, stdout_to = export_floor_command(statements, out)
        if shutil.which(command[0]) is None:
            return {"error": f"{command[0]} is not installed"}
        times = []
        for rep in range(warmup + reps):
            started = time.perf_counter()
            with open(out, "wb") if stdout_to else open(os.devnull, "wb") as sink:
                subprocess.run(command, input=script.encode(), stdout=sink, check=True)
            if rep >= warmup:
                times.append(time.perf_counter() - started)
        result = summary(times)
        result["bytes"] = out.stat().st_size
        return result


def fetch(client, path):
    if isinstance(path, Request):
        response = client.post(path.path, path.data) if path.data is not None else client.get(path.path)
    else:
        response = client.get(path)
    if getattr(response, "streaming", False):
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    return response.status_code, size, response.get("Content-Type", "")


def admin_client():
    client = Client()
    client.force_login(User.objects.get(username=generate.ADMIN_USERNAME))
    return client


def measure(args):
    ctx = context()
    client = admin_client()
    wanted = [page_named(name) for name in args.pages.split(",")] if args.pages else PAGES
    results = {"context": ctx, "pages": {}, "floors": {}}
    paths, times = {}, {}
    for page in wanted:
        try:
            path = page.build(ctx)
        except NotAvailable as reason:
            results["pages"][page.name] = {"available": False, "reason": str(reason)}
            log(f"  {page.name:<14} not available ({reason})")
            continue
        status, size, content_type = fetch(client, path)
        if status != 200:
            results["pages"][page.name] = {"available": False, "reason": f"HTTP {status} from {path}", "status": status}
            log(f"  {page.name:<14} HTTP {status} from {path}")
            continue
        if page.expect and not content_type.startswith(page.expect):
            reason = f"answers {content_type}, not {page.expect}"
            results["pages"][page.name] = {"available": False, "reason": reason}
            log(f"  {page.name:<14} not available ({reason})")
            continue
        paths[page.name] = path
        times[page.name] = []
        results["pages"][page.name] = {
            "available": True,
            "path": path.path if isinstance(path, Request) else path,
            "bytes": size,
        }

    def timed(page):
        started = time.perf_counter()
        fetch(client, paths[page.name])
        times[page.name].append(time.perf_counter() - started)

    light = [page for page in wanted if page.name in paths and not page.heavy]
    heavy = [page for page in wanted if page.name in paths and page.heavy]
    # Light pages in turn, repetition by repetition, so that a burst of load elsewhere on the
    # machine falls on all of them alike and their ratios hold.
    for _ in range(args.warmup):
        for page in light:
            fetch(client, paths[page.name])
    for _ in range(args.reps):
        for page in light:
            timed(page)
    for page in heavy:
        for _ in range(args.heavy_reps):
            timed(page)
    for page in light + heavy:
        with CaptureQueriesContext(connection) as queries:
            fetch(client, paths[page.name])
        result = results["pages"][page.name]
        result.update(queries=len(queries), **summary(times[page.name]))
        log(
            f"  {page.name:<14} median {result['median'] * 1000:9.1f} ms  p95 {result['p95'] * 1000:9.1f} ms  "
            f"{result['queries']} queries  {result['bytes']:,} bytes"
        )

    blocks = floor_blocks()
    needed = {page.floor for page in wanted if page.floor and page.name in paths}
    for name in sorted(needed):
        if name == "export":
            results["floors"][name] = time_export_floor(blocks[name], 1, args.heavy_reps)
        else:
            results["floors"][name] = time_floor(blocks[name], ctx, args.warmup, args.reps)
        floor = results["floors"][name]
        if "median" in floor:
            log(f"  floor {name:<10} median {floor['median'] * 1000:9.1f} ms")
    print(json.dumps(results))


# --- peak memory ------------------------------------------------------------------------


def rss_peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak(args):
    page = page_named(args.page)
    ctx = context()
    client = admin_client()
    try:
        path = page.build(ctx)
    except NotAvailable as reason:
        print(json.dumps({"available": False, "reason": str(reason)}))
        return
    fetch(client, page_named("trivial").build(ctx))
    before = rss_peak_mb()
    started = time.perf_counter()
    status, size, _content_type = fetch(client, path)
    print(
        json.dumps(
            {
                "available": status == 200,
                "status": status,
                "bytes": size,
                "seconds": time.perf_counter() - started,
                "peak_rss_mb": rss_peak_mb(),
                "before_mb": before,
                "growth_mb": rss_peak_mb() - before,
            }
        )
    )


# --- recommendations: the UHRI import and the overlap suggestions ---------------------------


def recommendations(args):
    """Seed, then import a synthetic UHRI export of `rows` rows (timed), import it again (timed:
    it changes nothing), and time the similar-recommendation suggestions over the whole database."""
    import random

    from commitments import overlaps, seeding
    from commitments.recommendation_import import run_recommendation_import
    from tests.uhri_files import uhri_rows, uhri_workbook

    seeding.seed_load()
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", "bench@example.org", None
    )
    data = uhri_workbook(uhri_rows(args.rows, seed=args.seed, symbol="A/HRC/SYN/BENCH"))
    log(f"  a UHRI export of {args.rows:,} rows: {len(data) / 2**20:.1f} MB")
    marks = []

    def progress(done, total, what):
        marks.append((time.perf_counter(), done, what))
        if done == total or done % 2000 == 0:
            log(f"    {done:,} / {total:,} {what}")

    started = time.perf_counter()
    preview = run_recommendation_import(data=data, user=admin, dry_run=True)
    preview_s = time.perf_counter() - started
    started = time.perf_counter()
    result = run_recommendation_import(data=data, user=admin, dry_run=False, progress=progress)
    import_s = time.perf_counter() - started
    if not result.saved:
        raise SystemExit(f"the import failed: {result.file_errors or result.errors[:5]}")
    started = time.perf_counter()
    again = run_recommendation_import(data=data, user=admin, dry_run=False)
    reimport_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    ids = list(Commitment.objects.filter(recommendation__isnull=False).values_list("pk", flat=True))
    rng = random.Random(args.seed)
    times = []
    for n in range(args.warmup + args.reps):
        commitment = Commitment.objects.get(pk=rng.choice(ids))
        started = time.perf_counter()
        overlaps.similar_recommendations(user=admin, commitment=commitment)
        if n >= args.warmup:
            times.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "file_mb": len(data) / 2**20,
                "preview_s": preview_s,
                "import_s": import_s,
                "created": result.count("create"),
                "preview_overlaps": len(preview.overlaps),
                "reimport_s": reimport_s,
                "reimport_unchanged": again.count("unchanged"),
                "recommendations": len(ids),
                "suggestions": summary(times),
            }
        )
    )


# --- session for the load generator -----------------------------------------------------


def session(args):
    client = admin_client()
    print(client.cookies[settings.SESSION_COOKIE_NAME].value)


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("build")
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p = commands.add_parser("measure")
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--heavy-reps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--pages", default="")
    p = commands.add_parser("peak")
    p.add_argument("--page", required=True)
    commands.add_parser("session")
    p = commands.add_parser("recommendations")
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    {
        "build": build,
        "measure": measure,
        "peak": peak,
        "session": session,
        "recommendations": recommendations,
    }[args.command](args)


if __name__ == "__main__":
    main()
