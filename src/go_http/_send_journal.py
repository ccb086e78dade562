"""The SQLite journal of a bulk send: what happened to each message, kept as it happens.

Each message has one row, keyed by the caller's message id.  Before a request goes out
its row says ``sending``; when the answer arrives the row gets the outcome.  Every change
is its own committed transaction (WAL mode), so a crash, ``SIGKILL`` or Ctrl-C leaves a
consistent file: a row still ``sending`` is the one honest unknown (the request may or may
not have reached the server).  Commits are not fsynced (``synchronous=NORMAL``): the
journal survives the process dying, not the machine losing power.

One run at a time: a journal is locked for as long as it is open (an exclusive lock on
a sidecar file, ``<journal>.lock``, left in place afterwards), so a second run on the
same journal, in this process or another, is refused instead of sending duplicates.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:  # pragma: no cover - everywhere but Windows
    msvcrt = None  # type: ignore[assignment]

FORMAT = "go-http-send-journal/1"

#: Row statuses: ``sending`` is the intent written before the request goes out.
SENDING = "sending"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    to_addr TEXT,
    status TEXT NOT NULL,
    message_id TEXT,
    reason TEXT,
    run INTEGER NOT NULL
);
"""


class JournalError(ValueError):
    """The journal cannot be used for this send (another conversation, changed input,
    or not a journal at all)."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """What the journal knows about one message.

    :ivar str status: ``sending``, ``sent``, ``skipped``, ``failed`` or ``unknown``.
    :ivar int run: the run (1, 2, ...) that wrote it.
    """

    to_addr: str | None
    status: str
    message_id: str | None
    reason: str | None
    run: int


class SendJournal:
    """One bulk send's journal file.

    :param path: the SQLite file (created if missing).
    :param str account_key: the account the messages are sent as.
    :param str conversation_key: the conversation they are sent through; a journal
        written for another conversation is refused.
    :raises JournalError: the file is not a journal, or belongs to another conversation.
    """

    def __init__(self, path: str | Path, account_key: str, conversation_key: str) -> None:
        self.path = str(path)
        self._lock = _lock_exclusively(self.path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            self._lock.close()
            raise JournalError(f"cannot open the journal {self.path}: {exc}") from None
        try:
            self.run = self._open(account_key, conversation_key)
            #: No earlier run recorded anything, so there is nothing to look up.
            self.fresh = self._db.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is None
        except sqlite3.DatabaseError as exc:
            self.close()
            raise JournalError(f"{self.path} is not a go-http send journal ({exc})") from None
        except JournalError:
            self.close()
            raise

    def _open(self, account_key: str, conversation_key: str) -> int:
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if tables and "meta" not in tables:
            raise JournalError(f"{self.path} is an SQLite file but not a go-http send journal")
        db.executescript(_SCHEMA)
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if meta and meta.get("format") != FORMAT:
            raise JournalError(f"{self.path} is not a go-http send journal")
        expected = {"account_key": account_key, "conversation_key": conversation_key}
        if any(key in meta and meta[key] != value for key, value in expected.items()):
            raise JournalError(
                f"the journal {self.path} belongs to a send through conversation "
                f"{meta.get('conversation_key')!r} of account {meta.get('account_key')!r}, not "
                f"conversation {conversation_key!r} of account {account_key!r}; use a new "
                "journal file for another conversation"
            )
        run = int(meta.get("runs", "0")) + 1
        rows = {"format": FORMAT, **expected, "runs": str(run)}
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows.items())
        db.execute("COMMIT")
        return run

    def lookup(self, message_id: str) -> JournalEntry | None:
        """The entry of a message, or ``None`` when no earlier run has seen it."""
        if self.fresh:
            return None  # nothing to find: spare a query per message
        row = self._db.execute(
            "SELECT to_addr, status, message_id, reason, run FROM messages WHERE id = ?",
            (message_id,),
        ).fetchone()
        return None if row is None else JournalEntry(*row)

    def claim(
        self, message_id: str, to_addr: str | None, status: str, reason: str | None = None
    ) -> bool:
        """Write a message's first status of this run (one committed transaction).

        :returns: ``False`` (and writes nothing) when this run already wrote that id: the
            input holds the id twice.
        """
        cursor = self._db.execute(
            "INSERT INTO messages VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " to_addr = excluded.to_addr, status = excluded.status, message_id = NULL,"
            " reason = excluded.reason, run = excluded.run WHERE messages.run < excluded.run",
            (message_id, to_addr, status, reason, self.run),
        )
        return cursor.rowcount == 1

    def finish(
        self,
        message_id: str,
        status: str,
        server_message_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Write a new status of a message claimed by this run (one committed transaction):
        its outcome, or ``sending`` again before another attempt."""
        self._db.execute(
            "UPDATE messages SET status = ?, message_id = ?, reason = ? WHERE id = ?",
            (status, server_message_id, reason, message_id),
        )

    def counts(self) -> dict[str, int]:
        """How many messages have each status."""
        return dict(self._db.execute("SELECT status, COUNT(*) FROM messages GROUP BY status"))

    def close(self) -> None:
        """Close the file and let another run use it."""
        try:
            self._db.close()
        finally:
            self._lock.close()  # closing the file releases the lock


def _lock_exclusively(journal: str) -> IO[bytes]:
    """Lock ``<journal>.lock`` for this run; closing the returned file unlocks it.

    :raises JournalError: another run holds the lock, or the lock file cannot be opened.
    """
    lock_path = journal + ".lock"
    try:
        lock_file = open(lock_path, "a+b")  # noqa: SIM115 - held open for the whole run
    except OSError as exc:
        raise JournalError(f"cannot open the journal lock file {lock_path}: {exc}") from None
    try:
        if fcntl is not None:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        elif msvcrt is not None:  # pragma: no cover - Windows
            lock_file.seek(0)
            msvcrt.locking(lock_file.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        lock_file.close()
        raise JournalError(
            f"the journal {journal} is in use by another run (in this or another process); "
            "wait for it to finish, or use another journal file"
        ) from None
    return lock_file
