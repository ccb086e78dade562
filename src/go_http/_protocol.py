"""Facts of the Vumi Go wire protocol shared by the client and the sandbox.

Everything here is pure data or a pure function: no I/O.  The client uses these to
validate input before a request goes out; the sandbox uses the same definitions to
validate what it receives, so the two can never disagree.
"""

from __future__ import annotations

import datetime as _dt
import uuid

#: The hosted Vumi Go base URL (kept as the documented default).
DEFAULT_API_URL = "https://go.vumi.org/api/v1/go"
#: The conversation (sender) API lives below this segment of the base URL.
SEND_API_SEGMENT = "http_api_nostream"
DEFAULT_SEND_URL = f"{DEFAULT_API_URL}/{SEND_API_SEGMENT}"

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

#: Aggregators a metric name may end with (spec 6.1), lower-case.
AGGREGATORS: tuple[str, ...] = ("avg", "sum", "max", "min", "last")
#: USSD-style session events a sender may ask for (spec 1.6).
SESSION_EVENTS: tuple[str, ...] = ("new", "resume", "close")
#: Contact fields that can be used for an address lookup (spec 4.2).
ADDRESS_FIELDS: tuple[str, ...] = (
    "bbm_pin",
    "facebook_id",
    "gtalk_id",
    "msisdn",
    "mxit_id",
    "twitter_handle",
    "wechat_id",
)

#: Contact fields that hold one string each, as a person would fill them in (spec 4.2).
CONTACT_TEXT_FIELDS: tuple[str, ...] = (
    "msisdn",
    "name",
    "surname",
    "email_address",
    "dob",
    "twitter_handle",
    "facebook_id",
    "bbm_pin",
    "gtalk_id",
    "mxit_id",
    "wechat_id",
)
#: Every field of a contact object, in the server's order (spec 4.2).
CONTACT_FIELDS: tuple[str, ...] = (
    "key",
    "$VERSION",
    "user_account",
    "created_at",
    "name",
    "surname",
    "email_address",
    "dob",
    "msisdn",
    "twitter_handle",
    "facebook_id",
    "bbm_pin",
    "gtalk_id",
    "mxit_id",
    "wechat_id",
    "groups",
    "extra",
    "subscription",
)

#: The substring by which an opt-out refusal of a send is recognised (spec 1.5).
OPTED_OUT_MARKER = "opted out"

VUMI_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def metric_aggregator(name: str) -> str | None:
    """Return the aggregator a metric name ends with, or ``None`` if it has none.

    :param str name: a full metric name such as ``stores.default.pings.sum``.
    """
    suffix = name.rsplit(".", 1)[-1]
    return suffix if "." in name and suffix in AGGREGATORS else None


def normalize_msisdn(value: str) -> str:
    """Normalise an msisdn the way the contacts lookup does: one leading ``+``."""
    return "+" + value.lstrip("+")


def new_key() -> str:
    """A fresh opaque 32-character hex key (uuid4 without dashes)."""
    return uuid.uuid4().hex


def vumi_timestamp(moment: _dt.datetime | None = None) -> str:
    """Format a moment (default: now) as a naive-UTC vumi timestamp."""
    if moment is None:
        moment = _dt.datetime.now(_dt.timezone.utc)
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return moment.strftime(VUMI_TIMESTAMP_FORMAT)
