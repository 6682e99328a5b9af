"""Activation export: per-segment member files and the change since the previous export.

`python -m custseg export --out DIR` reads segment_membership, segment_catalog, the account
profiles and the restricted activation model (activation.activation_contacts: contact
fields and suppression; activation_erased_contacts: erased ids as hashes) from the warehouse
and writes, for every segment in the catalog:

    DIR/segments/<id>/members.csv|.parquet   everyone sent now (full list), generic format
    DIR/segments/<id>/added.csv|.parquet     new since the previous export, or whose email,
                                             phone or domain changed (upsert these)
    DIR/segments/<id>/removed.csv|.parquet   what to delete, with a reason (see below)
    DIR/segments/<id>/customer_match/members|added|removed.csv
                                             the same three lists as hashed customer-match
                                             uploads (contact segments; custseg.export_formats)
    DIR/export_manifest.json                 the run: as-of date, counts per segment and reason
    DIR/state/CURRENT.json                   which state version is current, and its as-of date
    DIR/state/<version>/<segment_id>.parquet what the destinations hold after that run

Generic members and added: contact_id, account_id, email, first_name, last_name,
country_code, language_code, marketing_consent (contacts); account_id, website_domain
(accounts). removed and the state carry no plain email, phone or name: contacts are kept as
contact_id, email_sha256 and phone_sha256 (the hashes of the customer-match file), so a
person erased on request (docs/privacy.md) is removed from each destination by id and hash,
and the export folder holds no email of anyone it no longer sends. Account rows keep the
domain (company data). A state written by an older version (contact_id and email; or no
phone_sha256) is read and hashed; its phones are compared from the next run on.

Who is sent: a member outside the holdout; a contact with an email and no
activation_contacts.suppression_reason (deleted, no consent, unsubscribed after the consent,
hard-bounced); an account with a website domain. Each member left out counts once, under
the first reason (EXCLUSIONS), in the manifest's excluded_<reason>. removed.reason:
    left_segment           no longer a member
    <an exclusion>         still a member, but no longer sent (e.g. unsubscribed)
    erased                 erased on request since the previous export (also counted as
                           excluded_erased)
    contact_point_changed  still sent, but its email, phone or domain changed: the row holds
                           the old value of what changed (the others are empty). Email- and
                           hash-keyed destinations (customer lists) delete it; id-keyed ones
                           skip it, as the id is in added with the new value.
Unchanged members appear in no diff file, so a sync tool that sends added and removed never
re-sends them.

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
from custseg.export_formats import (
    customer_match,
    customer_match_removals,
    email_sha256,
    generic_contacts,
    phone_sha256,
)

ID_COLUMN = {"contact": "contact_id", "account": "account_id"}
# What the state and removed files keep of the contact points.
STATE_POINTS = {"contact": ("email_sha256", "phone_sha256"), "account": ("website_domain",)}
TARGETS = ("duckdb", "postgres")
# Why a member is not sent, in the order they are tested (the first that applies counts);
# deleted .. hard_bounced are activation_contacts.suppression_reason.
EXCLUSIONS = ("holdout", "deleted", "no_consent", "unsubscribed", "hard_bounced", "no_contact_point")
# Why a member of the previous export is in removed, besides an exclusion above.
LEFT_SEGMENT, ERASED, CONTACT_POINT_CHANGED = "left_segment", "erased", "contact_point_changed"

CATALOG_SQL = 'select segment_id, entity_type, as_of_date from {segments}."segment_catalog"'

MEMBERS_SQL = """
select
    membership.segment_id,
    membership.entity_type,
    membership.entity_id,
    membership.is_holdout,
    activation.account_id,
    activation.email,
    activation.first_name,
    activation.last_name,
    activation.phone,
    activation.postal_code,
    activation.country_code,
    activation.language_code,
    coalesce(activation.marketing_consent, false) as marketing_consent,
    activation.suppression_reason,
    accounts.website_domain
from {segments}."segment_membership" as membership
left join {activation}."activation_contacts" as activation
    on membership.entity_type = 'contact' and membership.entity_id = activation.contact_id
left join {marts}."account_profile" as accounts
    on membership.entity_type = 'account' and membership.entity_id = accounts.account_id
