"""Personal data in the warehouse: how columns are classified and how unclassified ones are found.

Every column that holds personal data carries `meta: {pii: <level>}` in its YAML (models, seeds,
sources); docs/privacy.md gives the rule:

- ``direct``: identifies a person on its own (email, first/last name, phone, birth date, postal
  code, street address, IP address, cookie/device ids);
- ``quasi``: identifies a person only in combination (age and age band, income and income band,
  gender, marital status, household size, job title, city, postal area);
- ``pseudonymous``: a one-way hash of a direct identifier published as a join key
  (``email_sha256``); personal data still, but it names nobody without the original value;
- ``none``: looked personal (by name or values) and was reviewed as not personal.

The checks here look at what was built, not at what the YAML claims: a column is *personal-
looking* when its name says so (``first_name``, ``raw_phone``, ``postal_code``...) or its sampled
text values do (email addresses, phone numbers, postal codes). ``unclassified_columns`` lists the
personal-looking columns without a classification; ``bi_layer_problems`` lists direct identifiers
(and exact quasi-identifiers) in the BI-facing schemas. tests_py/test_privacy.py runs both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

PII_LEVELS = ("direct", "quasi", "pseudonymous", "none")

# Kinds of personal data and the level each one has.
DIRECT_KINDS = ("email", "person_name", "phone", "birth_date", "postal_code", "street_address", "ip_address",
                "online_id")
QUASI_KINDS = ("age", "income", "household_size", "gender", "marital_status", "job_title", "city", "postal_area",
               "nationality")
# Quasi-identifiers that BI-facing tables may hold only as bands.
EXACT_QUASI_KINDS = ("age", "income", "household_size")

# (kind, pattern on the column name without a raw_ prefix or _normalized suffix), first match wins.
NAME_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("pseudonymous", r"(email|phone).*_(sha256|sha2|md5|hash)$"),
        ("email", r"(^|_)e_?mail(_address)?$"),
        ("person_name", r"^(first|last|given|family|middle|full|person|contact|maiden)_?names?$|^surname$|^name$"),
        ("phone", r"phone|mobile|^tel$|telephone|^fax$"),
        ("birth_date", r"birth|^dob$"),
        ("postal_area", r"postal_area|zip_area|postcode_area"),
        ("postal_code", r"postal|^zip|post_?code"),
        ("street_address", r"street|address|^addr"),
        ("ip_address", r"^ip$|^ip_|_ip$|ip_address"),
        ("online_id", r"anonymous_id|device_id|cookie"),
        ("income", r"income(_band)?$"),
        ("household_size", r"household_size"),
        ("age", r"^age$|^age_|_age$"),
        ("gender", r"gender|^sex$"),
        ("marital_status", r"marital"),
        ("job_title", r"^job_title$"),
        ("city", r"city"),
        ("nationality", r"nationality|ethnic|religion"),
    )
)

EMAIL_VALUE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE_VALUE = re.compile(r"^(\+|00)?\(?\d[\d\s().\-/]{5,}\d$")
DATE_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}")  # also timestamps and date-led ids
NUMBER_VALUE = re.compile(r"^[+-]?[\d,]*(\.\d+)?$")
POSTAL_VALUE = re.compile(
    r"^(\d{4,6}"  # most of the world: 4 to 6 digits
    r"|\d{5}-\d{3,4}"  # US ZIP+4, Brazil
    r"|\d{3}-\d{4}"  # Japan
    r"|\d{4}\s?[A-Z]{2}"  # Netherlands
    r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"  # United Kingdom
    r"|[A-Z]\d[A-Z]\s?\d[A-Z]\d)$"  # Canada
)
# A column looks personal by its values when at least this share of its sampled values does.
VALUE_SHARE = 0.5
SAMPLE_SIZE = 500


@dataclass(frozen=True)
class Column:
    relation: str  # model, seed or source name
    schema: str
    table: str
    name: str
    pii: str | None  # the YAML classification, None when absent


@dataclass(frozen=True)
class Finding:
    column: Column
    kind: str
    evidence: str  # "name" or "values"

    def __str__(self) -> str:
        return f"{self.column.schema}.{self.column.table}.{self.column.name} ({self.kind} by {self.evidence})"


def base_name(column: str) -> str:
    name = column.lower()
    name = re.sub(r"^raw_", "", name)
    return re.sub(r"_(normalized|normalised|reporting)$", "", name)


def kind_by_name(column: str) -> str | None:
    """The kind of personal data a column name suggests, or None."""
    name = base_name(column)
    for kind, pattern in NAME_PATTERNS:
        if pattern.search(name):
            return kind
    return None


def _is_phone(value: str) -> bool:
    if not PHONE_VALUE.match(value) or DATE_VALUE.match(value) or NUMBER_VALUE.match(value):
        return False
    digits = sum(ch.isdigit() for ch in value)
    return 7 <= digits <= 15


def _is_postal(value: str) -> bool:
    return bool(POSTAL_VALUE.match(value.upper()))


def kind_by_values(values: list[str]) -> str | None:
    """The kind of personal data sampled text values look like (email, phone, postal_code), or None.

    Numbers stored as text are not postal codes unless some of them keep a leading zero or
    carry letters or a hyphen, as a real column of postal codes does."""
    values = [v.strip() for v in values if v is not None and v.strip()]
    if not values:
        return None
    need = max(1, int(len(values) * VALUE_SHARE + 0.5))
    if sum(bool(EMAIL_VALUE.match(v)) for v in values) >= need:
        return "email"
    if sum(_is_phone(v) for v in values) >= need:
        return "phone"
    postal = [v for v in values if _is_postal(v)]
    if len(postal) >= need and any(v[0] == "0" or not v.isdigit() for v in postal):
        return "postal_code"
    return None


def _pii_of(column: dict) -> str | None:
    meta = dict(column.get("meta") or {})
    meta.update((column.get("config") or {}).get("meta") or {})
    value = meta.get("pii")
    return None if value is None else str(value)


def manifest_columns(manifest: dict, con) -> Iterator[Column]:
    """Every built column of every model, seed, snapshot and source of the manifest, with its
    YAML classification (columns present in the warehouse but not in YAML have none)."""
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed", "snapshot")]
    nodes += list(manifest.get("sources", {}).values())
    for node in nodes:
        table = node.get("alias") or node.get("identifier") or node["name"]
        documented = {name.lower(): c for name, c in (node.get("columns") or {}).items()}
        for (name,) in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            [node["schema"], table],
        ).fetchall():
            entry = documented.get(name.lower())
            yield Column(node["name"], node["schema"], table, name, _pii_of(entry) if entry else None)


def sample_text(con, schema: str, table: str, column: str, limit: int = SAMPLE_SIZE) -> list[str] | None:
    """Up to `limit` distinct non-empty text values of a column (None when it is not text)."""
    if _data_type(con, schema, table, column) not in ("VARCHAR", "TEXT", "STRING", "CHARACTER VARYING"):
        return None
    quoted = f'"{schema}"."{table}"'
    rows = con.execute(
        f'select distinct "{column}" from {quoted} where "{column}" is not null'
        f" and trim(\"{column}\") <> '' order by md5(\"{column}\") limit {int(limit)}"
    ).fetchall()
    return [row[0] for row in rows]


def _data_type(con, schema: str, table: str, column: str) -> str:
    row = con.execute(
        "select data_type from information_schema.columns"
        " where table_schema = ? and table_name = ? and column_name = ?",
        [schema, table, column],
    ).fetchone()
    return "" if row is None else row[0].upper()


def detect(con, column: Column) -> Finding | None:
    """Why a built column looks personal, or None. A boolean holds no personal value whatever
    its name (is_placeholder_email is a flag, not an email)."""
    if _data_type(con, column.schema, column.table, column.name) == "BOOLEAN":
        return None
    kind = kind_by_name(column.name)
    if kind is not None:
        return Finding(column, kind, "name")
    values = sample_text(con, column.schema, column.table, column.name)
    kind = kind_by_values(values) if values else None
    return Finding(column, kind, "values") if kind else None


def unclassified_columns(manifest: dict, con) -> list[Finding]:
    """Personal-looking built columns without a `meta.pii` classification (or with an unknown one)."""
    findings = []
    for column in manifest_columns(manifest, con):
        if column.pii in PII_LEVELS:
            continue
        finding = detect(con, column)
        if finding is not None:
            findings.append(finding)
    return findings


def bi_layer_problems(manifest: dict, con, schemas: tuple[str, ...]) -> list[str]:
    """Direct identifiers and exact quasi-identifiers in the given (BI-facing) schemas: every
    column of every table there, judged by its YAML classification, its name and its values
    (text values are also searched for email addresses inside longer text, such as reasons)."""
    classified = {
        (c.schema, c.table, c.name.lower()): c.pii for c in manifest_columns(manifest, con) if c.schema in schemas
    }
    problems = []
    placeholders = ", ".join("?" for _ in schemas)
    for schema, table, name, data_type in con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns"
        f" where table_schema in ({placeholders}) order by 1, 2, ordinal_position",
        list(schemas),
    ).fetchall():
        where = f"{schema}.{table}.{name}"
        pii = classified.get((schema, table, name.lower()))
        if pii == "direct":
            problems.append(f"{where}: classified pii: direct")
            continue
        if data_type.upper() == "BOOLEAN":
            continue
        kind = kind_by_name(name)
        if kind in DIRECT_KINDS:
            problems.append(f"{where}: a {kind} by its name")
            continue
        if kind in EXACT_QUASI_KINDS and not base_name(name).endswith("_band"):
            problems.append(f"{where}: an exact {kind} (publish a band)")
            continue
        values = sample_text(con, schema, table, name)
        if not values:
            continue
        kind = kind_by_values(values)
        if kind in DIRECT_KINDS:
            problems.append(f"{where}: values look like {kind} (e.g. {values[0]!r})")
        elif any(EMAIL_IN_TEXT.search(v) for v in values):
            problems.append(f"{where}: text contains an email address")
    return problems
