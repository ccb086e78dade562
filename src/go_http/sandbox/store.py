"""SQLite storage of the sandbox: schema, transactions and account seeding.

One connection is shared by all threads and guarded by a lock: SQLite serialises writers
anyway, and a single connection makes ``:memory:`` databases work across threads.  Every
write runs in one ``BEGIN IMMEDIATE`` transaction, so a failed request changes nothing, and
``synchronous=FULL`` with WAL makes an acknowledged write survive a SIGKILL.

Tables are created with ``IF NOT EXISTS`` on every open, so a file written by an older
version gains the newer tables (``events``) and keeps working.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from go_http._protocol import new_key, vumi_timestamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    key TEXT PRIMARY KEY,
    disable_optouts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    account_key TEXT NOT NULL REFERENCES accounts(key)
);
CREATE TABLE IF NOT EXISTS conversations (
    key TEXT PRIMARY KEY,
    account_key TEXT NOT NULL REFERENCES accounts(key),
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS channels (
    account_key TEXT NOT NULL REFERENCES accounts(key),
    pool TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (account_key, pool, tag)
);
CREATE TABLE IF NOT EXISTS routers (
    key TEXT PRIMARY KEY,
    account_key TEXT NOT NULL REFERENCES accounts(key),
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    extra_conversation_endpoints TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS routing_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_key TEXT NOT NULL REFERENCES accounts(key),
    source TEXT NOT NULL,
    target TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    account_key TEXT NOT NULL,
    conversation_key TEXT,
    direction TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_account ON messages (account_key, direction, seq);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    account_key TEXT NOT NULL,
    conversation_key TEXT,
    user_message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    push_status TEXT NOT NULL,
    push_error TEXT
);
CREATE INDEX IF NOT EXISTS events_by_account ON events (account_key, seq);
CREATE TABLE IF NOT EXISTS contacts (
    key TEXT PRIMARY KEY,
    account_key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_by_account ON contacts (account_key, key);
CREATE TABLE IF NOT EXISTS contact_groups (
    key TEXT PRIMARY KEY,
    account_key TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS groups_by_account ON contact_groups (account_key, key);
CREATE TABLE IF NOT EXISTS optouts (
    account_key TEXT NOT NULL,
    address_type TEXT NOT NULL,
    address TEXT NOT NULL,
    message TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_key, address_type, address)
);
CREATE TABLE IF NOT EXISTS metric_samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_key TEXT NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_by_name ON metric_samples (account_key, name, ts);
"""

#: The type of the sandbox's conversations, and the key of their API config block.
CONVERSATION_TYPE = "http_api_nostream"
#: The channel every ready-made account holds (pool, tag).
DEFAULT_CHANNEL = ("longcode", "10080")
#: A second channel, routed through the ready-made router.
ROUTER_CHANNEL = ("longcode", "10081")


class CredentialConflict(ValueError):
    """A credential flag names something that belongs to another account."""


@dataclass(frozen=True)
class Credentials:
    """The credentials of one sandbox account and its ready-made conversation.

    :param str auth_token: bearer token of the account.
    :param str account_key: the account (Basic-auth user of the conversation API).
    :param str conversation_key: the ``http_api_nostream`` conversation.
    :param str conversation_token: Basic-auth password of that conversation.
    """

    auth_token: str
    account_key: str
    conversation_key: str
    conversation_token: str


