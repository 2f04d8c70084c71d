"""The worker roster both runtimes load (`targets/roster.json`), as a small frozen type."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fuzzer._jsonfile import read_json

_WORKER_FIELDS = ("id", "name", "city", "role")


@dataclass(frozen=True, slots=True)
class Worker:
    id: str
    name: str
    city: str
    role: str


@dataclass(frozen=True, slots=True)
class Roster:
    """The workers in file order; `cities` and `roles` list each distinct value in order of first appearance."""

    workers: tuple[Worker, ...]
    cities: tuple[str, ...] = field(init=False)
    roles: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cities", tuple(dict.fromkeys(w.city for w in self.workers)))
        object.__setattr__(self, "roles", tuple(dict.fromkeys(w.role for w in self.workers)))

    def worker(self, worker_id: str) -> Worker | None:
        """The worker with this id (exact match), or None."""
        for worker in self.workers:
            if worker.id == worker_id:
                return worker
        return None


def load_roster(path: str | Path) -> Roster:
    """Read a roster file (`{"workers": [{"id", "name", "city", "role"}, ...]}`).

    Raises ValueError naming the path and the reason when the file is unreadable or not in that format.
    """
    data = read_json(path, "roster")
    if not isinstance(data, dict) or not isinstance(data.get("workers"), list):
        raise ValueError(f'roster {path}: expected an object with a "workers" array')
    workers = []
    for index, item in enumerate(data["workers"]):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in _WORKER_FIELDS):
            raise ValueError(
                f"roster {path}: workers[{index}] must be an object with string fields " + ", ".join(_WORKER_FIELDS)
            )
        workers.append(Worker(**{k: item[k] for k in _WORKER_FIELDS}))
    if not workers:
        raise ValueError(f"roster {path}: the workers array is empty; list at least one worker")
    return Roster(tuple(workers))
