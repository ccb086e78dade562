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

#: An option line: ``name = value`` or ``name: value`` (configparser's delimiters).
_OPTION = re.compile(r"^(?P<name>[^\s=:][^=:]*?)\s*[=:]")
#: What configparser takes for comment lines.
_COMMENT_PREFIXES = ("#", ";")
#: configparser's shared section, whose settings every profile inherits.
SHARED_SECTION = configparser.DEFAULTSECT


def edit_setting(path: Path, profile: str, name: str, value: str | None) -> bool:
    """Set (or, with ``value=None``, remove) one setting of a profile.

    :param Path path: the config file (created, with its directory, if missing; a
        symbolic link is followed, and the file it points to is the one changed).
    :param str profile: the section to change (added if missing).
    :param str name: the setting.
    :param value: the new value; ``None`` removes the setting.
    :returns: whether the file changed (removing a setting that is not there does not).
    :raises SettingsError: the profile is the shared ``[DEFAULT]`` section, the existing
        file cannot be read or parsed, the edit would change anything but this setting,
        or the file cannot be written.
    """
    if profile == SHARED_SECTION:
        raise SettingsError(
            f"[{SHARED_SECTION}] is the config file's shared section, not a profile; "
            "edit it by hand"
        )
    path = path.resolve() if path.is_symlink() else path
    try:
        # Bytes, not text mode, so that Windows line ends are seen and kept.
        old = path.read_bytes().decode("utf-8-sig") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read config file {path}: {exc}") from None
    before = _sections(old, path)  # refuse to edit a file configparser cannot read
    lines = old.splitlines()
    new_lines = _edited(lines, profile, name, value)
    if new_lines == lines:
        return False
    newline = "\r\n" if "\r\n" in old else "\n"
    text = newline.join(new_lines) + newline
    expected = {section: dict(options) for section, options in before.items()}
    options = expected.setdefault(profile, {})
    if value is None:
        options.pop(name, None)
    else:
        options[name] = value
    if _sections(text, path) != expected:
        raise SettingsError(
            f"could not change only {name} in [{profile}] of {path} (its layout is unusual); "
            "edit it by hand"
        )
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
        if lines[i].lstrip().startswith(_COMMENT_PREFIXES):
            continue
        match = _OPTION.match(lines[i])
        if match is None or match["name"].strip().lower() != name:
            continue
        after = _value_end(lines, i, end)
        replacement = [] if value is None else [f"{name} = {value}"]
        return [*lines[:i], *replacement, *lines[after:]]
    if value is None:
        return lines
    last = end
    while last > start + 1 and not lines[last - 1].strip():
        last -= 1  # after the section's last setting, before the blank lines
    return [*lines[:last], f"{name} = {value}", *lines[last:]]


def _value_end(lines: list[str], option: int, end: int) -> int:
    """The line after the value that starts on line ``option``: its continuation lines
    are indented, and blank lines between them belong to it too (as configparser reads
    them)."""
    after = option + 1
    scan = after
    while scan < end:
        if not lines[scan].strip():
            scan += 1
            continue
        if lines[scan][:1] not in (" ", "\t"):
            break
        scan += 1
        after = scan
    return after


def _section_name(line: str) -> str | None:
    """The section a header line opens, read as configparser reads it, or ``None``."""
    if line[:1] in (" ", "\t"):
        return None  # indented: part of a value
    match = configparser.ConfigParser.SECTCRE.match(line.strip())
    return None if match is None else match.group("header")


def _sections(text: str, path: Path) -> dict[str, dict[str, str]]:
    """Every section's own settings (``[DEFAULT]`` as a section of its own)."""
    parser = configparser.ConfigParser(interpolation=None, default_section="\0")
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise SettingsError(f"cannot read config file {path}: {first_line}") from None
    return {section: dict(parser.items(section)) for section in parser.sections()}


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise SettingsError(f"cannot write config file {path}: {exc}") from None
    try:
        # mkstemp makes it 0600; newline="" writes the line ends as they are.
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise SettingsError(f"cannot write config file {path}: {exc}") from None


def shared_setting(path: Path, name: str) -> bool:
    """Whether the file's shared ``[DEFAULT]`` section sets ``name`` for every profile."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8-sig")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return False
    return name in parser.defaults()
