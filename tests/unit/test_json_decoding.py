"""JSON answers decode the same with or without orjson."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from go_http._json import loads


def test_decodes_pages_and_falls_back_for_what_orjson_refuses() -> None:
    assert loads(b'{"cursor": null, "data": [{"key": "k", "n": 1.5}]}') == {
        "cursor": None,
        "data": [{"key": "k", "n": 1.5}],
    }
    # Python servers may write NaN (a metric bucket), which orjson refuses.
    series = loads(b'{"m.avg": [{"x": 0, "y": NaN}]}')
    assert math.isnan(series["m.avg"][0]["y"])


@pytest.mark.parametrize("bad", [b"", b"<html>Not Found</html>", b'{"a": '])
def test_bad_json_is_a_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any decoder's message will do
        loads(bad)


def test_works_without_orjson() -> None:
    script = (
        "import sys; sys.modules['orjson'] = None; from go_http._json import loads; "
        "print(loads(b'{\"a\": [1, 2]}'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "{'a': [1, 2]}", result.stderr
