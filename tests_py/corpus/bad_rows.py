"""A corpus of hostile and messy raw rows, one entry per kind, with the fate staging must give
each row: a `reject_reason`, or staged with a named normalisation and the staged values.

Every corpus row starts from a valid template row of its table (a clean row of the generated
sample with the `TEMPLATE` values below, so the expected values do not depend on the sample) and
differs from it only by the kind's `overrides`. The test gives each row a fresh primary id
(`<prefix>-corpus-NNN`) unless the kind sets the id itself, and a unique marker: `_loaded_at`
(CRM and shop tables, 2026-07-01 01:00:00 plus the row's number in seconds; the sample's rows
were loaded at 02:00:00) or the pair (`occurred_at`, `received_at`) for events (by default 2026-06-01 10:00:00 plus the
row's number in seconds, received 5 minutes later). The pseudo-column `_loaded_offset` shifts a
row's `_loaded_at` marker by that many seconds (an earlier export of a duplicate).

Fates follow the shared staging rules: non-finite numbers are `invalid_number`; implausible
values (vars `plausible_*`) are `out_of_range`; every id column gets the id shape check
(letters, digits, `_ - .`, at most 64 characters); emails with a control character or inner
whitespace are `invalid_email` (surrounding spaces are trimmed); text timestamps with a UTC
offset are converted to UTC, malformed offsets or offsets beyond +-14:00 are
`invalid_timestamp`; events received after the run's load time (var events_load_time, pinned to
2026-07-01 00:00:00 by the test) plus the 60-minute skew are `future_timestamp`; an order line
with a product missing from `product_catalog` is staged with `is_known_product = false`. Where
the rules leave a choice, the kind's description says which fate was picked and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PREFIX = {
    "crm_accounts": "A",
    "crm_contacts": "C",
    "crm_deals": "D",
    "crm_subscriptions": "S",
    "shop_orders": "O",
    "shop_order_lines": "L",
    "events": "E",
}
ID_COLUMN = {
    "crm_accounts": "account_id",
    "crm_contacts": "contact_id",
    "crm_deals": "deal_id",
    "crm_subscriptions": "subscription_id",
    "shop_orders": "order_id",
    "shop_order_lines": "order_line_id",
    "events": "event_id",
}

# Values every corpus row of a table starts from (on top of a clean template row). `{marker}`
# is replaced by the row's number.
TEMPLATE: dict[str, dict[str, str]] = {
    "crm_accounts": {
        "account_name": "Corpus Test GmbH",
        "employee_count": "120",
        "annual_revenue": "5000000",
        "revenue_currency": "EUR",
        "country": "DE",
        "created_at": "2024-01-15 10:00:00",
        "updated_at": "2025-06-01 12:00:00",
    },
    "crm_contacts": {
        "account_id": "",
        "email": "corpus.{marker}@example.com",
        "first_name": "Corpus",
        "birth_date": "1980-05-17",
        "gender": "female",
        "marital_status": "married",
        "household_size": "2",
        "annual_income": "50000",
        "income_currency": "EUR",
        "country": "DE",
        "lifecycle_stage": "customer",
        "marketing_consent": "true",
        "is_deleted": "false",
        "created_at": "2024-02-01 08:00:00",
        "updated_at": "2025-06-01 12:00:00",
    },
    "crm_deals": {
        "deal_stage": "closed_won",
        "is_won": "true",
        "amount": "12000.00",
        "currency": "EUR",
        "created_at": "2025-01-10 09:00:00",
        "closed_at": "2025-03-01 10:00:00",
    },
    "crm_subscriptions": {
        "plan": "growth",
        "status": "active",
        "seats": "20",
        "seats_used": "15",
        "mrr": "500.00",
        "currency": "EUR",
        "started_at": "2025-01-01 00:00:00",
        "ended_at": "",
    },
    "shop_orders": {
        "account_id": "",
        "order_status": "completed",
        "currency": "EUR",
        "ordered_at": "2026-03-01 10:00:00",
        "updated_at": "2026-03-02 10:00:00",
    },
    "shop_order_lines": {
        "product_id": "P001",
        "product_category": "Apparel",
        "quantity": "2",
        "unit_price": "19.90",
        "discount_amount": "0",
    },
    "events": {
        "event_type": "page_view",
        "properties": '{"url":"https://example.com/pricing"}',
    },
}


@dataclass(frozen=True)
class Staged:
    """The row is staged; `values` are staged columns and their expected values (None = null;
    timestamps as 'YYYY-MM-DD HH:MM:SS' text, numbers compared within 1e-9)."""

    normalisation: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    overrides: dict[str, object]
    expect: str | Staged  # a reject_reason, or Staged


@dataclass(frozen=True)
class BadKind:
    table: str
    kind: str
    description: str
    rows: tuple[Row, ...]


def reject(table: str, kind: str, description: str, reason: str, overrides: dict[str, object]) -> BadKind:
    return BadKind(table, kind, description, (Row(overrides, reason),))


def stage(
    table: str,
    kind: str,
    description: str,
    normalisation: str,
    expected: dict[str, object],
    overrides: dict[str, object],
) -> BadKind:
    return BadKind(table, kind, description, (Row(overrides, Staged(normalisation, expected)),))


def duplicate(table: str, kind: str, description: str, winner: dict[str, object], loser: dict[str, object]):
    """Two rows with the same key: the first is staged, the second is the `duplicate`."""
    return BadKind(table, kind, description, (Row(winner, Staged("dedup_winner")), Row(loser, "duplicate")))


A, C, D, S = "crm_accounts", "crm_contacts", "crm_deals", "crm_subscriptions"
ORD, LINE, EV = "shop_orders", "shop_order_lines", "events"
LONG_ID_65 = "X" * 65
LONG_ID_64 = "Y" * 64

CORPUS: tuple[BadKind, ...] = (
    # ------------------------------------------------------------------ crm_accounts
    reject(
        A, "employee_count_nan", "'NaN' parses as a double: non-finite", "invalid_number", {"employee_count": "NaN"}
    ),
    reject(A, "revenue_infinity", "'Infinity' revenue", "invalid_number", {"annual_revenue": "Infinity"}),
    reject(A, "revenue_1e309", "'1e309' overflows a double to +inf", "invalid_number", {"annual_revenue": "1e309"}),
    reject(A, "revenue_minus_inf", "'-inf' revenue", "invalid_number", {"annual_revenue": "-inf"}),
    reject(
        A,
        "employee_count_huge",
        "99,999,999,999 employees (> plausible_max_employee_count)",
        "out_of_range",
        {"employee_count": "99999999999"},
    ),
    reject(A, "revenue_huge", "1e16 EUR revenue (> plausible_max_amount)", "out_of_range", {"annual_revenue": "1e16"}),
    reject(A, "revenue_negative", "negative revenue", "non_positive_amount", {"annual_revenue": "-250000"}),
    stage(
        A,
        "revenue_thousands_separator_decimal",
        "'1,200.50': the thousands separator is dropped",
        "thousands_separator_removed",
        {"annual_revenue": 1200.5, "annual_revenue_reporting": 1200.5},
        {"annual_revenue": "1,200.50"},
    ),
    stage(
        A,
        "revenue_scientific",
        "'1e3' is a plain number in scientific notation (a double on every engine)",
        "scientific_notation_parsed",
        {"annual_revenue": 1000.0},
        {"annual_revenue": "1e3"},
    ),
    stage(
        A,
        "revenue_negative_zero",
        "'-0' is zero, not negative: accounts only reject revenue < 0",
        "negative_zero_is_zero",
        {"annual_revenue": 0.0},
        {"annual_revenue": "-0"},
    ),
    stage(
        A,
        "employee_count_padded",
        "' 45 ': surrounding spaces trimmed",
        "trimmed",
        {"employee_count": 45},
        {"employee_count": " 45 "},
    ),
    reject(
        A,
        "employee_count_decimal",
        "'12.5' employees is not a whole number",
        "invalid_number",
        {"employee_count": "12.5"},
    ),
    reject(
        A,
        "account_id_sql",
        "SQL text as id",
        "invalid_id",
        {"account_id": "A1'; drop table raw.crm_accounts; --"},
    ),
    reject(
        A,
        "account_id_trailing_tab",
        "a trailing tab is not trimmed (only spaces are)",
        "invalid_id",
        {"account_id": "A-tab\t"},
    ),
    reject(A, "account_id_overlong", "65 characters (max 64)", "invalid_id", {"account_id": LONG_ID_65}),
    stage(
        A,
        "account_id_64_chars",
        "exactly 64 characters is still an id",
        "unchanged",
        {"account_id": LONG_ID_64},
        {"account_id": LONG_ID_64},
    ),
    stage(
        A,
        "account_id_padded",
        "surrounding spaces are trimmed from ids",
        "trimmed",
        {"account_id": "A-corpus-padded"},
        {"account_id": "  A-corpus-padded "},
    ),
    reject(A, "account_id_unicode", "non-ASCII letter in an id", "invalid_id", {"account_id": "Ä-corpus-1"}),
    reject(
        A,
        "account_id_zero_width",
        "zero-width space inside an id (invisible in a CRM UI)",
        "invalid_id",
        {"account_id": "A-corpus\u200b-zw"},
    ),
    reject(
        A,
        "account_id_bom",
        "a byte-order mark in front of the first column of a CSV export: not stripped, the id is invalid",
        "invalid_id",
        {"account_id": "\ufeffA-corpus-bom"},
    ),
    reject(A, "account_id_blank", "blank primary id", "missing_required_field", {"account_id": "   "}),
    reject(
        A,
        "revenue_without_currency",
        "revenue given without its currency",
        "missing_required_field",
        {"revenue_currency": ""},
    ),
    reject(A, "revenue_currency_unknown", "'BTC' is not in fx_rates", "unknown_currency", {"revenue_currency": "BTC"}),
    stage(
        A,
        "revenue_currency_lower_case",
        "'eur' is upper-cased",
        "upper_cased",
        {"revenue_currency": "EUR"},
        {"revenue_currency": "eur"},
    ),
    reject(A, "country_unknown", "'Atlantis'", "unknown_country", {"country": "Atlantis"}),
    stage(
        A,
        "country_name_local_spelling",
        "'Deutschland' resolves through country_aliases",
        "country_alias",
        {"country_code": "DE"},
        {"country": "Deutschland"},
    ),
    stage(
        A,
        "created_at_offset_plus_0530",
        "'+05:30' offset converted to UTC",
        "utc_offset_converted",
        {"created_at": "2024-01-15 04:30:00"},
        {"created_at": "2024-01-15 10:00:00+05:30"},
    ),
    reject(
        A,
        "updated_at_offset_beyond_14h",
        "'+25:00' is not a UTC offset",
        "invalid_timestamp",
        {"updated_at": "2025-06-01 12:00:00+25:00"},
    ),
    reject(
        A,
        "created_at_1850",
        "created in 1850 (before plausible_min_timestamp)",
        "out_of_range",
        {"created_at": "1850-01-01 00:00:00"},
    ),
    duplicate(
        A,
        "same_id_older_version",
        "the same account exported twice; the older updated_at loses",
        {"account_id": "A-corpus-dup", "updated_at": "2025-06-01 12:00:00"},
        {"account_id": "A-corpus-dup", "updated_at": "2025-01-01 12:00:00"},
    ),
    # ------------------------------------------------------------------ crm_contacts
    reject(
        C,
        "email_embedded_newline",
        "a header-injection style email with a newline",
        "invalid_email",
        {"email": "anna.corpus@example.com\nbcc: x@evil.example"},
    ),
    reject(
        C,
        "email_trailing_newline",
        "a trailing newline is checked before trimming, so it is not trimmed away",
        "invalid_email",
        {"email": "anna.nl@example.com\n"},
    ),
    reject(C, "email_tab", "tab inside the local part", "invalid_email", {"email": "anna\t.tab@example.com"}),
    reject(C, "email_two_at", "two '@'", "invalid_email", {"email": "anna@@example.com"}),
    reject(C, "email_no_dot_in_domain", "no dot in the domain", "invalid_email", {"email": "anna@localhost"}),
    reject(
        C,
        "email_zero_width",
        "zero-width space inside an email: rejected, an invisible character cannot be part of a "
        "deliverable address (decided here: the rules name control characters and whitespace)",
        "invalid_email",
        {"email": "anna\u200b.zw@example.com"},
    ),
    stage(
        C,
        "email_padded_mixed_case",
        "surrounding spaces trimmed and lower-cased",
        "trimmed_lower_cased",
        {"email_normalized": "anna.padded@example.com"},
        {"email": "  Anna.Padded@Example.COM "},
    ),
    stage(
        C,
        "email_unicode_local_part",
        "an internationalised (RFC 6531) address is a valid shape; kept",
        "unchanged",
        {"email_normalized": "jürgen.müller@example.de"},
        {"email": "jürgen.müller@example.de"},
    ),
    stage(
        C,
        "email_blank",
        "a blank email: optional (the minimal contract needs only contact_id); staged as null",
        "email_optional",
        {"email_normalized": None},
        {"email": " "},
    ),
    reject(
        C,
        "birth_date_1850",
        "born 1850: 176 years old (> plausible_max_age_years)",
        "out_of_range",
        {"birth_date": "1850-03-01"},
    ),
    reject(C, "birth_date_feb_30", "1990-02-30 does not exist", "invalid_timestamp", {"birth_date": "1990-02-30"}),
    reject(C, "birth_date_future", "born after the row was loaded", "future_timestamp", {"birth_date": "2030-01-01"}),
    reject(C, "income_nan", "'NaN' income", "invalid_number", {"annual_income": "NaN"}),
    reject(C, "income_infinity", "'Infinity' income", "invalid_number", {"annual_income": "Infinity"}),
    reject(C, "income_minus_1e309", "'-1e309' overflows to -inf", "invalid_number", {"annual_income": "-1e309"}),
    reject(C, "income_huge", "1e14 EUR income (> plausible_max_amount)", "out_of_range", {"annual_income": "1e14"}),
    stage(
        C,
        "income_thousands_separator_decimal",
        "'1,200.50' income",
        "thousands_separator_removed",
        {"annual_income": 1200.5, "annual_income_reporting": 1200.5},
        {"annual_income": "1,200.50"},
    ),
    stage(
        C,
        "income_padded",
        "' 45000 ' income",
        "trimmed",
        {"annual_income": 45000.0, "annual_income_reporting": 45000.0},
        {"annual_income": " 45000 "},
    ),
    reject(
        C,
        "income_without_currency",
        "an income without its currency",
        "missing_required_field",
        {"income_currency": ""},
    ),
    reject(
        C,
        "household_size_huge",
        "3,000,000,000 people (> plausible_max_household_size)",
        "out_of_range",
        {"household_size": "3000000000"},
    ),
    reject(C, "household_size_zero", "a household of 0 people", "invalid_number", {"household_size": "0"}),
    reject(C, "contact_id_sql", "SQL text as id", "invalid_id", {"contact_id": "C1' or '1'='1"}),
    reject(C, "contact_id_newline", "two ids on two lines", "invalid_id", {"contact_id": "C-corpus-a\nC-corpus-b"}),
    reject(
        C,
        "account_id_with_space",
        "a foreign key gets the id shape check before the orphan check",
        "invalid_id",
        {"account_id": "A 00000001"},
    ),
    reject(
        C,
        "account_does_not_exist",
        "account_id of no staged account",
        "orphan_foreign_key",
        {"account_id": "A-corpus-missing"},
    ),
    reject(C, "country_unknown", "'Mars'", "unknown_country", {"country": "Mars"}),
    stage(
        C,
        "country_lower_case_code",
        "'de' resolves to DE",
        "country_alias",
        {"country_code": "DE"},
        {"country": "de"},
    ),
    stage(
        C,
        "created_at_iso_z",
        "'T' separator and 'Z' suffix",
        "iso_8601_utc",
        {"created_at": "2024-02-01 08:00:00"},
        {"created_at": "2024-02-01T08:00:00Z"},
    ),
    stage(
        C,
        "updated_at_offset_minus_0800",
        "'-0800' (no colon) converted to UTC",
        "utc_offset_converted",
        {"updated_at": "2025-06-01 20:00:00"},
        {"updated_at": "2025-06-01 12:00:00-0800"},
    ),
    stage(
        C,
        "updated_at_offset_before_load",
        "06:00 at +05:30 is 00:30 UTC, before the row's load at 01:00 UTC: staged (dropping the "
        "offset would make it look like a future timestamp)",
        "utc_offset_converted",
        {"updated_at": "2026-07-01 00:30:00"},
        {"updated_at": "2026-07-01 06:00:00+05:30"},
    ),
    reject(C, "gender_unknown_value", "'robot'", "invalid_value", {"gender": "robot"}),
    reject(C, "is_deleted_maybe", "'maybe' is not a boolean", "invalid_value", {"is_deleted": "maybe"}),
    stage(
        C,
        "names_with_quotes_and_emoji",
        "free text keeps quotes, apostrophes and emoji as they are",
        "unchanged",
        {"first_name": 'O\'Brien "Zoë" 😀', "last_name": "Nguyễn; DROP TABLE x"},
        {"first_name": 'O\'Brien "Zoë" 😀', "last_name": "Nguyễn; DROP TABLE x"},
    ),
    duplicate(
        C,
        "same_id_older_version",
        "the same contact exported twice; the older updated_at loses",
        {"contact_id": "C-corpus-dup", "updated_at": "2025-06-01 12:00:00", "email": "dup.corpus@example.com"},
        {"contact_id": "C-corpus-dup", "updated_at": "2025-01-01 12:00:00", "email": "dup.corpus@example.com"},
    ),
    # ------------------------------------------------------------------ crm_deals
    reject(D, "amount_nan", "'NaN' amount", "invalid_number", {"amount": "NaN"}),
    reject(D, "amount_negative_zero", "'-0' is not a positive amount", "non_positive_amount", {"amount": "-0"}),
    reject(D, "amount_huge", "1e14 EUR deal (> plausible_max_amount)", "out_of_range", {"amount": "99999999999999"}),
    stage(
        D,
        "amount_thousands_separator",
        "'12,000.00'",
        "thousands_separator_removed",
        {"amount": 12000.0, "amount_reporting": 12000.0},
        {"amount": "12,000.00"},
    ),
    reject(D, "deal_id_overlong", "65 characters", "invalid_id", {"deal_id": LONG_ID_65}),
    reject(
        D,
        "contact_id_sql",
        "SQL text in a foreign key",
        "invalid_id",
        {"contact_id": "x'); delete from crm_deals; --"},
    ),
    reject(
        D,
        "contact_does_not_exist",
        "contact of no staged contact",
        "orphan_foreign_key",
        {"contact_id": "C-corpus-missing"},
    ),
    reject(
        D,
        "account_does_not_exist",
        "account of no staged account",
        "orphan_foreign_key",
        {"account_id": "A-corpus-missing"},
    ),
    stage(
        D,
        "closed_at_offset_plus_0530",
        "'+05:30' offset converted to UTC",
        "utc_offset_converted",
        {"closed_at": "2025-03-01 04:30:00"},
        {"closed_at": "2025-03-01 10:00:00+05:30"},
    ),
    reject(
        D,
        "created_at_1900",
        "created in 1900 (before plausible_min_timestamp)",
        "out_of_range",
        {"created_at": "1900-01-01 00:00:00"},
    ),
    reject(D, "deal_stage_unknown", "'won-ish'", "invalid_value", {"deal_stage": "won-ish"}),
    reject(D, "currency_unknown", "'EURO' is not a currency code", "unknown_currency", {"currency": "EURO"}),
    duplicate(
        D,
        "earlier_export_same_row",
        "the same deal in two exports; the earlier _loaded_at loses (the second row's marker is earlier)",
        {"deal_id": "D-corpus-dup"},
        {"deal_id": "D-corpus-dup", "_loaded_offset": -3600},
    ),
    # ------------------------------------------------------------------ crm_subscriptions
    reject(S, "seats_huge", "3,000,000,000 seats (> plausible_max_seats)", "out_of_range", {"seats": "3000000000"}),
    reject(
        S,
        "seats_used_huge",
        "3,000,000,000 seats used (> plausible_max_seats)",
        "out_of_range",
        {"seats_used": "3000000000"},
    ),
    reject(S, "mrr_infinity", "'Infinity' MRR", "invalid_number", {"mrr": "Infinity"}),
    reject(S, "mrr_huge", "1e15 EUR MRR (> plausible_max_amount)", "out_of_range", {"mrr": "1e15"}),
    stage(
        S,
        "mrr_negative_zero",
        "'-0' MRR is zero, a free plan (subscriptions only reject MRR < 0)",
        "negative_zero_is_zero",
        {"mrr": 0.0},
        {"mrr": "-0"},
    ),
    reject(S, "seats_decimal", "12.5 seats", "invalid_number", {"seats": "12.5"}),
    reject(S, "subscription_id_with_space", "space inside an id", "invalid_id", {"subscription_id": "S 1"}),
    reject(
        S,
        "account_does_not_exist",
        "account of no staged account",
        "orphan_foreign_key",
        {"account_id": "A-corpus-missing"},
    ),
    reject(
        S,
        "started_at_before_floor",
        "one second before plausible_min_timestamp",
        "out_of_range",
        {"started_at": "1989-12-31 23:59:59"},
    ),
    reject(
        S,
        "started_at_malformed_offset",
        "'+5:3' is not an offset",
        "invalid_timestamp",
        {"started_at": "2025-01-01 00:00:00+5:3"},
    ),
    stage(
        S,
        "ended_at_scheduled_future",
        "a future ended_at is a scheduled end and is kept",
        "unchanged",
        {"ended_at": "2027-01-01 00:00:00"},
        {"ended_at": "2027-01-01 00:00:00"},
    ),
    stage(
        S,
        "status_us_spelling",
        "'Canceled' -> 'cancelled'",
        "status_normalised",
        {"status": "cancelled"},
        {"status": "Canceled", "ended_at": "2026-01-01 00:00:00"},
    ),
    # ------------------------------------------------------------------ shop_orders
    stage(
        ORD,
        "ordered_at_offset_plus_0530",
        "'+05:30' offset converted to UTC",
        "utc_offset_converted",
        {"ordered_at": "2026-03-01 04:30:00"},
        {"ordered_at": "2026-03-01 10:00:00+05:30"},
    ),
    stage(
        ORD,
        "ordered_at_offset_minus_0800",
        "'-08:00' offset converted to UTC",
        "utc_offset_converted",
        {"ordered_at": "2026-03-01 18:00:00"},
        {"ordered_at": "2026-03-01 10:00:00-08:00"},
    ),
    stage(
        ORD,
        "ordered_at_iso_z",
        "'T' separator and 'Z' suffix",
        "iso_8601_utc",
        {"ordered_at": "2026-03-01 10:00:00"},
        {"ordered_at": "2026-03-01T10:00:00Z"},
    ),
    reject(
        ORD,
        "ordered_at_offset_15h",
        "'+15:00' is beyond +-14:00",
        "invalid_timestamp",
        {"ordered_at": "2026-03-01 10:00:00+15:00"},
    ),
    reject(
        ORD,
        "ordered_at_feb_30",
        "2026-02-30 does not exist",
        "invalid_timestamp",
        {"ordered_at": "2026-02-30 10:00:00"},
    ),
    reject(
        ORD,
        "ordered_at_epoch_zero",
        "1970-01-01 (an epoch-zero default)",
        "out_of_range",
        {"ordered_at": "1970-01-01 00:00:00"},
    ),
    reject(ORD, "order_id_tab", "a lone tab as order id", "invalid_id", {"order_id": "\t"}),
    reject(ORD, "order_id_sql", "SQL text as id", "invalid_id", {"order_id": "O1; DROP TABLE raw.shop_orders"}),
    reject(
        ORD,
        "contact_does_not_exist",
        "contact of no staged contact",
        "orphan_foreign_key",
        {"contact_id": "C-corpus-missing"},
    ),
    reject(ORD, "currency_unknown", "'BTC'", "unknown_currency", {"currency": "BTC"}),
    reject(ORD, "order_status_unknown", "'lost_in_mail'", "invalid_value", {"order_status": "lost_in_mail"}),
    reject(
        ORD,
        "no_contact_no_account",
        "an order of nobody",
        "missing_required_field",
        {"contact_id": "", "account_id": ""},
    ),
    stage(
        ORD,
        "order_amount_given",
        "an order total (optional order_amount) with a thousands separator",
        "order_amount_parsed",
        {"order_amount": 1200.5, "order_amount_reporting": 1200.5},
        {"order_amount": "1,200.50"},
    ),
    stage(
        ORD,
        "order_amount_zero",
        "a free order: 0 is staged",
        "zero_amount_kept",
        {"order_amount": 0.0},
        {"order_amount": "0"},
    ),
    reject(ORD, "order_amount_negative", "a negative order total", "non_positive_amount", {"order_amount": "-10"}),
    reject(ORD, "order_amount_nan", "'NaN' order total", "invalid_number", {"order_amount": "NaN"}),
    reject(
        ORD,
        "order_amount_huge",
        "1e16 EUR order total (> plausible_max_amount)",
        "out_of_range",
        {"order_amount": "1e16"},
    ),
    duplicate(
        ORD,
        "same_id_older_version",
        "the same order exported twice; the older updated_at loses",
        {"order_id": "O-corpus-dup", "updated_at": "2026-03-02 10:00:00"},
        {"order_id": "O-corpus-dup", "updated_at": "2026-03-01 10:00:00"},
    ),
    # ------------------------------------------------------------------ shop_order_lines
    reject(
        LINE,
        "quantity_huge",
        "3,000,000,000 items (> plausible_max_quantity)",
        "out_of_range",
        {"quantity": "3000000000"},
    ),
    reject(LINE, "unit_price_nan", "'NaN' price", "invalid_number", {"unit_price": "NaN"}),
    reject(LINE, "unit_price_infinity", "'Infinity' price", "invalid_number", {"unit_price": "Infinity"}),
    reject(LINE, "unit_price_1e309", "'1e309' price", "invalid_number", {"unit_price": "1e309"}),
    reject(
        LINE,
        "unit_price_huge",
        "99,999,999 EUR per item (> plausible_max_unit_price)",
        "out_of_range",
        {"unit_price": "99999999"},
    ),
    stage(
        LINE,
        "unit_price_thousands_separator",
        "'1,200.50'",
        "thousands_separator_removed",
        {"unit_price": 1200.5},
        {"unit_price": "1,200.50"},
    ),
    stage(LINE, "quantity_padded", "' 3 '", "trimmed", {"quantity": 3}, {"quantity": " 3 "}),
    reject(LINE, "discount_negative", "a negative discount", "non_positive_amount", {"discount_amount": "-5"}),
    reject(
        LINE,
        "discount_above_gross",
        "a discount larger than the line's gross amount (2 x 19.90)",
        "non_positive_amount",
        {"discount_amount": "100"},
    ),
    reject(LINE, "quantity_zero", "0 items", "non_positive_amount", {"quantity": "0"}),
    stage(
        LINE,
        "line_amount_without_unit_price",
        "3 items for 10.00 (not a whole number of cents per unit): line_amount, no unit_price",
        "line_amount_wins",
        {"quantity": 3, "unit_price": None, "line_amount": 10.0, "gross_amount": 10.0, "net_amount": 10.0},
        {"quantity": "3", "unit_price": "", "discount_amount": "", "line_amount": "10.00"},
    ),
    stage(
        LINE,
        "line_amount_over_unit_price",
        "line_amount wins over quantity x unit_price - discount (2 x 19.90 - 5, charged 30)",
        "line_amount_wins",
        {"unit_price": 19.9, "line_amount": 30.0, "gross_amount": 35.0, "net_amount": 30.0},
        {"discount_amount": "5", "line_amount": "30"},
    ),
    reject(
        LINE,
        "no_unit_price_no_line_amount",
        "neither unit_price nor line_amount",
        "missing_required_field",
        {"unit_price": "", "line_amount": ""},
    ),
    reject(LINE, "line_amount_negative", "a negative line amount", "non_positive_amount", {"line_amount": "-1"}),
    reject(LINE, "line_amount_nan", "'NaN' line amount", "invalid_number", {"line_amount": "NaN"}),
    stage(
        LINE,
        "unknown_product",
        "a product missing from product_catalog: staged and flagged; category from the raw line",
        "unknown_product_flagged",
        {"product_id": "P-CORPUS-NEW", "is_known_product": False, "product_category": "gadgets"},
        {"product_id": "P-CORPUS-NEW", "product_category": "Gadgets"},
    ),
    stage(
        LINE,
        "unknown_product_no_category",
        "an unknown product without a category gets 'unknown'",
        "unknown_product_flagged",
        {"is_known_product": False, "product_category": "unknown"},
        {"product_id": "P-CORPUS-NOCAT", "product_category": ""},
    ),
    reject(LINE, "product_id_sql", "SQL text as product id", "invalid_id", {"product_id": "P001'; drop table x; --"}),
    reject(LINE, "order_id_tab", "a line joined to order '\\t'", "invalid_id", {"order_id": "\t"}),
    reject(
        LINE, "order_does_not_exist", "order of no staged order", "orphan_foreign_key", {"order_id": "O-corpus-missing"}
    ),
    duplicate(
        LINE,
        "earlier_export_same_row",
        "the same line in two exports; the earlier _loaded_at loses",
        {"order_line_id": "L-corpus-dup"},
        {"order_line_id": "L-corpus-dup", "_loaded_offset": -3600},
    ),
    # ------------------------------------------------------------------ events
    reject(
        EV,
        "occurred_1900",
        "occurred in 1900 (before plausible_min_timestamp)",
        "out_of_range",
        {"occurred_at": "1900-01-01 00:00:00"},
    ),
    reject(
        EV,
        "received_9999",
        "received on 9999-12-31: after the run's load time",
        "future_timestamp",
        {"received_at": "9999-12-31 23:59:59"},
    ),
    reject(
        EV,
        "received_after_load_time",
        "received 90 minutes after the load time (skew allowance 60)",
        "future_timestamp",
        {"received_at": "2026-07-01 01:30:00"},
    ),
    stage(
        EV,
        "received_within_skew",
        "received 30 minutes after the load time: within the clock-skew allowance",
        "unchanged",
        {"received_at": "2026-07-01 00:30:00"},
        {"received_at": "2026-07-01 00:30:00"},
    ),
    reject(
        EV,
        "received_before_floor",
        "occurred and received in 1980",
        "out_of_range",
        {"occurred_at": "1980-01-01 10:00:00", "received_at": "1980-01-01 10:05:00"},
    ),
    reject(EV, "event_id_sql", "SQL text as event id", "invalid_id", {"event_id": "E1' OR 1=1 --"}),
    reject(EV, "event_id_tab", "tab inside an event id", "invalid_id", {"event_id": "E-corpus\t1"}),
    reject(EV, "event_id_overlong", "200 characters", "invalid_id", {"event_id": "E" * 200}),
    reject(EV, "anonymous_id_newline", "newline in anonymous_id", "invalid_id", {"anonymous_id": "anon_1\nanon_2"}),
    reject(EV, "contact_id_quoted", "a quoted contact id", "invalid_id", {"contact_id": '"C00000001"'}),
    reject(
        EV,
        "contact_does_not_exist",
        "contact of no staged contact",
        "orphan_foreign_key",
        {"contact_id": "C-corpus-missing"},
    ),
    reject(
        EV,
        "properties_trailing_comma",
        "a trailing comma is not JSON (DuckDB's lenient parser accepts it, PostgreSQL's does not: "
        "the engines must agree on the strict reading)",
        "malformed_json",
        {"properties": '{"url": "/x",}'},
    ),
    reject(
        EV, "properties_not_json", "a query string instead of JSON", "malformed_json", {"properties": "url=/pricing"}
    ),
    stage(
        EV,
        "properties_json_array",
        "valid JSON that is not an object: staged, no url",
        "json_without_keys",
        {"url": None},
        {"properties": "[1, 2]"},
    ),
    stage(
        EV,
        "properties_unicode_escapes",
        "unicode and escapes in JSON are decoded",
        "json_decoded",
        {"url": "/ürün?q=é"},
        {"properties": '{"url":"/ürün?q=\\u00e9"}'},
    ),
    reject(
        EV, "event_type_with_space", "'Page View ' is not a known type", "invalid_value", {"event_type": "Page View "}
    ),
    stage(
        EV,
        "event_type_upper_case",
        "'PAGE_VIEW' is lower-cased",
        "lower_cased",
        {"event_type": "page_view"},
        {"event_type": "PAGE_VIEW"},
    ),
    reject(EV, "received_at_missing", "no received_at", "missing_required_field", {"received_at": None}),
    duplicate(
        EV,
        "redelivered",
        "the same event delivered twice; the later delivery loses",
        {"event_id": "E-corpus-dup", "occurred_at": "2026-06-01 09:00:00", "received_at": "2026-06-01 09:01:00"},
        {"event_id": "E-corpus-dup", "occurred_at": "2026-06-01 09:00:00", "received_at": "2026-06-01 11:00:00"},
    ),
)
