"""Fuzz cases that once blew memory up, rebuilt from their names (bench/fuzz_mutations.py is
deterministic by seed and index) and loaded by the real command line in a process of their own,
whose own peak RSS (VmHWM) must stay bounded. The seeds are real corpus files, so the cases are
rebuilt here rather than kept as fixtures; skips (fails in CI) without ../shared/corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.fuzz_mutations import make_case
from tests.conftest import need_corpus

REPO = Path(__file__).resolve().parents[2]
RSS_MB = 300
"""Measured 58 MB; the case grew to 9.7 GB in an earlier fuzz run (a YAML alias bomb after a
deleted line, when Kubernetes manifests were read by an unbounded YAML loader)."""
LOAD_AND_MEASURE = """
import json, re, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from api.cli import main
sys.argv = ["keytrail", "load", "--jobs", "1", "--store", sys.argv[1], sys.argv[2]]
try:
    main()
except SystemExit as exc:
    code = exc.code
hwm = re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read())
print(json.dumps({"exit": code, "rss_mb": int(hwm.group(1)) / 1024}), file=sys.stderr)
"""


def test_the_k8s_alias_bomb_case_that_reached_9_7_gb_stays_small(tmp_path: Path) -> None:
    seed = need_corpus() / "k8s_manifests" / "popeye__core_pod_1.yaml"
    case = make_case("corpus/k8s_manifests/popeye__core_pod_1.yaml", seed.read_bytes(), 18, 921)
    assert case.mutations == ("delete_line", "yaml_bomb")
    path = tmp_path / "popeye__core_pod_1.yaml"
    path.write_bytes(case.data)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_MEASURE, str(tmp_path / "store.db"), str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    measured = json.loads(done.stderr.strip().splitlines()[-1])
    assert measured["exit"] == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{path}" in done.stderr and "alias" in done.stderr, done.stderr
    assert measured["rss_mb"] < RSS_MB
