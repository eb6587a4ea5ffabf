"""`bidflow ingest` and `bidflow sources` through the real command."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli.conftest import invoke
from tests.connectors.servers import unused_port
from tests.factories import agency_dict, write_config


def test_ingest_then_sources_show_each_feeds_health(tmp_path: Path) -> None:
    (tmp_path / "jobs.json").write_text(
        json.dumps(
            [{"id": str(n), "title": f"Django API {n}", "description": "x"} for n in range(3)]
        )
    )
    dead = f"http://127.0.0.1:{unused_port()}/feed.rss"
    feeds = [
        {"name": "export", "kind": "files", "path": "jobs.json"},
        {"name": "dead-board", "kind": "rss", "url": dead},
        {"name": "pushed", "kind": "webhook", "secret_env": "HOOK_SECRET"},
    ]
    config = write_config(tmp_path, agency_dict(feeds=feeds))

    ingested = invoke("ingest", "--config", str(config))
    assert ingested.exit_code == 0, ingested.stderr
    assert "export: 3 fetched, 3 new, 0 linked" in ingested.stdout
    assert f"dead-board: failed — {dead}: cannot fetch the feed" in ingested.stdout
    assert "pushed" not in ingested.stdout  # pushed feeds are never polled

    shown = invoke("sources", "--config", str(config)).stdout.splitlines()
    assert shown[0].split() == [
        "feed",
        "kind",
        "status",
        "last",
        "success",
        "fails",
        "new",
        "total",
        "lag",
    ]
    table = "\n".join(shown)
    assert re.search(r"^export\s+files\s+ok\s+just now\s+0\s+3\s+3\s+\S", table, re.M)
    assert re.search(r"^dead-board\s+rss\s+error\s+never\s+1\s+0\s+0\s+—", table, re.M)
    assert re.search(r"^pushed\s+webhook\s+never polled\s+never\s+0\s+0\s+0\s+—", table, re.M)
    assert any(line.startswith(f"dead-board: {dead}: cannot fetch the feed") for line in shown)
