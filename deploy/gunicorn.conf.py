"""Gunicorn settings for the tracker (`gunicorn -c deploy/gunicorn.conf.py tracker.wsgi`).

Every value can be changed from the environment without editing this file.
"""

import multiprocessing
import os

# Listen on the private address the load balancer reaches; never on a public one.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: pages are short database reads, and big files go to the bucket or are
# streamed. On a 2-core box, 2 x cores + 1 = 5 workers; each holds one database connection
# (with DB_CONN_MAX_AGE) so N servers x workers must stay below PostgreSQL's max_connections.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Reports and exports may take a while; the load balancer's timeout should be longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so slow leaks cannot build up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1000))
max_requests_jitter = 100
# Uploads are buffered to disk, not memory, beyond Django's FILE_UPLOAD_MAX_MEMORY_SIZE.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)

# Only the load balancer may say which scheme and client address a request came from.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "tracker"
