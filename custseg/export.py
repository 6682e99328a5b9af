"""Activation export: per-segment member files and the change since the previous export.

`python -m custseg export --out DIR` reads segment_membership, segment_catalog, the
profiles and the contacts' emails (activation.activation_contacts, the restricted model) from
the warehouse and writes, for every segment in the catalog:

    DIR/segments/<segment_id>/members.csv|.parquet   everyone exportable now (full list)
    DIR/segments/<segment_id>/added.csv|.parquet     new since the previous export, or whose
                                                      email / domain changed (upsert these)
    DIR/segments/<segment_id>/removed.csv|.parquet   exported last time, not any more (delete)
    DIR/export_manifest.json                         the run: as-of date and counts per segment
    DIR/state/CURRENT.json                           which state version is current, and its as-of date
    DIR/state/<version>/<segment_id>.parquet         what the destination holds after that run

members and added carry the id and the email (contacts) or website domain (accounts).
removed and the state carry no plain email: contacts are kept as contact_id and
email_sha256 (SHA-256 of the normalised email, lower-case hex), so a person erased on
request (docs/privacy.md) is removed from each destination by id and hash, and the export
folder holds no email of anyone it no longer sends. Account rows keep the domain (company
data). A state written by an older version (contact_id, email) is read and hashed.

Exportable = a member outside the holdout; contacts also need marketing consent, must not be
deleted and need an email; accounts need a website domain. Unchanged members appear in no
diff file, so a sync tool that sends added and removed never re-sends them.

Crash safety: every file is written under a temporary name, flushed and renamed. The new
state goes into a new version folder; the switch from the old state to the new one is the
atomic rename of state/CURRENT.json, the run's very last write (older versions are deleted
after it). A run killed at any instant before that switch leaves the previous state current,
and the next run diffs against it again: it writes the same added and removed files as the
interrupted run would have. The steps of the write sequence are in FAULT_STEPS
(CUSTSEG_FAULT_AT, see custseg.durable). An older layout (state/<segment_id>.parquet) is read
as the previous state and replaced by the first run.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from custseg import layers
from custseg.durable import (
    UserError,
    atomic_write,
    atomic_write_text,
    connect_duckdb,
    fault_point,
    fsync_dir,
    fsync_file,
    is_temp_name,
    read_json_file,
)

ID_COLUMN = {"contact": "contact_id", "account": "account_id"}
CONTACT_POINT = {"contact": "email", "account": "website_domain"}
# What the state and removed files keep of the contact point.
STATE_POINT = {"contact": "email_sha256", "account": "website_domain"}
TARGETS = ("duckdb", "postgres")

CATALOG_SQL = 'select segment_id, entity_type, as_of_date from {segments}."segment_catalog"'

MEMBERS_SQL = """
select
    membership.segment_id,
    membership.entity_type,
    membership.entity_id,
    membership.is_holdout,
    coalesce(contacts.marketing_consent, false) as has_consent,
    coalesce(contacts.is_deleted, false) as is_deleted,
    case
        when membership.entity_type = 'contact' then activation.email
        else accounts.website_domain
    end as contact_point
from {segments}."segment_membership" as membership
left join {marts}."contact_profile" as contacts
    on membership.entity_type = 'contact' and membership.entity_id = contacts.contact_id
left join {activation}."activation_contacts" as activation
    on membership.entity_type = 'contact' and membership.entity_id = activation.contact_id
left join {marts}."account_profile" as accounts
    on membership.entity_type = 'account' and membership.entity_id = accounts.account_id
