"""Progress bars for the long services (a backup, a restore, a storage check)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """What the services report progress to: tqdm's bar fits (the commands pass one)."""

    def reset(self, total: float | None = None) -> None: ...

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None: ...

    def update(self, n: float = 1) -> object: ...


class NoProgress:
    """Reports nowhere: for callers with no bar to show."""

    def reset(self, total: float | None = None) -> None:
        pass

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        pass

    def update(self, n: float = 1) -> None:
        pass
