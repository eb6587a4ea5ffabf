"""The agency config as the web app sees it: re-read whenever the file changes."""

from __future__ import annotations

import threading
from pathlib import Path

from bidflow.config import AgencyConfig, load_agency_config
from bidflow.errors import ConfigError


class AgencyConfigFile:
    """The agency config at ``path`` as the web app sees it: read on first use, and read again
    whenever the file's modification time or size changes, so edits apply without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # routes run in a thread pool
        self._stamp: tuple[int, int] | None = None
        self._read: AgencyConfig | ConfigError | None = None

    def load(self) -> AgencyConfig:
        """The config as the file is now; raises ConfigError when it is missing or invalid."""
        try:
            info = self.path.stat()
            stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None  # missing: load_agency_config says so, with what to do about it
        with self._lock:
            if self._read is None or stamp is None or stamp != self._stamp:
                try:
                    self._read = load_agency_config(self.path)
                except ConfigError as exc:
                    self._read = exc  # an invalid file is not parsed again until it changes
                self._stamp = stamp
            read = self._read
        if isinstance(read, ConfigError):
            raise ConfigError(str(read))
        return read


def one_line(error: ConfigError) -> str:
    """A config error (one line per mistake) as a single line, for JSON answers and banners."""
    return "; ".join(line.strip() for line in str(error).splitlines() if line.strip())
