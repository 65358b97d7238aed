"""The archive under the Lambda runtime's Python (3.13): import from the zip, run, compare.

Lambda@Edge runs python3.13; the rest of the suite runs on the machine's Python. The handler is
stdlib only, so the zip runs on a bare 3.13 interpreter with nothing installed.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from edge_handler.build import write_archive
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tools.edge_runtime.viewer_event import viewer_request_event

RUNNER = """
import json, sys
sys.path.insert(0, sys.argv[1])  # Lambda puts the code root on the path
import handler
results = []
for event in json.load(sys.stdin):
    result = handler.handler(event, None)
    results.append(result.get("status", "pass"))
print(json.dumps({"version": sys.version_info[:2], "results": results}))
"""


def python_313() -> str | None:
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [shutil.which("python3.13") or ""]
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.13*/bin/python3.13"))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-V"], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.mark.skipif(python_313() is None, reason="no Python 3.13 interpreter on this machine")
def test_the_zip_runs_on_python_3_13(tmp_path: Path):
    archive = write_archive(tmp_path, [CURRENT_TOKEN, PREVIOUS_TOKEN])
    events = [
        viewer_request_event([("Authorization", f"Bearer {CURRENT_TOKEN}")]),
        viewer_request_event([("Authorization", PREVIOUS_TOKEN)]),
        viewer_request_event([("Authorization", CURRENT_TOKEN[:-1])]),
        viewer_request_event([]),
        {"Records": []},
    ]
    completed = subprocess.run(
        [python_313(), "-I", "-c", RUNNER, str(archive)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    output = json.loads(completed.stdout.strip().splitlines()[-1])
    assert output["version"] == [3, 13]
    assert output["results"] == ["pass", "pass", "401", "401", "401"]
