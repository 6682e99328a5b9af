"""Files kept between runs, written so that a crash never leaves half of one; user errors.

Every file a command keeps for its next run (the export state and manifest, the checkpoint
baselines) is written under a temporary name in its own folder, flushed to disk and renamed
over the old one (`os.replace`, atomic on POSIX): a process killed at any instant leaves the
old file or the new one, never a mix.

Fault injection: set `CUSTSEG_FAULT_AT=<step>` and the process dies at that step, as if killed
(`os._exit(137)`, no clean-up, no `finally`). The steps are the names passed to `fault_point`
(the export's are listed in `custseg.export.FAULT_STEPS`, the checkpoint's in
`custseg.validate.FAULT_STEPS`). A step reached several times fires the first time. Tests use
it to check that a rerun after a kill at any step gives the same result as a run that was
never interrupted.

`UserError` is an error the user can act on; the command line prints its one-line message
and exits with code 2 (no traceback). `connect_duckdb` turns DuckDB's lock conflict into one.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

FAULT_ENV = "CUSTSEG_FAULT_AT"
FAULT_EXIT_CODE = 137  # what a shell reports for a process killed with SIGKILL


class UserError(Exception):
    """A problem with the input or the environment that the user can fix (exit code 2)."""


def fault_point(step: str) -> None:
    """Die here, like a killed process, when $CUSTSEG_FAULT_AT names this step."""
    if os.environ.get(FAULT_ENV) == step:
        sys.stderr.write(f"fault injected: killed at step {step}\n")
        sys.stderr.flush()
        os._exit(FAULT_EXIT_CODE)


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in this folder durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def is_temp_name(path: Path) -> bool:
    return path.name.startswith(".") and ".tmp-" in path.name


def atomic_write(path: Path, write: Callable[[Path], None], step: str | None = None, sync_dir: bool = True) -> None:
    """Write `path` through `write(temporary_path)`, flush it to disk and rename it into place.
    `step` names the fault point between the flushed temporary file and the rename; with
    `sync_dir=False` the caller flushes the folder (once for several files)."""
    temporary = temp_name(path)
    try:
        write(temporary)
        fsync_file(temporary)
        if step:
            fault_point(step)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str, step: str | None = None) -> None:
    atomic_write(path, lambda temporary: temporary.write_text(text), step)


def read_json_file(path: Path, what: str, remedy: str, check: Callable[[object], bool] | None = None):
    """The JSON content of a file kept between runs, or a UserError naming the file, what is
    wrong with it and what to do (`remedy`)."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{what} {path} is unreadable ({error}); {remedy}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        kind = "empty" if not text.strip() else "truncated JSON" if truncated else f"invalid JSON: {error.msg}"
        raise UserError(f"{what} {path} is unreadable ({kind}); {remedy}") from None
    if check is not None and not check(data):
        raise UserError(f"{what} {path} is unreadable (unexpected content); {remedy}")
    return data


_LOCK_PID = re.compile(r"PID (\d+)")


def connect_duckdb(path: Path, read_only: bool = False):
    """duckdb.connect, with a lock held by another process turned into a UserError that says
    which process holds it."""
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        message = str(error)
        if "lock" not in message.lower():
            raise
        match = _LOCK_PID.search(message)
        holder = f"process {match.group(1)}" if match else "another process"
        raise UserError(
            f"the DuckDB warehouse {path} is locked by {holder} (a dbt build may be running): "
            "wait for it to finish or stop it, then retry"
        ) from None