"""

ERASED_SQL = 'select contact_id_md5 from {activation}."activation_erased_contacts"'


@dataclass
class SegmentExport:
    segment_id: str
    entity_type: str
    members: int = 0
    added: int = 0
    removed: int = 0
    contact_point_changed: int = 0
    unchanged: int = 0
    excluded_holdout: int = 0
    excluded_deleted: int = 0
    excluded_no_consent: int = 0
    excluded_unsubscribed: int = 0
    excluded_hard_bounced: int = 0
    excluded_no_contact_point: int = 0
    excluded_erased: int = 0
    phone_not_e164: int = 0


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
        left_out = ", ".join(
            f"{n:,} {reason}"
            for reason in (*EXCLUSIONS, ERASED)
            if (n := sum(getattr(s, f"excluded_{reason}") for s in self.segments))
        )
        return (
            f"exported {len(self.segments)} segments as of {self.as_of_date}: {members:,} members, "
            f"{added:,} added, {removed:,} removed (previous export: {self.previous_as_of_date or 'none'}); "
            f"left out: {left_out or 'none'}"
        )


# (layer, table) of every table the export reads.
SEGMENT_TABLES = (
    ("segments", "segment_catalog"),
    ("segments", "segment_membership"),
    ("marts", "account_profile"),
    ("activation", "activation_contacts"),
    ("activation", "activation_erased_contacts"),
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


def read_warehouse(target: str, database: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """The catalog (segment_id, entity_type, as_of_date), every membership with the fields
    and flags the export needs, and the md5 hashes of erased contact ids."""
    if target not in TARGETS:
        raise ValueError(f"export supports targets {', '.join(TARGETS)}, got '{target}'")
    names = {layer: f'"{layers.schema(layer)}"' for layer in ("segments", "marts", "activation")}
    queries = (CATALOG_SQL.format(**names), MEMBERS_SQL.format(**names), ERASED_SQL.format(**names))
    if target == "duckdb":
        from custseg.load import duckdb_path

        catalog, members, erased = _read_duckdb(queries, database or duckdb_path())
    else:
        catalog, members, erased = _read_postgres(queries)
    return catalog, members, set(erased["contact_id_md5"])


def exclusion_reasons(members: pd.DataFrame) -> pd.Series:
    """Why each member row is not sent (EXCLUSIONS, the first that applies), None when it is:
    in the holdout; for contacts, activation_contacts.suppression_reason (deleted, no consent,
    unsubscribed after the consent, hard-bounced); no email (contacts) or website domain
    (accounts)."""
    is_contact = members["entity_type"] == "contact"
    point = members["email"].where(is_contact, members["website_domain"])
    reason = members["suppression_reason"].where(is_contact & members["suppression_reason"].notna())
    reason = reason.where(~members["is_holdout"].astype(bool), "holdout")
    return reason.where(reason.notna() | point.notna(), "no_contact_point").astype(object)


def _write(frame: pd.DataFrame, folder: Path, name: str, parquet: bool = True) -> None:
    """A member or diff file as CSV (and Parquet); the caller flushes the folder."""
    step = "export:segment_file_temp"
    atomic_write(folder / f"{name}.csv", lambda p: frame.to_csv(p, index=False), step, sync_dir=False)
    if parquet:
        atomic_write(folder / f"{name}.parquet", lambda p: frame.to_parquet(p, index=False), step, sync_dir=False)


def state_frame(frame: pd.DataFrame, entity_type: str) -> pd.DataFrame:
    """A state file in the current layout: contact_id, email_sha256 and phone_sha256
    (contacts) or account_id and website_domain (accounts). A state written by an older
    version (contact_id and email, or no phone_sha256) is read with the email hashed and the
    phone hash unknown (null: a change of phone is then not detected once)."""
    id_column = ID_COLUMN[entity_type]
    frame = frame.copy()
    if entity_type == "contact" and "email_sha256" not in frame.columns:
        frame["email_sha256"] = frame["email"].astype(str).map(email_sha256)
    for column in STATE_POINTS[entity_type]:
        if column not in frame.columns:
            frame[column] = None
    return frame[[id_column, *STATE_POINTS[entity_type]]].astype(object).reset_index(drop=True)


def _differs(now: pd.Series, before: pd.Series) -> pd.Series:
    """Element-wise 'not the same value', two nulls being the same."""
    return ~((now == before) | (now.isna() & before.isna()))


def _diff(
    now: pd.DataFrame, previous: pd.DataFrame | None, entity_type: str, gone_reasons: dict[str, str]
) -> tuple[set[str], pd.DataFrame]:
    """(ids to send as added, removed rows) between the state now and the previous one.
    Added: ids new to the segment or whose contact point changed. Removed: the previous
    state row of every id gone, with its reason (gone_reasons, else left_segment); and, for
    an id whose email (domain) or phone changed, the old value of what changed, with reason
    contact_point_changed: email- or hash-keyed destinations delete it, id-keyed ones skip
    it (the id is in added with its new contact point)."""
    id_column, points = ID_COLUMN[entity_type], list(STATE_POINTS[entity_type])
    # A state of an older version has no phone hash: a phone is then not compared.
    unknown = {"phone_sha256"} - set(previous.columns) if previous is not None else set()
    before = state_frame(previous if previous is not None else now.iloc[0:0], entity_type)
    merged = now.merge(before, on=id_column, how="outer", suffixes=("", "_previous"), indicator=True)
    both = merged["_merge"] == "both"
    changed = {
        point: both & (point not in unknown) & _differs(merged[point], merged[f"{point}_previous"]) for point in points
    }
    any_change = pd.concat(changed.values(), axis=1).any(axis=1)
    added = set(merged.loc[(merged["_merge"] == "left_only") | any_change, id_column])
    gone = before[before[id_column].isin(merged.loc[merged["_merge"] == "right_only", id_column])].copy()
    gone["reason"] = [gone_reasons.get(i) or LEFT_SEGMENT for i in gone[id_column]]
    # Old values to delete: those that changed and were sent (a phone added is no removal).
    dropped = {point: changed[point] & merged[f"{point}_previous"].notna() for point in points}
    moved = pd.concat(dropped.values(), axis=1).any(axis=1)
    old_points = pd.DataFrame(
        {
            id_column: merged.loc[moved, id_column],
            **{point: merged.loc[moved, f"{point}_previous"].where(dropped[point][moved]) for point in points},
            "reason": CONTACT_POINT_CHANGED,
        }
    )
    removed = pd.concat([gone, old_points], ignore_index=True) if len(old_points) else gone
    return added, removed.sort_values([id_column, "reason"]).reset_index(drop=True)


def _current_state(members: pd.DataFrame, entity_type: str) -> pd.DataFrame:
    """The state of a segment's exportable member rows (sorted by id)."""
    if entity_type == "account":
        return _member_files(members, entity_type).astype(object)  # the member file is the state
    frame = pd.DataFrame(
        {
            "contact_id": members["entity_id"].astype(str),
            "email_sha256": members["email_sha256"],
            "phone_sha256": members["phone_sha256"],
        }
    )
    return frame.sort_values("contact_id").astype(object).reset_index(drop=True)


