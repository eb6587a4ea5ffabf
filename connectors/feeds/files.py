"""CSV, JSON and JSONL files of jobs, with a column mapping for files that name fields otherwise."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bidflow.errors import FeedError
from connectors.feeds.base import FeedBatch, FetchContext
from connectors.feeds.items import DEFAULT_MAPPING, add_new_items, item_key
from connectors.feeds.workers import warm_up

_JSONL_SUFFIXES = {".jsonl", ".ndjson"}
# A file this large holds a few thousand jobs: enough to be normalised in worker processes.
_LARGE_FILE = 2_000_000


@dataclass
class FilesSource:
    """A file of jobs; one bad row is reported and skipped, the others are read."""

    name: str
    path: Path
    format: str = "auto"
    mapping: Mapping[str, str] = field(default_factory=dict)
    html_descriptions: bool = False

    def fetch(self, context: FetchContext) -> FeedBatch:
        batch = FeedBatch(source=self.name)
        batch.problems.extend(
            f"{self.path}: mapping names '{name}', which is not a job field; it is ignored"
            for name in self.mapping
            if name not in DEFAULT_MAPPING
        )
        mapping = {**DEFAULT_MAPPING, **self.mapping}
        if context.workers and _size(self.path) >= _LARGE_FILE:
            warm_up(context.workers)  # the workers start while the file is read
        labelled = []
        for where, item in self._items(batch):
            if isinstance(item, _Broken):
                batch.problems.append(f"{self.path}: {where}: {item.reason}; skipped")
            else:
                labelled.append((f"{self.path}: {where}", item, item_key(item, mapping)))
        # Rows stored on an earlier run are not normalised again: a re-import is mostly repeats.
        add_new_items(
            batch, labelled, mapping, context=context, html_descriptions=self.html_descriptions
        )
        return batch

    def _items(self, batch: FeedBatch) -> Iterator[tuple[str, Any]]:
        """Each item with where it is ("item 3", "line 12"); notes about the file go to batch."""
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise FeedError(f"{self.path}: cannot read the jobs file ({exc.strerror})") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Spreadsheet exports are often in the Windows code page rather than UTF-8.
            text = data.decode("cp1252", errors="replace")
            batch.problems.append(f"{self.path}: not UTF-8; read it as Windows-1252")
        kind = self.format if self.format != "auto" else _guess_format(self.path, text)
        if kind == "csv":
            yield from _csv_rows(text)
        elif kind == "jsonl":
            yield from _jsonl_items(text)
        else:
            yield from _json_items(self.path, text)


@dataclass(frozen=True)
class _Broken:
    """A row that could not even be parsed, and why."""

    reason: str


def _csv_rows(text: str) -> Iterator[tuple[str, Any]]:
    """Rows as {column: value}, each with the line it starts on (a quoted value may span
    several lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return
    end = reader.line_num
    for values in reader:
        start, end = end + 1, reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            yield (
                f"line {start}",
                _Broken(
                    f"{len(values)} values for {len(header)} columns (a comma outside quotes?)"
                ),
            )
        else:
            yield f"line {start}", dict(zip(header, values, strict=False))


def _jsonl_items(text: str) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield f"line {number}", json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"line {number}", _Broken(f"not valid JSON ({exc.msg})")


def _json_items(path: Path, text: str) -> Iterator[tuple[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); fix the file or export"
            " it again"
        ) from None
    if isinstance(data, dict) and isinstance(data.get("jobs"), list):
        data = data["jobs"]
    if not isinstance(data, list):
        raise FeedError(f'{path}: expected a JSON array of jobs (or {{"jobs": [...]}})')
    for number, item in enumerate(data, start=1):  # counted from 1, like lines and RSS items
        yield f"item {number}", item


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it will say what is wrong


def _guess_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        return "jsonl"
    if suffix in {".csv", ".json"}:
        return suffix[1:]
    return "json" if text.lstrip().startswith(("[", "{")) else "csv"
