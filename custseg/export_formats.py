"""The activation export's file formats and the normalisation they follow.

generic          the fields an email or CRM tool imports: ids, email, names, country,
                 language and consent, one row per member (contacts); account id and website
                 domain (accounts).
customer_match   the hashed upload file of the ad platforms' customer lists, in the column
                 names of Google Ads Customer Match ("Email", "Phone", "First Name",
                 "Last Name", "Country", "Zip"). Email: whitespace removed, lower-cased,
                 SHA-256 as lower-case hex. Phone: E.164 ("+" country code and number) before
                 hashing, parsed with `phonenumbers` (Google's libphonenumber) using the
                 contact's country for numbers written without a country code. Names:
                 trimmed, lower-cased, hashed. Country (ISO 3166-1 alpha-2) and Zip are sent
                 in plain text, as Google asks. TikTok's customer files take the same email
                 and E.164 rules; Meta's hashed phone drops the "+" (digits only): for Meta,
                 hash `phone_e164(...)[1:]` instead.

The hashing here is what the state and the removed files keep (email_sha256, phone_sha256),
so a customer-match removal carries exactly the hash the platform received.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import phonenumbers

GENERIC_CONTACT_COLUMNS = (
    "contact_id",
    "account_id",
    "email",
    "first_name",
    "last_name",
    "country_code",
    "language_code",
    "marketing_consent",
)
CUSTOMER_MATCH_COLUMNS = ("Email", "Phone", "First Name", "Last Name", "Country", "Zip")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def email_sha256(email: str) -> str:
    """SHA-256 of the normalised email (whitespace removed, lower-cased) as lower-case hex:
    the same value as the warehouse's email_sha256 (staged emails hold no inner space)."""
    return sha256_hex("".join(email.split()).lower())


def phone_e164(phone: object, country_code: object = None) -> str | None:
    """The phone number in E.164 ('+' country code, national number), or None when it is
    empty or not a possible number. A number without an international prefix is read as a
    number of `country_code` (ISO 3166-1 alpha-2). Possible, not valid: the length fits the
    country's plan (libphonenumber's is_possible_number); whether the range is assigned is
    left to the destination's matching."""
    if not isinstance(phone, str) or not phone.strip():
        return None
    region = country_code.upper() if isinstance(country_code, str) and country_code.strip() else None
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_sha256(phone: object, country_code: object = None) -> str | None:
    e164 = phone_e164(phone, country_code)
    return None if e164 is None else sha256_hex(e164)


def name_sha256(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return None
    return sha256_hex(name.strip().lower())


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def generic_contacts(members: pd.DataFrame) -> pd.DataFrame:
    """Members (the export's member rows of contacts) in the generic format, by contact_id."""
    frame = pd.DataFrame(
        {
            "contact_id": members["entity_id"].astype(str),
            "account_id": members["account_id"].map(_text),
            "email": members["email"].astype(str),
            "first_name": members["first_name"].map(_text),
            "last_name": members["last_name"].map(_text),
            "country_code": members["country_code"].map(_text),
            "language_code": members["language_code"].map(_text),
            "marketing_consent": members["marketing_consent"].astype(bool),
        }
    )
    return frame.sort_values("contact_id").reset_index(drop=True)


def customer_match(members: pd.DataFrame) -> pd.DataFrame:
    """Members of a contact segment (with their email_sha256 and phone_sha256) as a hashed
    customer-match upload, in contact_id order."""
    ordered = members.sort_values("entity_id")
    return pd.DataFrame(
        {
            "Email": ordered["email_sha256"],
            "Phone": ordered["phone_sha256"],
            "First Name": ordered["first_name"].map(name_sha256),
            "Last Name": ordered["last_name"].map(name_sha256),
            "Country": ordered["country_code"].map(_text),
            "Zip": ordered["postal_code"].map(_text),
        }
    ).reset_index(drop=True)


def customer_match_removals(removed: pd.DataFrame) -> pd.DataFrame:
    """Removed state rows (contact_id, email_sha256, phone_sha256, reason) as the hashed
    identifiers to remove from a customer list."""
    return pd.DataFrame({"Email": removed["email_sha256"], "Phone": removed["phone_sha256"]}).reset_index(drop=True)