"""


@dataclass
class SegmentExport:
    segment_id: str
    entity_type: str
    members: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    excluded_holdout: int = 0
    excluded_no_consent: int = 0
    excluded_deleted: int = 0
    excluded_no_contact_point: int = 0


@dataclass
class ExportSummary:
    out_dir: str
    as_of_date: str | None
    previous_as_of_date: str | None
    exported_at: str
    segments: list[SegmentExport] = field(default_factory=list)

    def line(self) -> str:
        added = sum(s.added for s in self.segments)
        removed = sum(s.removed for s in self.segments)
        members = sum(s.members for s in self.segments)
        return (
            f"exported {len(self.segments)} segments as of {self.as_of_date}: {members:,} members, "
            f"{added:,} added, {removed:,} removed (previous export: {self.previous_as_of_date or 'none'})"
        )


# (layer, table) of every table the export reads.
SEGMENT_TABLES = (
    ("segments", "segment_catalog"),
    ("segments", "segment_membership"),
    ("marts", "contact_profile"),
    ("marts", "account_profile"),
    ("activation", "activation_contacts"),
)

# The export's write sequence, in order; CUSTSEG_FAULT_AT=<step> kills the process there.
FAULT_STEPS = (
    "export:read",  # warehouse and previous state read, nothing written yet
    "export:segment_file_temp",  # first segment file flushed under its temporary name
    "export:segment_files_partial",  # the first segment's files written, the others not
    "export:segment_files",  # every segment's members/added/removed written
    "export:manifest_temp",  # export_manifest.json flushed under its temporary name
    "export:manifest",  # export_manifest.json renamed into place
    "export:state_files_partial",  # first file of the new state version written
    "export:state_files",  # the new state version complete and flushed, not yet current
    "export:state_pointer_temp",  # state/CURRENT.json flushed under its temporary name
    "export:state_committed",  # the new state is current; older versions not yet deleted
    "export:done",  # older versions deleted
)
# Steps after which the new state is current: a rerun then has nothing left to send.
COMMITTED_STEPS = ("export:state_committed", "export:done")

STATE_POINTER = "CURRENT.json"
REMEDY = (
    "restore it from a backup, or delete the folder {state} to start a full export "
    "(everyone is then sent as added, and removals since the last export are not sent)"
)


def _check_tables(present: set[tuple[str, str]], where: str) -> None:
    missing = [
        f"{layers.schema(layer)}.{table}"
        for layer, table in SEGMENT_TABLES
        if (layers.schema(layer), table) not in present
    ]
    if missing:
        raise UserError(
            f"{where} has no {', '.join(missing)}: run `make build` (or set DBT_SCHEMA_PREFIX as the build did)"
        )


TABLES_SQL = "select table_schema, table_name from information_schema.tables"


def _read_duckdb(queries: tuple[str, ...], database: Path) -> list[pd.DataFrame]:
    if not database.exists():
        raise FileNotFoundError(f"no DuckDB warehouse at {database}: run `make build` or set DBT_DUCKDB_PATH")
    with connect_duckdb(database, read_only=True) as con:
        _check_tables(set(con.execute(TABLES_SQL).fetchall()), str(database))
        return [con.execute(sql).df() for sql in queries]


def _read_postgres(queries: tuple[str, ...]) -> list[pd.DataFrame]:
    from custseg.load_postgres import connect

    frames = []
    with connect() as con, con.cursor() as cur:
        cur.execute(TABLES_SQL)
        _check_tables(set(cur.fetchall()), f"PostgreSQL database {con.info.dbname}")
        for sql in queries:
            cur.execute(sql)
            names = [column.name for column in cur.description]
            frames.append(pd.DataFrame(cur.fetchall(), columns=names))
    return frames


def read_warehouse(target: str, database: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The catalog (segment_id, entity_type, as_of_date) and every membership with the
    flags that decide exportability."""
    if target not in TARGETS:
        raise ValueError(f"export supports targets {', '.join(TARGETS)}, got '{target}'")
    names = {layer: f'"{layers.schema(layer)}"' for layer in ("segments", "marts", "activation")}
    queries = (CATALOG_SQL.format(**names), MEMBERS_SQL.format(**names))
    if target == "duckdb":
        from custseg.load import duckdb_path

        return tuple(_read_duckdb(queries, database or duckdb_path()))
    return tuple(_read_postgres(queries))


def exportable(members: pd.DataFrame) -> pd.DataFrame:
    """Members that may be sent: outside the holdout; contacts with consent, not deleted;
    and with an email (contacts) or a website domain (accounts)."""
    is_contact = members["entity_type"] == "contact"
    keep = ~members["is_holdout"].astype(bool)
    keep &= ~is_contact | (members["has_consent"].astype(bool) & ~members["is_deleted"].astype(bool))
    keep &= members["contact_point"].notna()
    return members[keep]


def _exclusions(rows: pd.DataFrame) -> dict[str, int]:
    """Why members were left out; each member counts once, under the first reason."""
    is_contact = rows["entity_type"] == "contact"
    holdout = rows["is_holdout"].astype(bool)
    deleted = ~holdout & is_contact & rows["is_deleted"].astype(bool)
    no_consent = ~holdout & ~deleted & is_contact & ~rows["has_consent"].astype(bool)
    no_point = ~holdout & ~deleted & ~no_consent & rows["contact_point"].isna()
    return {
        "excluded_holdout": int(holdout.sum()),
        "excluded_deleted": int(deleted.sum()),
        "excluded_no_consent": int(no_consent.sum()),
        "excluded_no_contact_point": int(no_point.sum()),
    }


def _member_frame(rows: pd.DataFrame, entity_type: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            ID_COLUMN[entity_type]: rows["entity_id"].astype(str),
            CONTACT_POINT[entity_type]: rows["contact_point"].astype(str),
        }
    )
    return frame.sort_values(ID_COLUMN[entity_type]).reset_index(drop=True)


