"""Activation export: per-segment member files and the change since the previous export.

`python -m custseg export --out DIR` reads segment_membership, segment_catalog and the
profiles from the warehouse and writes, for every segment in the catalog:

    DIR/segments/<segment_id>/members.csv|.parquet   everyone exportable now (full list)
    DIR/segments/<segment_id>/added.csv|.parquet     new since the previous export, or whose
                                                      email / domain changed (upsert these)
    DIR/segments/<segment_id>/removed.csv|.parquet   exported last time, not any more (delete)
    DIR/export_manifest.json                         the run: as-of date and counts per segment
    DIR/state/<segment_id>.parquet                   what the destination holds after this run

Exportable = a member outside the holdout; contacts also need marketing consent, must not be
deleted and need an email; accounts need a website domain. Unchanged members appear in no
diff file, so a sync tool that sends added and removed never re-sends them. The state is
written last: a run that fails half way leaves the previous state, and the next run diffs
against it again.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

ID_COLUMN = {"contact": "contact_id", "account": "account_id"}
CONTACT_POINT = {"contact": "email", "account": "website_domain"}
TARGETS = ("duckdb", "postgres")
DEFAULT_SCHEMA = {"duckdb": "main", "postgres": "analytics"}

CATALOG_SQL = 'select segment_id, entity_type, as_of_date from {schema}."segment_catalog"'

MEMBERS_SQL = """
select
    membership.segment_id,
    membership.entity_type,
    membership.entity_id,
    membership.is_holdout,
    coalesce(contacts.marketing_consent, false) as has_consent,
    coalesce(contacts.is_deleted, false) as is_deleted,
    case
        when membership.entity_type = 'contact' then contacts.email_normalized
        else accounts.website_domain
    end as contact_point
from {schema}."segment_membership" as membership
left join {schema}."contact_profile" as contacts
    on membership.entity_type = 'contact' and membership.entity_id = contacts.contact_id
left join {schema}."account_profile" as accounts
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


def _schema(target: str, schema: str | None) -> str:
    return schema or os.environ.get("DBT_SCHEMA", DEFAULT_SCHEMA[target])


def _read_duckdb(sql: str, database: Path) -> pd.DataFrame:
    import duckdb

    if not database.exists():
        raise FileNotFoundError(f"no DuckDB warehouse at {database}: run `make build` or set DBT_DUCKDB_PATH")
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).df()


def _read_postgres(sql: str) -> pd.DataFrame:
    from custseg.load_postgres import connect

    with connect() as con, con.cursor() as cur:
        cur.execute(sql)
        names = [column.name for column in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=names)


def read_warehouse(
    target: str, database: Path | None = None, schema: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The catalog (segment_id, entity_type, as_of_date) and every membership with the
    flags that decide exportability."""
    if target not in TARGETS:
        raise ValueError(f"export supports targets {', '.join(TARGETS)}, got '{target}'")
    quoted = f'"{_schema(target, schema)}"'
    queries = (CATALOG_SQL.format(schema=quoted), MEMBERS_SQL.format(schema=quoted))
    if target == "duckdb":
        from custseg.load import duckdb_path

        path = database or duckdb_path()
        return _read_duckdb(queries[0], path), _read_duckdb(queries[1], path)
    return _read_postgres(queries[0]), _read_postgres(queries[1])


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
    frame.to_csv(folder / f"{name}.csv", index=False)
    frame.to_parquet(folder / f"{name}.parquet", index=False)


def _diff(current: pd.DataFrame, previous: pd.DataFrame | None, id_column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(added, removed): added = ids new or with a changed contact point; removed = ids gone."""
    if previous is None:
        return current, current.iloc[0:0]
    merged = current.merge(previous, on=id_column, how="outer", suffixes=("", "_previous"), indicator=True)
    point = [c for c in current.columns if c != id_column][0]
    changed = (merged["_merge"] == "both") & (merged[point] != merged[f"{point}_previous"])
    added_ids = merged.loc[(merged["_merge"] == "left_only") | changed, id_column]
    removed_ids = merged.loc[merged["_merge"] == "right_only", id_column]
    added = current[current[id_column].isin(added_ids)].reset_index(drop=True)
    removed = previous[previous[id_column].isin(removed_ids)].reset_index(drop=True)
    return added, removed


def _previous_state(state_dir: Path, segment_id: str) -> pd.DataFrame | None:
    path = state_dir / f"{segment_id}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def export_segments(
    out_dir: Path,
    target: str = "duckdb",
    database: Path | None = None,
    schema: str | None = None,
    now: datetime | None = None,
) -> ExportSummary:
    """Write the member and diff files of every segment to out_dir (see the module doc)."""
    catalog, members = read_warehouse(target, database, schema)
    out_dir.mkdir(parents=True, exist_ok=True)
    state_dir = out_dir / "state"
    manifest_path = out_dir / "export_manifest.json"
    previous_manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    as_of = str(pd.Timestamp(catalog["as_of_date"].iloc[0]).date()) if len(catalog) else None
    summary = ExportSummary(
        out_dir=str(out_dir),
        as_of_date=as_of,
        previous_as_of_date=previous_manifest.get("as_of_date"),
        exported_at=(now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    keep = exportable(members)
    new_state: dict[str, pd.DataFrame] = {}
    segment_types = dict(zip(catalog["segment_id"], catalog["entity_type"], strict=True))
    # Segments exported before but no longer defined: everyone is removed.
    for path in sorted(state_dir.glob("*.parquet")) if state_dir.exists() else []:
        if path.stem not in segment_types:
            previous = pd.read_parquet(path)
            segment_types[path.stem] = "contact" if "contact_id" in previous.columns else "account"
    for segment_id in sorted(segment_types):
        entity_type = segment_types[segment_id]
        rows = members[members["segment_id"] == segment_id]
        current = _member_frame(keep[keep["segment_id"] == segment_id], entity_type)
        added, removed = _diff(current, _previous_state(state_dir, segment_id), ID_COLUMN[entity_type])
        folder = out_dir / "segments" / segment_id
        folder.mkdir(parents=True, exist_ok=True)
        _write(current, folder, "members")
        _write(added, folder, "added")
        _write(removed, folder, "removed")
        new_state[segment_id] = current
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
    _save_state(state_dir, new_state, catalog_ids=set(catalog["segment_id"]))
    manifest_path.write_text(json.dumps(asdict(summary), indent=2) + "\n")
    return summary


def _save_state(state_dir: Path, state: dict[str, pd.DataFrame], catalog_ids: set[str]) -> None:
    """Replace the state folder: one file per segment still defined (removed segments are
    fully synced as removals and then forgotten)."""
    staging = state_dir.with_name(state_dir.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for segment_id, frame in state.items():
        if segment_id in catalog_ids:
            frame.to_parquet(staging / f"{segment_id}.parquet", index=False)
    if state_dir.exists():
        shutil.rmtree(state_dir)
    staging.rename(state_dir)


def holdout_bucket(salt: str, segment_id: str, entity_type: str, entity_id: str) -> int:
    """The holdout bucket (0-9999) of macro segment_holdout_bucket, computed in Python:
    int(first 8 hex digits of md5(salt|segment_id|entity_type|entity_id)) mod 10000."""
    import hashlib

    text = f"{salt}|{segment_id}|{entity_type}|{entity_id}".encode()
    return int(hashlib.md5(text).hexdigest()[:8], 16) % 10000
