"""Backups of all data and evidence files in one archive, optionally encrypted.

An archive is a gzip'd tar holding, in this order:
- manifest.json: format version, row counts per model, name/size/SHA-256 of every file;
- data.json: every row (`dumpdata` with natural foreign keys, so it loads into any
  freshly migrated database, SQLite or PostgreSQL);
- files/<storage name>: each stored file referenced by a row.

Encrypted archives (with TRACKER_BACKUP_KEY) are the same bytes cut into chunks sealed with
AES-256-GCM; the nonce of each chunk carries its position and whether it is the last, so a
chunk cannot be dropped, reordered or the archive cut short without restore noticing.
"""

import base64
import datetime
import hashlib
import io
import json
import os
import struct
import tarfile
import tempfile

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, models, transaction

FORMAT = 1
MAGIC = b"TRACKER-BACKUP-AESGCM-1\n"
CHUNK = 1024 * 1024
EXCLUDED = ["contenttypes", "auth.permission"]  # recreated by migrate; referenced by natural key


class BackupError(Exception):
    pass


def new_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _key_bytes(key):
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise BackupError("The backup key must be 32 bytes in URL-safe base64 (make one with `backup --new-key`).")
    return raw


class _EncryptingWriter(io.RawIOBase):
    def __init__(self, raw, key):
        self.raw = raw
        self.aead = AESGCM(_key_bytes(key))
        self.prefix = os.urandom(7)
        self.counter = 0
        self.buffer = bytearray()
        raw.write(MAGIC + self.prefix)

    def writable(self):
        return True

    def write(self, data):
        self.buffer.extend(data)
        while len(self.buffer) > CHUNK:
            self._seal(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _seal(self, chunk, *, last):
        nonce = self.prefix + struct.pack(">I", self.counter) + (b"\x01" if last else b"\x00")
        sealed = self.aead.encrypt(nonce, chunk, None)
        self.raw.write(struct.pack(">I", len(sealed)) + sealed)
        self.counter += 1

    def close(self):
        if not self.closed:
            self._seal(bytes(self.buffer), last=True)
            self.buffer.clear()
        super().close()


class _DecryptingReader(io.RawIOBase):
    def __init__(self, raw, key):
        self.raw = raw
        self.aead = AESGCM(_key_bytes(key))
        self.prefix = raw.read(7)
        self.counter = 0
        self.pending = b""
        self.finished = False

    def readable(self):
        return True

    def readinto(self, target):
        while not self.pending and not self.finished:
            self._open_next()
        n = min(len(target), len(self.pending))
        target[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n

    def _open_next(self):
        header = self.raw.read(4)
        if len(header) < 4:
            raise BackupError("The backup is cut short.")
        sealed = self.raw.read(struct.unpack(">I", header)[0])
        for last in (False, True):
            nonce = self.prefix + struct.pack(">I", self.counter) + (b"\x01" if last else b"\x00")
            try:
                self.pending = self.aead.decrypt(nonce, sealed, None)
            except Exception:
                continue
            self.counter += 1
            self.finished = last
            if last and self.raw.read(1):
                raise BackupError("The backup has data after its end.")
            return
        raise BackupError("The backup cannot be decrypted: wrong key, or the file is damaged.")


def file_fields():
    """(model, field) for every file field of every installed model."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                yield model, field


def stored_file_names():
    names = set()
    for model, field in file_fields():
        names.update(
            model._default_manager.exclude(**{field.name: ""})
            .exclude(**{f"{field.name}__isnull": True})
            .values_list(field.name, flat=True)
        )
    return sorted(names)


def row_counts():
    skip = {"contenttypes", "auth.permission"}
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in skip and model._meta.label_lower not in skip and model._meta.managed
    }


def _sha256_of(fileobj):
    digest = hashlib.sha256()
    size = 0
    for block in iter(lambda: fileobj.read(CHUNK), b""):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.datetime.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def backup_write(*, out, key="", storage=None):
    """Write a backup of every row and every stored file to the binary stream `out`."""
    storage = storage or default_storage
    with tempfile.TemporaryDirectory() as tmp:
        data_path = os.path.join(tmp, "data.json")
        # One transaction so rows and files listed agree (a snapshot on PostgreSQL).
        with transaction.atomic():
            call_command("dumpdata", natural_foreign=True, exclude=EXCLUDED, output=data_path, verbosity=0)
            counts = row_counts()
            names = stored_file_names()
        files, missing = [], []
        for name in names:
            if not storage.exists(name):
                missing.append(name)
                continue
            with storage.open(name, "rb") as handle:
                sha256, size = _sha256_of(handle)
            files.append({"name": name, "sha256": sha256, "size": size})
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "counts": counts,
            "files": files,
            "missing_files": missing,
        }
        sink = _EncryptingWriter(out, key) if key else out
        with tarfile.open(fileobj=sink, mode="w|gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            tar.add(data_path, arcname="data.json")
            for entry in files:
                info = tarfile.TarInfo(f"files/{entry['name']}")
                info.size = entry["size"]
                with storage.open(entry["name"], "rb") as handle:
                    tar.addfile(info, handle)
        if key:
            sink.close()
    return manifest


def _open_archive(raw, key):
    head = raw.read(len(MAGIC))
    if head == MAGIC:
        if not key:
            raise BackupError("This backup is encrypted: set TRACKER_BACKUP_KEY to the key it was made with.")
        return _DecryptingReader(raw, key)
    raw.seek(0)
    return raw


def _flush():
    """Delete every row. Deferred foreign-key checks are settled first: PostgreSQL refuses to
    empty a table with checks still pending in the transaction."""
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)


def _walk(path, key, on_data, on_file):
    """Read an archive in order, checking every file against the manifest."""
    with open(path, "rb") as raw:
        source = _open_archive(raw, key)
        try:
            with tarfile.open(fileobj=source, mode="r|gz") as tar:
                manifest = None
                expected = {}
                seen = set()
                for member in tar:
                    handle = tar.extractfile(member) if member.isfile() else None
                    if member.name == "manifest.json":
                        manifest = json.loads(handle.read())
                        if manifest.get("format") != FORMAT:
                            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
                        expected = {entry["name"]: entry for entry in manifest["files"]}
                    elif member.name == "data.json":
                        on_data(handle)
                    elif member.name.startswith("files/"):
                        name = member.name[len("files/") :]
                        if name not in expected:
                            raise BackupError(f"The backup holds a file its manifest does not list: {name}")
                        on_file(name, handle, expected[name])
                        seen.add(name)
                if manifest is None:
                    raise BackupError("The backup has no manifest.")
                if seen != set(expected):
                    raise BackupError("The backup lacks files its manifest lists.")
                return manifest
        except (tarfile.TarError, EOFError, OSError) as error:
            raise BackupError(f"The backup is damaged: {error}") from error


class _HashingReader:
    """A read-once stream that hashes what passes through it, for storages to save from."""

    closed = False

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self):
        return True

    def seekable(self):
        return False

    def read(self, size=-1):
        block = self.handle.read(size)
        self.digest.update(block)
        return block


def backup_verify(path, *, key=""):
    """Read a whole archive and check it, changing nothing. Returns its manifest."""

    def on_file(name, handle, entry):
        sha256, _size = _sha256_of(handle)
        if sha256 != entry["sha256"]:
            raise BackupError(f"File {name} in the backup is damaged.")

    return _walk(path, key, lambda handle: handle.read(), on_file)


def backup_restore(path, *, key="", storage=None):
    """Replace every row and stored file with those of the archive at `path`.

    The archive is checked in full first; nothing is changed if it is damaged. Rows are
    replaced in one transaction.
    """
    storage = storage or default_storage
    manifest = backup_verify(path, key=key)
    with tempfile.TemporaryDirectory() as tmp:
        data_path = os.path.join(tmp, "data.json")

        def on_data(handle):
            with open(data_path, "wb") as target:
                for block in iter(lambda: handle.read(CHUNK), b""):
                    target.write(block)
            _flush()
            call_command("loaddata", data_path, verbosity=0)
            counts = row_counts()
            for label, count in manifest["counts"].items():
                if counts.get(label) != count:
                    raise BackupError(f"{label}: {counts.get(label)} rows after restore, {count} in the backup.")

        def on_file(name, handle, entry):
            if storage.exists(name):
                storage.delete(name)
            reader = _HashingReader(handle)
            saved = storage.save(name, File(reader, name=os.path.basename(name)))
            if saved != name or reader.digest.hexdigest() != entry["sha256"]:
                raise BackupError(f"File {name} could not be restored under its own name.")

        # Rows are replaced in one transaction; files are written after their rows.
        with transaction.atomic():
            _walk(path, key, on_data, on_file)
    return manifest
