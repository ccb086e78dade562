"""Changing one setting of one profile in the CLI's INI config file.

The file is edited line by line, so comments, blank lines and the other profiles stay as
they were; the result is parsed again before it replaces the old file (written to a
temporary file in the same directory, then renamed), so a failed edit leaves the old file
untouched.  The file holds tokens, so it is written readable by its owner only.
"""

from __future__ import annotations

import configparser
import os
import re
import tempfile
from pathlib import Path

from go_http.cli.settings import SettingsError

#: A section header line: ``[name]``.
_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
#: An option line: ``name = value`` or ``name: value`` (configparser's delimiters).
_OPTION = re.compile(r"^(?P<name>[^\s=:][^=:]*?)\s*[=:]")


def edit_setting(path: Path, profile: str, name: str, value: str | None) -> bool:
    """Set (or, with ``value=None``, remove) one setting of a profile.

    :param Path path: the config file (created, with its directory, if missing).
    :param str profile: the section to change (added if missing).
    :param str name: the setting.
    :param value: the new value; ``None`` removes the setting.
    :returns: whether the file changed (removing a setting that is not there does not).
    :raises SettingsError: the existing file cannot be read or parsed, or cannot be written.
    """
    try:
        old = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read config file {path}: {exc}") from None
    _parse(old, path)  # refuse to edit a file configparser cannot read
    lines = old.splitlines()
    new_lines = _edited(lines, profile, name, value)
    if new_lines == lines:
        return False
    text = "\n".join(new_lines) + "\n"
    parsed = _parse(text, path)
    got = parsed.get(profile, name, fallback=None) if parsed.has_section(profile) else None
    if got != value:  # pragma: no cover - a layout the line editor did not foresee
        raise SettingsError(f"could not change {name} in [{profile}] of {path}; edit it by hand")
    _replace(path, text)
    return True


def _edited(lines: list[str], profile: str, name: str, value: str | None) -> list[str]:
    """The file's lines with the setting set or removed."""
    start = next(
        (i for i, line in enumerate(lines) if _section_name(line) == profile),
        None,
    )
    if start is None:
        if value is None:
            return lines
        blank = [""] if lines and lines[-1].strip() else []
        return [*lines, *blank, f"[{profile}]", f"{name} = {value}"]
    end = next(
        (i for i in range(start + 1, len(lines)) if _section_name(lines[i]) is not None),
        len(lines),
    )
    for i in range(start + 1, end):
        match = _OPTION.match(lines[i])
        if match is None or match["name"].strip().lower() != name:
            continue
        after = i + 1  # the value's continuation lines (indented) go with it
        while after < end and lines[after][:1] in (" ", "\t") and lines[after].strip():
            after += 1
        replacement = [] if value is None else [f"{name} = {value}"]
        return [*lines[:i], *replacement, *lines[after:]]
    if value is None:
        return lines
    last = end
    while last > start + 1 and not lines[last - 1].strip():
        last -= 1  # after the section's last setting, before the blank lines
    return [*lines[:last], f"{name} = {value}", *lines[last:]]


def _section_name(line: str) -> str | None:
    match = _SECTION.match(line)
    return None if match is None else match["name"].strip()


def _parse(text: str, path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise SettingsError(f"cannot read config file {path}: {first_line}") from None
    return parser


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise SettingsError(f"cannot write config file {path}: {exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:  # mkstemp makes it 0600
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise SettingsError(f"cannot write config file {path}: {exc}") from None
