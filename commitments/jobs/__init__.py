"""Background jobs: long work done by a Celery worker while the requester does something else.

- models.py: Job (who asked, what, its state, progress, result file, error, timestamps) and
  JobDownload (every download of a result).
- kinds.py:  what each kind of job does: its parameters, its work, and the writes it makes
  in the one transaction that marks it done.
- tasks.py:  the Celery tasks: run a job; start a scheduled one (from Celery beat).

Writes go through services/jobs.py (job_request() is the way in); the pages are views/jobs.py.
"""
