"""Every file the tool writes goes through here, so nothing is ever half-written, and a failed write is one
`OutputError` that names the path (the CLI prints it as one line and exits 2).

- `write_atomic` replaces a file: a temporary file in the target's folder, flushed and fsynced, then
  `os.replace`. A symlink at the target is replaced by the new file, never written through (a pull request
  can commit `build/report.html -> ~/.bashrc`); a folder, a device or a FIFO at the target is refused.
- Each temporary file is named `.<target>.<random>.ledger-tmp` and held under an exclusive `flock` while it
  is written. A writer killed mid-write (SIGKILL, power loss) leaves it behind; the next write to the same
  target removes every such file that no live process holds locked and that is older than this process.
- `write_folder_atomic` does the same for a folder of files: built in a temporary folder beside it, then
  renamed into place; a folder with contents is replaced only when the caller says so.
- `append_text` adds to a file others append to as well (GitHub's step summary); a failed append is cut
  back to the file's old length, so no half summary stays.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; stale temporary files are then left for a person to remove
    fcntl = None

TMP_SUFFIX = ".ledger-tmp"
_STARTED = time.time()  # a temporary file newer than this process may belong to a writer still running


class OutputError(Exception):
    """A file could not be written; the message names the path and the reason."""

    def __init__(self, path, reason: str):
        self.path = Path(path)
        super().__init__(f"cannot write {path}: {reason}")


def _reason(e: OSError) -> str:
    if e.errno is None:
        return str(e)
    return f"{os.strerror(e.errno)} ({errno.errorcode.get(e.errno, e.errno)})"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_dirs(folder: Path) -> None:
    """Create `folder` and its parents, or raise OutputError (a file in the way, a read-only parent)."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(folder, "a file, not a folder, is in the way") from None
    except OSError as e:
        raise OutputError(folder, _reason(e)) from None


def _parent(path: Path) -> Path:
    """The folder an output goes into, resolved; OutputError if it is missing or cannot be reached."""
    try:
        return path.parent.resolve(strict=True)
    except FileNotFoundError:
        raise OutputError(path, f"folder {path.parent} does not exist") from None
    except OSError as e:
        raise OutputError(path, _reason(e)) from None


def _target(path: Path) -> tuple[Path, int | None]:
    """The path to replace (the parent resolved, the last component kept: a symlink is replaced, not followed)
    and the permission bits of the regular file there, if any."""
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise OutputError(path, "it names a folder, not a file")
    parent = _parent(path)
    if not parent.is_dir():
        raise OutputError(path, f"{path.parent} is not a folder")
    target = parent / path.name
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return target, None
    except OSError as e:
        raise OutputError(path, _reason(e)) from None
    if stat.S_ISLNK(st.st_mode):
        return target, None  # the link itself is replaced; its target is left alone
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(path, "it is a folder")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(path, "it is not a regular file (a device, FIFO or socket)")
    return target, stat.S_IMODE(st.st_mode)


def check_target(path: Path) -> None:
    """Raise OutputError now if `path` could not be replaced (a folder, a device, a missing or non-folder
    parent), so that a command fails before its slow work, not after it."""
    _target(path)