def _write(frame: pd.DataFrame, folder: Path, name: str) -> None:
    """members/added/removed as CSV and Parquet; the caller flushes the folder."""
    step = "export:segment_file_temp"
    atomic_write(folder / f"{name}.csv", lambda p: frame.to_csv(p, index=False), step, sync_dir=False)
    atomic_write(folder / f"{name}.parquet", lambda p: frame.to_parquet(p, index=False), step, sync_dir=False)


def email_sha256(email: str) -> str:
    """SHA-256 of the normalised email (trimmed, lower-cased), as lower-case hex: the hashed
    identifier destinations match on (e.g. ad platforms' customer lists)."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def state_frame(frame: pd.DataFrame, entity_type: str) -> pd.DataFrame:
    """What the state keeps of a member frame: the id and email_sha256 (contacts), or the id
    and website domain (accounts). A frame already in that form is returned as is."""
    id_column, point = ID_COLUMN[entity_type], STATE_POINT[entity_type]
    if point in frame.columns:
        return frame[[id_column, point]].reset_index(drop=True)
    hashed = frame[CONTACT_POINT[entity_type]].astype(str).map(email_sha256) if entity_type == "contact" else None
    return pd.DataFrame(
        {id_column: frame[id_column].astype(str), point: frame[point] if hashed is None else hashed}
    ).reset_index(drop=True)


def _diff(current: pd.DataFrame, previous: pd.DataFrame | None, entity_type: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(added, removed): added = current members new or with a changed contact point (with
    the plain contact point); removed = state rows of ids gone (id and hash only)."""
    if previous is None:
        return current, state_frame(current, entity_type).iloc[0:0]
    id_column, point = ID_COLUMN[entity_type], STATE_POINT[entity_type]
    now = state_frame(current, entity_type)
    before = state_frame(previous, entity_type)
    merged = now.merge(before, on=id_column, how="outer", suffixes=("", "_previous"), indicator=True)
    changed = (merged["_merge"] == "both") & (merged[point] != merged[f"{point}_previous"])
    added_ids = merged.loc[(merged["_merge"] == "left_only") | changed, id_column]
    removed_ids = merged.loc[merged["_merge"] == "right_only", id_column]
    added = current[current[id_column].isin(added_ids)].reset_index(drop=True)
    removed = before[before[id_column].isin(removed_ids)].reset_index(drop=True)
    return added, removed


@dataclass
class PreviousState:
    """The state of the last completed export: one member frame per segment."""

    folder: Path | None = None
    as_of_date: str | None = None
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


def _pointer_ok(data: object) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("version"), str)
        and bool(data["version"])
        and "/" not in data["version"]
        and not data["version"].startswith(".")
    )


def current_state_dir(out_dir: Path) -> Path | None:
    """The folder holding the current state of an export folder (None before the first export)."""
    state_dir = out_dir / "state"
    pointer = state_dir / STATE_POINTER
    remedy = REMEDY.format(state=state_dir)
    if pointer.exists():
        data = read_json_file(pointer, "export state pointer", remedy, _pointer_ok)
        folder = state_dir / data["version"]
        if not folder.is_dir():
            raise UserError(f"export state pointer {pointer} names {folder}, which does not exist; {remedy}")
        return folder
    if state_dir.is_dir() and any(state_dir.glob("*.parquet")):
        return state_dir  # the layout before versioned state folders
    return None


def read_previous_state(out_dir: Path) -> PreviousState:
    state_dir = out_dir / "state"
    folder = current_state_dir(out_dir)
    if folder is None:
        return PreviousState()
    remedy = REMEDY.format(state=state_dir)
    if folder == state_dir:
        manifest_path = out_dir / "export_manifest.json"
        manifest = (
            read_json_file(manifest_path, "export manifest", remedy, lambda d: isinstance(d, dict))
            if manifest_path.exists()
            else {}
        )
        as_of = manifest.get("as_of_date")
    else:
        as_of = read_json_file(state_dir / STATE_POINTER, "export state pointer", remedy, _pointer_ok).get("as_of_date")
    frames = {}
    for path in sorted(folder.glob("*.parquet")):
        if is_temp_name(path):
            continue
        try:
            frame = pd.read_parquet(path)
        except Exception as error:  # pyarrow raises several types for a damaged file
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise UserError(f"export state file {path} is unreadable ({reason}); {remedy}") from None
        if len(frame.columns) != 2 or not (set(frame.columns) & set(ID_COLUMN.values())):
            raise UserError(f"export state file {path} is unreadable (unexpected columns); {remedy}")
        frames[path.stem] = frame
    return PreviousState(folder=folder, as_of_date=as_of, frames=frames)