def _member_files(rows: pd.DataFrame, entity_type: str) -> pd.DataFrame:
    """The generic member file of exportable rows: contacts in GENERIC_CONTACT_COLUMNS,
    accounts as account_id and website_domain."""
    if entity_type == "contact":
        return generic_contacts(rows)
    frame = pd.DataFrame(
        {"account_id": rows["entity_id"].astype(str), "website_domain": rows["website_domain"].astype(str)}
    )
    return frame.sort_values("account_id").reset_index(drop=True)


def _with_hashes(members: pd.DataFrame) -> pd.DataFrame:
    """members with email_sha256, phone_sha256 (of the E.164 number; null without a phone or
    when it is not a possible number of its country) and phone_unusable (a phone given but not
    E.164-able), computed once per contact however many segments it is in."""
    is_contact = members["entity_type"] == "contact"
    contacts = members.loc[is_contact, ["entity_id", "email", "phone", "country_code"]].drop_duplicates("entity_id")
    emails = {
        entity_id: email_sha256(email)
        for entity_id, email in zip(contacts["entity_id"], contacts["email"], strict=True)
        if isinstance(email, str)
    }
    phones = {
        entity_id: phone_sha256(phone, country)
        for entity_id, _, phone, country in contacts.itertuples(index=False)
        if isinstance(phone, str) and phone.strip()
    }
    given = members["entity_id"].isin(phones.keys()) & is_contact
    phone_hash = members["entity_id"].map(phones).where(given)
    return members.assign(
        email_sha256=members["entity_id"].map(emails).where(is_contact).astype(object),
        phone_sha256=phone_hash.astype(object),
        phone_unusable=given & phone_hash.isna(),
    )