def _lock(fd: int) -> bool:
    """Take the exclusive lock of a temporary file without waiting; False if a live process holds it."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def stale_temp_files(target: Path) -> list[Path]:
    """Temporary files of earlier writes to `target` whose writer is gone: none holds its lock, and it is
    older than this process (one made since may belong to a writer that has not locked it yet)."""
    if fcntl is None:
        return []
    target = Path(target)
    stale = []
    with contextlib.suppress(OSError):
        for p in target.parent.glob(f".{glob_escape(target.name)}.*{TMP_SUFFIX}"):
            try:
                fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:
                continue
            try:
                st = os.fstat(fd)
                if stat.S_ISREG(st.st_mode) and st.st_mtime < _STARTED and _lock(fd):
                    stale.append(p)
            finally:
                os.close(fd)  # closing drops the probe's lock
    return stale


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Remove the stale temporary files of `target` (see stale_temp_files); returns those removed."""
    removed = []
    for p in stale_temp_files(target):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            removed.append(p)
    return removed


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a reader (or a crash) sees the old file or the new one, never half.

    The temporary file sits in the target's folder (os.replace is atomic only within one file system),
    is locked while written, flushed and fsynced before the rename, keeps an existing file's permission
    bits, and is removed if anything fails. Any OSError becomes an OutputError naming `path`.
    """
    target, mode = _target(path)
    remove_stale_temp_files(target)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TMP_SUFFIX)
    except OSError as e:
        raise OutputError(path, _reason(e)) from None
    fh = os.fdopen(fd, "wb")
    try:
        _lock(fd)  # held until the rename: another process's cleanup leaves this file alone
        _write_all(fh, data)
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())  # what open() would give, not 0600
        if fcntl is None:
            fh.close()  # Windows cannot rename an open file
        os.replace(tmp, target)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(path, _reason(e)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        with contextlib.suppress(OSError):
            fh.close()
    _fsync_dir(target.parent)


def _write_all(fh, data: bytes) -> None:
    """Write, flush and fsync: the hook a test slows down or makes fail (ENOSPC)."""
    fh.write(data)
    fh.flush()
    os.fsync(fh.fileno())


def append_text(path: Path, text: str) -> None:
    """Append `text` (UTF-8) to `path`, creating it; on failure the file is cut back to its old length and
    OutputError is raised."""
    path = Path(path)
    try:
        # O_NONBLOCK: a FIFO with no reader fails at once instead of hanging the run
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o666)
    except OSError as e:
        raise OutputError(path, _reason(e)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISCHR(st.st_mode):
            raise OutputError(path, "it is not a regular file")
        size = st.st_size
        try:
            data = text.encode("utf-8")
            while data:
                data = data[os.write(fd, data):]
        except OSError as e:
            if stat.S_ISREG(st.st_mode):
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)  # no half summary: drop what this call appended
            raise OutputError(path, _reason(e)) from None
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (POSIX); best effort elsewhere."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def folder_target(folder: Path) -> tuple[Path, bool]:
    """The folder to replace (its parent resolved) and whether it has contents; OutputError if a
    symlink or a file is in the way, or the parent is missing."""
    folder = Path(folder)
    if folder.name in ("", ".", ".."):
        raise OutputError(folder, "name the folder to create, not . or ..")
    parent = _parent(folder)
    target = parent / folder.name
    if target.is_symlink():
        raise OutputError(folder, "it is a symlink")
    if target.exists() and not target.is_dir():
        raise OutputError(folder, "a file, not a folder, is in the way")
    try:
        return target, target.is_dir() and any(target.iterdir())
    except OSError as e:
        raise OutputError(folder, _reason(e)) from None


def write_folder_atomic(folder: Path, files: dict[str, bytes], *, replace: bool = False) -> None:
    """Make `folder` hold exactly `files` (relative path -> bytes), so that a reader sees the old folder or
    the new one, never half of it: the files are written and fsynced in a temporary folder beside it,
    which is then renamed to `folder`.

    A missing or empty `folder` is replaced by one rename. A folder with contents is refused unless
    `replace` (the caller decides it holds nothing worth keeping); it is then renamed aside, the new
    one renamed in, and the old one removed; if the second rename fails the old folder is put back.
    A symlink or a file at `folder` is refused. Any OSError becomes an OutputError naming `folder`."""
    target, occupied = folder_target(folder)
    if occupied and not replace:
        raise OutputError(folder, "the folder exists and is not empty")
    parent = target.parent
    remove_stale_temp_folders(target)
    try:
        tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=TMP_SUFFIX))
    except OSError as e:
        raise OutputError(folder, _reason(e)) from None
    fd = None
    try:
        fd = os.open(tmp, os.O_RDONLY)
        _lock(fd)  # held until the rename: another process's cleanup leaves this folder alone
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private (0700)
        for rel, data in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                _write_all(fh, data)
        for sub in sorted({(tmp / rel).parent for rel in files}, key=lambda p: -len(p.parts)):
            _fsync_dir(sub)
        if occupied:
            aside = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.old.", suffix=TMP_SUFFIX))
            os.replace(target, aside)  # onto the empty folder just made: a name no one else holds
            try:
                os.replace(tmp, target)
            except OSError:
                os.replace(aside, target)
                raise
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(tmp, target)  # rename(2) replaces an empty folder
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(folder, _reason(e)) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if fd is not None:
            os.close(fd)
    _fsync_dir(parent)


def remove_stale_temp_folders(target: Path) -> list[Path]:
    """Remove the temporary folders of earlier folder writes to `target` whose writer is gone (as for
    files: none holds its lock, and it is older than this process); returns those removed."""
    if fcntl is None:
        return []
    target = Path(target)
    removed = []
    with contextlib.suppress(OSError):
        for p in target.parent.glob(f".{glob_escape(target.name)}.*{TMP_SUFFIX}"):
            try:
                fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:
                continue  # not a folder (a temporary file of write_atomic) or gone
            try:
                if os.fstat(fd).st_mtime < _STARTED and _lock(fd):
                    shutil.rmtree(p, ignore_errors=True)
                    removed.append(p)
            finally:
                os.close(fd)
    return removed
