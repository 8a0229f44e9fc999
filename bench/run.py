"""The tracker's benchmark: how each page scales, side by side with the database's own floor.

    python bench/run.py --sizes 1000,10000,100000

For each size: a database of its own (SQLite bench/results/<size>.sqlite3, or on PostgreSQL
the database tracker_bench_<size> when DATABASE_URL is set) is migrated and filled in a
subprocess, its derived data checked against the history, then every page is timed in a
fresh subprocess through Django's test client as an administrator, each export's peak
memory is measured in a process of its own, and, at the largest size, gunicorn with two
workers serves the dashboard and a trivial logged-in view to wrk on loopback.
Then, in a database of its own, a synthetic UHRI export of 10,000 recommendations is imported
(timed, with its progress shown) and imported again, and the similar-recommendation
suggestions are timed over the 10,000 (`--recommendations 0` leaves this out).
Prints a table, writes bench/results/bench.json and bench/results/bench.png.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(ROOT))

from bench.pages import PAGES  # noqa: E402  (imports nothing from Django's setup)

PYTHON = sys.executable


def log(message):
    print(message, flush=True)


# --- databases --------------------------------------------------------------------------


def database_url(size):
    base = os.environ.get("DATABASE_URL")
    if not base:
        return f"sqlite:///{RESULTS / f'{size}.sqlite3'}"
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/tracker_bench_{size}"))


def environment(size):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(size),
        TRACKER_DEV="1",
        MEDIA_ROOT=str(RESULTS / "media"),
        ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        PYTHONPATH=str(ROOT),
        # The benchmark times the exports and reports themselves, in the request, as a background
        # job would make them: no size sends them to a job here.
        TRACKER_EXPORT_BACKGROUND_ROWS="1000000000",
        TRACKER_REPORT_BACKGROUND_COMMITMENTS="1000000000",
        TRACKER_PDF_BACKGROUND_COMMITMENTS="1000000000",
    )
    return env


def recreate_database(size):
    if not os.environ.get("DATABASE_URL"):
        for suffix in ("", "-wal", "-shm"):
            path = RESULTS / f"{size}.sqlite3{suffix}"
            if path.exists():
                path.unlink()
        return
    parts = urlsplit(database_url(size))
    admin = urlunsplit(parts._replace(path="/postgres"))
    name = f"tracker_bench_{size}"
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", "-X", "-q", admin, "-c", sql], check=True)


def worker(size, *args, capture=True):
    command = [PYTHON, str(BENCH / "worker.py"), *args]
    result = subprocess.run(command, env=environment(size), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed at size {size} (exit {result.returncode})")
    return json.loads(result.stdout.strip().splitlines()[-1]) if capture else result.stdout


def build(size, reuse):
    marker = RESULTS / f"{size}.build.json"
    if reuse and marker.exists() and (os.environ.get("DATABASE_URL") or (RESULTS / f"{size}.sqlite3").exists()):
        log(f"{size:,} commitments: reusing the database built before")
        return json.loads(marker.read_text())
    log(f"{size:,} commitments: building")
    recreate_database(size)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=environment(size), cwd=ROOT, check=True)
    built = worker(size, "build", "--size", str(size))
    marker.write_text(json.dumps(built))
    return built


# --- throughput -------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrk(url, cookie, seconds):
    output = subprocess.run(
        ["wrk", "-t2", "-c4", f"-d{seconds}s", "--timeout", "30s", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", output)[1])
    errors = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    # wrk stops with requests still queued at the server: wait until they are served, so that
    # the next round starts on an idle server rather than behind another page's backlog.
    urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=300).read()
    return {"rps": rate, "non_2xx": int(errors[1]) if errors else 0}


def throughput(size, seconds, rounds_count):
    """Requests per second of the dashboard and of the trivial view, gunicorn with 2 workers on loopback."""
    from shutil import which

    if which("wrk") is None:
        return {"error": "wrk is not installed"}
    session = worker(size, "session", capture=False).strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "tracker.wsgi:application",
        ],
        env=environment(size),
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        cookie = f"sessionid={session}"
        base = f"http://127.0.0.1:{port}"
        pages = (("trivial", "/whoami/"), ("dashboard", "/"))
        for _name, path in pages:
            wrk(base + path, cookie, 1)  # warm-up
        # Rounds in turn, so that load elsewhere on the machine falls on both alike; the median round counts.
        rounds = {name: [] for name, _path in pages}
        for _ in range(rounds_count):
            for name, path in pages:
                rounds[name].append(wrk(base + path, cookie, seconds))
        result = {}
        for name, runs in rounds.items():
            rates = sorted(run["rps"] for run in runs)
            result[name] = {"rps": rates[len(rates) // 2], "rounds": runs, "non_2xx": sum(r["non_2xx"] for r in runs)}
            log(
                f"  {name:<10} {result[name]['rps']:8.1f} requests/s, median of {len(runs)} rounds "
                f"({result[name]['non_2xx']} not 2xx)"
            )
        if not result["trivial"]["rps"]:
            return {"error": "the trivial view served no request", **result}
        result["ratio"] = result["dashboard"]["rps"] / result["trivial"]["rps"]
        result["seconds"] = seconds
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- report -----------------------------------------------------------------------------


def ratio_to_floor(size_result, page):
    result = size_result["pages"].get(page.name, {})
    floor = size_result["floors"].get(page.floor or "", {})
    if not result.get("available") or "median" not in floor or not floor["median"]:
        return None
    return result["median"] / floor["median"]


def table(results):
    lines = [
        "| size | page | median ms | p95 ms | queries | floor ms | × floor | peak MB |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, size_result in results["sizes"].items():
        for page in PAGES:
            result = size_result["pages"].get(page.name, {})
            if not result.get("available"):
                lines.append(f"| {int(size):,} | {page.name} | not available | | | | | |")
                continue
            floor = size_result["floors"].get(page.floor or "", {})
            ratio = ratio_to_floor(size_result, page)
            peak = size_result.get("peaks", {}).get(page.name, {})
            floor_ms = f"{floor['median'] * 1000:.1f}" if "median" in floor else ""
            lines.append(
                f"| {int(size):,} | {page.name} | {result['median'] * 1000:.1f} | {result['p95'] * 1000:.1f} "
                f"| {result['queries']} | {floor_ms} |"
            )
            lines[-1] += f" {ratio:.1f} |" if ratio else " |"
            lines[-1] += f" {peak['peak_rss_mb']:.0f} |" if peak.get("peak_rss_mb") else " |"
    return "\n".join(lines)


def median_of(results, size, page):
    result = results["sizes"].get(str(size), {}).get("pages", {}).get(page, {})
    return result.get("median") if result.get("available") else None


def targets(results):
    """[(target, met (True/False/None when not measured), what was measured)]."""
    sizes = sorted(int(size) for size in results["sizes"])
    smallest, largest = str(sizes[0]), str(sizes[-1])
    checks = []

    counts = {}
    for page in PAGES:
        per_size = [results["sizes"][str(s)]["pages"].get(page.name, {}).get("queries") for s in sizes]
        if all(count is not None for count in per_size):
            counts[page.name] = per_size
    growing = {name: values for name, values in counts.items() if len(set(values)) > 1}
    checks.append(
        (
            "query counts identical at every size",
            not growing if counts else None,
            "growing: " + ", ".join(f"{n} {v}" for n, v in growing.items())
            if growing
            else f"{len(counts)} pages checked",
        )
    )

    dash_large, trivial_large = median_of(results, largest, "dashboard"), median_of(results, largest, "trivial")
    dash_small = median_of(results, smallest, "dashboard")
    if dash_large and trivial_large:
        ratio = dash_large / trivial_large
        checks.append(("dashboard at the largest size within 10× of the trivial view", ratio <= 10, f"{ratio:.1f}×"))
    if dash_large and dash_small:
        ratio = dash_large / dash_small
        checks.append(("dashboard at the largest size within 1.5× of the smallest", ratio <= 1.5, f"{ratio:.2f}×"))
    list_large, list_small = median_of(results, largest, "list_first"), median_of(results, smallest, "list_first")
    if list_large and list_small:
        ratio = list_large / list_small
        checks.append(
            ("list first page at the largest size within 1.5× of the smallest", ratio <= 1.5, f"{ratio:.2f}×")
        )

    for name, label in (("api_list_first", "API list first page"), ("api_list_deep", "API list deep page")):
        api_large, api_small = median_of(results, largest, name), median_of(results, smallest, name)
        if api_large and api_small:
            ratio = api_large / api_small
            checks.append((f"{label} at the largest size within 1.5× of the smallest", ratio <= 1.5, f"{ratio:.2f}×"))
    api_first, api_deep = median_of(results, largest, "api_list_first"), median_of(results, largest, "api_list_deep")
    if api_first and api_deep:
        ratio = api_deep / api_first
        checks.append(
            ("API list deep page within 1.5× of its first page at the largest size", ratio <= 1.5, f"{ratio:.2f}×")
        )

    large = results["sizes"][largest]
    csv = large["pages"].get("export_csv", {})
    if csv.get("available"):
        floor = large["floors"].get("export", {})
        if floor.get("median"):
            ratio = csv["median"] / floor["median"]
            checks.append(("CSV export within 10× of the command-line CSV dump", ratio <= 10, f"{ratio:.1f}×"))
    else:
        checks.append(("CSV export within 10× of the command-line CSV dump", None, "export not available"))
    for name in ("export_csv", "export_xlsx"):
        peak = large.get("peaks", {}).get(name, {})
        if peak.get("peak_rss_mb"):
            checks.append(
                (
                    f"{name} peak memory under 200 MB",
                    peak["peak_rss_mb"] < 200,
                    f"{peak['peak_rss_mb']:.0f} MB peak RSS (+{peak['growth_mb']:.0f} MB for the export)",
                )
            )
        else:
            checks.append((f"{name} peak memory under 200 MB", None, "export not available"))

    measured = results.get("recommendations")
    if measured:
        p95 = measured["suggestions"]["p95"]
        checks.append(
            (
                f"overlap suggestions over {measured['recommendations']:,} recommendations within 1 s",
                p95 <= 1.0,
                f"p95 {p95 * 1000:.0f} ms; the {measured['rows']:,}-row import took {measured['import_s']:.1f} s",
            )
        )

    load = large.get("throughput", {})
    if "error" in load:
        checks.append(("dashboard throughput at least 30% of the trivial view's", None, load["error"]))
    if "ratio" in load:
        checks.append(
            (
                "dashboard throughput at least 30% of the trivial view's (gunicorn, 2 workers, wrk)",
                load["ratio"] >= 0.3,
                f"{load['dashboard']['rps']:.0f} vs {load['trivial']['rps']:.0f} requests/s ({load['ratio']:.0%})",
            )
        )
    return checks


def markdown(results):
    """The table and the targets, as docs/bench.md shows them."""
    lines = [table(results), ""]
    if results.get("recommendations"):
        lines += [recommendations_lines(results["recommendations"]), ""]
    for item in results["targets"]:
        mark = {True: "met", False: "**missed**", None: "not measured"}[item["met"]]
        lines.append(f"- {item['target']}: {mark} ({item['measured']})")
    load = results["sizes"][str(max(int(s) for s in results["sizes"]))].get("throughput", {})
    if "ratio" in load:
        lines.append(
            f"- load test: dashboard {load['dashboard']['rps']:.1f} requests/s, trivial view "
            f"{load['trivial']['rps']:.1f} requests/s (median of {len(load['trivial']['rounds'])} rounds "
            f"of {load['seconds']} s)"
        )
    return "\n".join(lines) + "\n"


def chart(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(int(size) for size in results["sizes"])
    figure, axes = plt.subplots(figsize=(10.5, 5.5))
    colours = plt.get_cmap("tab20").colors
    for index, page in enumerate(PAGES):
        points = [(s, median_of(results, s, page.name)) for s in sizes]
        points = [(s, m * 1000) for s, m in points if m]
        if points:
            axes.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                label=page.name,
                marker="osD^v<>ph*X"[index % 11],
                color=colours[(index * 2) % 20 + (index >= 10)],
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("commitments in the database")
    axes.set_ylabel("median response time (ms)")
    axes.set_title(f"Response time against size ({results['meta']['database']})")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="commitments per database, comma-separated")
    parser.add_argument("--quick", action="store_true", help="few repetitions and a short load test (CI smoke)")
    parser.add_argument("--reuse", action="store_true", help="reuse databases built by an earlier run")
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--load-seconds", type=int, default=None)
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--load-only", action="store_true", help="redo only the load test of an earlier run's results")
    parser.add_argument(
        "--recommendations",
        type=int,
        default=None,
        help="rows of the UHRI import to time (default 10,000; 1,000 with --quick; 0: leave it out)",
    )
    parser.add_argument(
        "--recommendations-only", action="store_true", help="time only the recommendation import and suggestions"
    )
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    if args.recommendations is None:
        args.recommendations = 1_000 if args.quick else 10_000
    reps, heavy_reps, warmup = (3, 2, 1) if args.quick else (10, 3, 2)
    if args.reps:
        reps = args.reps
    load_seconds = args.load_seconds or (2 if args.quick else 5)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)

    if args.load_only:
        results = json.loads((out / "bench.json").read_text())
        size = max(int(size) for size in results["sizes"])
        log(f"{size:,} commitments: load test, gunicorn with 2 workers, wrk {load_seconds} s per page")
        results["sizes"][str(size)]["throughput"] = throughput(size, load_seconds, 1 if args.quick else 3)
        return finish(results, out)

    if args.recommendations_only:
        measured = recommendations_step(args.recommendations, reps)
        log(recommendations_lines(measured))
        return

    started = time.perf_counter()
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    results = {
        "meta": {
            "database": database,
            "sizes": sizes,
            "reps": reps,
            "heavy_reps": heavy_reps,
            "warmup": warmup,
            "command": "python bench/run.py " + " ".join(sys.argv[1:]),
            "cpus": os.cpu_count(),
        },
        "sizes": {},
    }
    for size in sizes:
        size_started = time.perf_counter()
        size_result = {"build": build(size, args.reuse)}
        log(f"{size:,} commitments: timing pages ({reps} repetitions, {heavy_reps} for exports and reports)")
        measured = worker(
            size, "measure", "--reps", str(reps), "--heavy-reps", str(heavy_reps), "--warmup", str(warmup)
        )
        size_result.update(measured)
        size_result["peaks"] = {}
        for page in PAGES:
            if page.peak and measured["pages"].get(page.name, {}).get("available"):
                size_result["peaks"][page.name] = peak = worker(size, "peak", "--page", page.name)
                log(f"  {page.name:<14} peak RSS {peak['peak_rss_mb']:.0f} MB (+{peak['growth_mb']:.0f} MB)")
        if size == max(sizes):
            log(f"{size:,} commitments: load test, gunicorn with 2 workers, wrk {load_seconds} s per page")
            size_result["throughput"] = throughput(size, load_seconds, 1 if args.quick else 3)
        size_result["seconds"] = time.perf_counter() - size_started
        results["sizes"][str(size)] = size_result
    if args.recommendations:
        results["recommendations"] = recommendations_step(args.recommendations, reps)
    results["meta"]["seconds"] = time.perf_counter() - started
    finish(results, out)


RECOMMENDATIONS_DB = "recommendations"


def recommendations_step(rows, reps):
    """The UHRI import of `rows` rows and the overlap suggestions, in a database of their own."""
    log(f"recommendations: importing {rows:,} UHRI rows, then timing the overlap suggestions")
    recreate_database(RECOMMENDATIONS_DB)
    env = environment(RECOMMENDATIONS_DB)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    return worker(RECOMMENDATIONS_DB, "recommendations", "--rows", str(rows), "--reps", str(reps))


def recommendations_lines(measured):
    suggestions = measured["suggestions"]
    return (
        f"- UHRI import of {measured['rows']:,} rows ({measured['file_mb']:.1f} MB .xlsx): "
        f"{measured['import_s']:.1f} s to import ({measured['preview_s']:.1f} s to preview), "
        f"{measured['reimport_s']:.1f} s to import again ({measured['reimport_unchanged']:,} rows unchanged)\n"
        f"- overlap suggestions over {measured['recommendations']:,} recommendations: median "
        f"{suggestions['median'] * 1000:.0f} ms, p95 {suggestions['p95'] * 1000:.0f} ms ({suggestions['reps']} runs)"
    )


def finish(results, out):
    checks = targets(results)
    results["targets"] = [{"target": t, "met": met, "measured": m} for t, met, m in checks]
    (out / "bench.json").write_text(json.dumps(results, indent=1))
    chart(results, out / "bench.png")
    (out / "bench.md").write_text(markdown(results))
    log("")
    log(table(results))
    log("")
    for target, met, measured in checks:
        mark = {True: "met", False: "MISSED", None: "not measured"}[met]
        log(f"- {target}: {mark} ({measured})")
    log(f"\nwrote {out / 'bench.json'} and {out / 'bench.png'} in {results['meta']['seconds']:.0f} s")
    broken = [
        f"{size}: {name} ({result['reason']})"
        for size, size_result in results["sizes"].items()
        for name, result in size_result["pages"].items()
        if "status" in result
    ]
    if broken:
        # A page that exists but fails is an error; a page not built yet is only reported.
        raise SystemExit("pages that failed: " + "; ".join(broken))


if __name__ == "__main__":
    main()