def _erased_ids(ids: pd.Series, erased_md5: set[str]) -> set[str]:
    return {i for i in ids if hashlib.md5(str(i).strip().encode("utf-8")).hexdigest() in erased_md5}


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
        if len(frame.columns) not in (2, 3) or not (set(frame.columns) & set(ID_COLUMN.values())):
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
    catalog, members, erased_md5 = read_warehouse(target, database)
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = read_previous_state(out_dir)
    for stale in [
        *out_dir.glob(".*.tmp-*"),
        *out_dir.glob("segments/*/.*.tmp-*"),
        *out_dir.glob("segments/*/*/.*.tmp-*"),
    ]:
        stale.unlink(missing_ok=True)  # left by a run that was killed
    as_of = str(pd.Timestamp(catalog["as_of_date"].iloc[0]).date()) if len(catalog) else None
    summary = ExportSummary(
        out_dir=str(out_dir),
        as_of_date=as_of,
        previous_as_of_date=previous.as_of_date,
        exported_at=(now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    fault_point("export:read")
    members = _with_hashes(members.assign(reason=exclusion_reasons(members)))
    erased = _erased_ids(pd.concat([f.iloc[:, 0] for f in previous.frames.values()] or [pd.Series()]), erased_md5)
    new_state: dict[str, pd.DataFrame] = {}
    segment_types = dict(zip(catalog["segment_id"], catalog["entity_type"], strict=True))
    # Segments exported before but no longer defined: everyone is removed.
    for segment_id, frame in previous.frames.items():
        if segment_id not in segment_types:
            segment_types[segment_id] = "contact" if "contact_id" in frame.columns else "account"
    for segment_id in sorted(segment_types):
        entity_type = segment_types[segment_id]
        rows = members[members["segment_id"] == segment_id]
        sent = rows[rows["reason"].isna()]
        now_state = _current_state(sent, entity_type)
        gone_reasons = dict(zip(rows["entity_id"], rows["reason"], strict=True)) | dict.fromkeys(erased, ERASED)
        added_ids, removed = _diff(now_state, previous.frames.get(segment_id), entity_type, gone_reasons)
        current = _member_files(sent, entity_type)
        added = current[current[ID_COLUMN[entity_type]].isin(added_ids)].reset_index(drop=True)
        folder = out_dir / "segments" / segment_id
        folder.mkdir(parents=True, exist_ok=True)
        _write(current, folder, "members")
        _write(added, folder, "added")
        _write(removed, folder, "removed")
        if entity_type == "contact":
            matched = folder / "customer_match"
            matched.mkdir(exist_ok=True)
            _write(customer_match(sent), matched, "members", parquet=False)
            _write(customer_match(sent[sent["entity_id"].isin(added_ids)]), matched, "added", parquet=False)
            _write(customer_match_removals(removed), matched, "removed", parquet=False)
            fsync_dir(matched)
        fsync_dir(folder)
        fault_point("export:segment_files_partial")
        new_state[segment_id] = now_state
        reasons = rows["reason"].value_counts()
        summary.segments.append(
            SegmentExport(
                segment_id=segment_id,
                entity_type=entity_type,
                members=len(current),
                added=len(added),
                removed=int((removed["reason"] != CONTACT_POINT_CHANGED).sum()),
                contact_point_changed=int((removed["reason"] == CONTACT_POINT_CHANGED).sum()),
                unchanged=len(current) - len(added),
                **{f"excluded_{reason}": int(reasons.get(reason, 0)) for reason in EXCLUSIONS},
                excluded_erased=int((removed["reason"] == ERASED).sum()),
                phone_not_e164=int(sent["phone_unusable"].sum()),
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