class Store:
    """The sandbox database.

    :param str path: a file path, or ``:memory:`` for a database without a file.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            # FULL: an acknowledged commit is on disk before the response goes out.
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._conn.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Hold the connection for a few reads."""
        with self._lock:
            yield self._conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Run the block as one transaction: committed if it returns, rolled back if not.

        A failed ``COMMIT`` (a deferred constraint, a full disk) is rolled back too: SQLite
        leaves the transaction open then, and every later ``BEGIN`` would fail.
        """
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    # -- accounts --------------------------------------------------------------------

    def account_for_token(self, token: str) -> str | None:
        """The account key a bearer token belongs to, if any.

        :param str token: the bearer token.
        """
        with self.read() as conn:
            row = conn.execute(
                "SELECT account_key FROM tokens WHERE token = ?", (token,)
            ).fetchone()
        return None if row is None else str(row["account_key"])

    def ready_account(
        self,
        auth_token: str | None = None,
        account_key: str | None = None,
        conversation_key: str | None = None,
        conversation_token: str | None = None,
    ) -> Credentials:
        """Return (creating or completing as needed) the database's ready-made account.

        Values not given are taken from the ready-made account recorded in the database, or
        generated on a fresh database.  Given values are added to that account when missing.

        :param str auth_token: bearer token to use.
        :param str account_key: account key to use.
        :param str conversation_key: conversation key to use.
        :param str conversation_token: conversation API token to use.
        :raises CredentialConflict: a given value belongs to another account.
        """
        with self.write() as conn:
            stored = conn.execute("SELECT value FROM meta WHERE name = 'ready_account'").fetchone()
            previous: dict[str, str] = json.loads(stored["value"]) if stored else {}
            if account_key is None:
                account_key = previous.get("account_key")
            creds = self._seed(
                conn,
                auth_token=auth_token or previous.get("auth_token"),
                account_key=account_key,
                conversation_key=conversation_key
                or (
                    previous.get("conversation_key")
                    if account_key == previous.get("account_key")
                    else None
                ),
                conversation_token=conversation_token or previous.get("conversation_token"),
            )
            conn.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('ready_account', ?)",
                (json.dumps(creds.__dict__),),
            )
        return creds

    def create_account(self) -> Credentials:
        """Create a fresh account with its own channel, conversation, router and routing."""
        with self.write() as conn:
            return self._seed(conn, None, None, None, None)

    def _seed(
        self,
        conn: sqlite3.Connection,
        auth_token: str | None,
        account_key: str | None,
        conversation_key: str | None,
        conversation_token: str | None,
    ) -> Credentials:
        account_key = account_key or new_key()
        auth_token = auth_token or new_key()
        conversation_token = conversation_token or new_key()
        now = vumi_timestamp()
        fresh = (
            conn.execute("SELECT 1 FROM accounts WHERE key = ?", (account_key,)).fetchone() is None
        )
        if fresh:
            conn.execute(
                "INSERT INTO accounts (key, created_at) VALUES (?, ?)", (account_key, now)
            )
        owner = conn.execute("SELECT account_key FROM tokens WHERE token = ?", (auth_token,))
        row = owner.fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO tokens (token, account_key) VALUES (?, ?)", (auth_token, account_key)
            )
        elif row["account_key"] != account_key:
            raise CredentialConflict("that auth token belongs to another account")
        if conversation_key is None:
            found = conn.execute(
                "SELECT key FROM conversations WHERE account_key = ? AND type = ? "
                "AND archived = 0 ORDER BY rowid LIMIT 1",
                (account_key, CONVERSATION_TYPE),
            ).fetchone()
            conversation_key = str(found["key"]) if found else new_key()
        conv = conn.execute(
            "SELECT account_key, config FROM conversations WHERE key = ?", (conversation_key,)
        ).fetchone()
        if conv is None:
            config = {CONVERSATION_TYPE: {"api_tokens": [conversation_token]}}
            conn.execute(
                "INSERT INTO conversations (key, account_key, type, name, description, status,"
                " config) VALUES (?, ?, 'http_api_nostream', 'Sandbox HTTP API',"
                " 'Ready-made sandbox conversation', 'running', ?)",
                (conversation_key, account_key, json.dumps(config)),
            )
        elif conv["account_key"] != account_key:
            raise CredentialConflict("that conversation key belongs to another account")
        else:
            config = json.loads(conv["config"])
            block = config.setdefault(CONVERSATION_TYPE, {})
            tokens = block.setdefault("api_tokens", [])
            if conversation_token not in tokens:
                tokens.append(conversation_token)
                conn.execute(
                    "UPDATE conversations SET config = ? WHERE key = ?",
                    (json.dumps(config), conversation_key),
                )
        if fresh:
            self._seed_routing(conn, account_key, conversation_key)
        return Credentials(auth_token, account_key, conversation_key, conversation_token)

    @staticmethod
    def _seed_routing(conn: sqlite3.Connection, account_key: str, conversation_key: str) -> None:
        """Give a new account two channels, a keyword router and a routing table."""
        router_key = new_key()
        for pool, tag in (DEFAULT_CHANNEL, ROUTER_CHANNEL):
            conn.execute(
                "INSERT INTO channels (account_key, pool, tag) VALUES (?, ?, ?)",
                (account_key, pool, tag),
            )
        conn.execute(
            "INSERT INTO routers (key, account_key, type, name, description, status,"
            " extra_conversation_endpoints) VALUES (?, ?, 'keyword', 'Keywords',"
            " 'Keyword router', 'running', ?)",
            (router_key, account_key, json.dumps(["keyword_one"])),
        )
        channel = "TRANSPORT_TAG:{}:{}::default".format(*DEFAULT_CHANNEL)
        router_channel = "TRANSPORT_TAG:{}:{}::default".format(*ROUTER_CHANNEL)
        conversation = f"CONVERSATION:http_api_nostream:{conversation_key}::default"
        router_in = f"ROUTER:keyword:{router_key}:INBOUND::default"
        router_out = f"ROUTER:keyword:{router_key}:OUTBOUND::keyword_one"
        entries = [
            (channel, conversation),
            (conversation, channel),
            (router_channel, router_in),
            (router_in, router_channel),
            (router_out, conversation),
        ]
        conn.executemany(
            "INSERT INTO routing_entries (account_key, source, target) VALUES (?, ?, ?)",
            [(account_key, src, dst) for src, dst in entries],
        )


def loads_row(row: sqlite3.Row, column: str) -> Any:
    """Decode a JSON column of a row.

    :param row: a result row.
    :param str column: the column holding JSON text.
    """
    return json.loads(row[column])
