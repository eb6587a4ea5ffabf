"""Portfolio item vectors kept on disk, so each item is embedded once per text and model."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


class VectorCache:
    """One JSON file per vector in ``folder``, named by sha256 of the model and the text: an
    edited item or another model is simply a new file, and nothing needs invalidating."""

    def __init__(self, folder: Path, model: str) -> None:
        self.folder = folder
        self.model = model

    def get(self, text: str) -> list[float] | None:
        """The stored vector for ``text``; None if there is none or the file is unreadable."""
        try:
            value = json.loads(self._path(text).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(value, list) or not all(isinstance(x, int | float) for x in value):
            return None  # a damaged file is embedded again, not trusted
        return [float(x) for x in value]

    def put(self, text: str, vector: list[float]) -> None:
        """Store ``vector``; written whole then renamed, so concurrent workers never read half."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(vector, file)
            os.replace(temporary, self._path(text))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _path(self, text: str) -> Path:
        key = hashlib.sha256(f"{self.model}\0{text}".encode()).hexdigest()
        return self.folder / f"{key}.json"