def export_segments(
    out_dir: Path,
    target: str = "duckdb",
    database: Path | None = None,
    now: datetime | None = None,
) -> ExportSummary:
    """Write the member and diff files of every segment to out_dir (see the module doc)."""
    catalog, members = read_warehouse(target, database)
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = read_previous_state(out_dir)
    for stale in [*out_dir.glob(".*.tmp-*"), *out_dir.glob("segments/*/.*.tmp-*")]:
        stale.unlink(missing_ok=True)  # left by a run that was killed
    as_of = str(pd.Timestamp(catalog["as_of_date"].iloc[0]).date()) if len(catalog) else None
    summary = ExportSummary(
        out_dir=str(out_dir),
        as_of_date=as_of,
        previous_as_of_date=previous.as_of_date,
        exported_at=(now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    fault_point("export:read")
    keep = exportable(members)
    new_state: dict[str, pd.DataFrame] = {}
    segment_types = dict(zip(catalog["segment_id"], catalog["entity_type"], strict=True))
    # Segments exported before but no longer defined: everyone is removed.
    for segment_id, frame in previous.frames.items():
        if segment_id not in segment_types:
            segment_types[segment_id] = "contact" if "contact_id" in frame.columns else "account"
    for segment_id in sorted(segment_types):
        entity_type = segment_types[segment_id]
        rows = members[members["segment_id"] == segment_id]
        current = _member_frame(keep[keep["segment_id"] == segment_id], entity_type)
        added, removed = _diff(current, previous.frames.get(segment_id), entity_type)
        folder = out_dir / "segments" / segment_id
        folder.mkdir(parents=True, exist_ok=True)
        _write(current, folder, "members")
        _write(added, folder, "added")
        _write(removed, folder, "removed")
        fsync_dir(folder)
        fault_point("export:segment_files_partial")
        new_state[segment_id] = state_frame(current, entity_type)
        summary.segments.append(
            SegmentExport(
                segment_id=segment_id,
                entity_type=entity_type,
                members=len(current),
                added=len(added),
                removed=len(removed),
                unchanged=len(current) - len(added),
                **_exclusions(rows),
            )
        )
    fault_point("export:segment_files")
    atomic_write_text(
        out_dir / "export_manifest.json", json.dumps(asdict(summary), indent=2) + "\n", "export:manifest_temp"
    )
    fault_point("export:manifest")
    _save_state(out_dir / "state", new_state, set(catalog["segment_id"]), summary)
    return summary


def _save_state(state_dir: Path, state: dict[str, pd.DataFrame], catalog_ids: set[str], summary: ExportSummary) -> None:
    """Write a new state version (one file per segment still defined: removed segments are
    fully synced as removals and then forgotten), make it current with one atomic rename of
    the pointer, then delete older versions."""
    state_dir.mkdir(parents=True, exist_ok=True)
    pointer = state_dir / STATE_POINTER
    keep = {pointer.name}
    if pointer.exists():
        remedy = REMEDY.format(state=state_dir)
        keep.add(read_json_file(pointer, "export state pointer", remedy, _pointer_ok)["version"])
    # Versions and temporary files of runs killed before their switch; the files of the
    # unversioned layout stay until a new version is current.
    _remove_except(state_dir, keep, folders_and_temporary_only=True)
    version = f"v{summary.exported_at.replace('-', '').replace(':', '')}-{secrets.token_hex(4)}"
    folder = state_dir / version
    folder.mkdir()
    for segment_id, frame in sorted(state.items()):
        if segment_id in catalog_ids:
            path = folder / f"{segment_id}.parquet"
            frame.to_parquet(path, index=False)
            fsync_file(path)
            fault_point("export:state_files_partial")
    fsync_dir(folder)
    fsync_dir(state_dir)
    fault_point("export:state_files")
    content = {"version": version, "as_of_date": summary.as_of_date, "exported_at": summary.exported_at}
    atomic_write_text(pointer, json.dumps(content, indent=2) + "\n", "export:state_pointer_temp")
    fault_point("export:state_committed")
    _remove_except(state_dir, {pointer.name, version})
    fault_point("export:done")


def _remove_except(state_dir: Path, keep: set[str], folders_and_temporary_only: bool = False) -> None:
    for path in state_dir.iterdir():
        is_folder = path.is_dir() and not path.is_symlink()
        if path.name in keep or (folders_and_temporary_only and not is_folder and not is_temp_name(path)):
            continue
        if is_folder:
            shutil.rmtree(path)
        else:
            path.unlink()
    fsync_dir(state_dir)


def holdout_bucket(salt: str, segment_id: str, entity_type: str, entity_id: str) -> int:
    """The holdout bucket (0-9999) of macro segment_holdout_bucket, computed in Python:
    int(first 8 hex digits of md5(salt|segment_id|entity_type|entity_id)) mod 10000."""
    text = f"{salt}|{segment_id}|{entity_type}|{entity_id}".encode()
    return int(hashlib.md5(text).hexdigest()[:8], 16) % 10000
