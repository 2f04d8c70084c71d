"""Merge: combine the cases of several corpora into one (`parity-fuzz corpus merge SRC… --into DIR`), one
reproducer per divergence class, as libFuzzer's `-merge=1` keeps one input per feature.

`plan_merge` decides and `apply_merge` writes; nothing is written while deciding.

- A **class** is the signature digest of a `diverge` case of origin `fuzz`. Cases saved under an older signature
  version count by their re-keyed digest (`fuzzer._migrate`); a case that cannot be re-keyed counts by the
  digest it records, as a class of its own version.
- For each class the **candidates** are DIR's cases of the class in `DIR/found/` and the sources' cases. The
  smallest is kept in `DIR/found/`: the fewest request bytes (`size`: body, header names and values, path),
  then DIR's own file, then the file name. A source's case that wins is written into `DIR/found/` (atomically,
  never over another file; re-keyed if it was stale), and only then are DIR's other files of the class removed.
  So DIR keeps its file unless a source's is strictly smaller.
- A class DIR holds outside `found/` (a hand-written case in `canonical/`, say) keeps that case; nothing is
  written for it.
- Cases that expect a match, and cases of origin `canonical`, are **copied** by file name: to the same path
  below DIR as below their source, unless a file is there already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from fuzzer import _store
from fuzzer._compare import ComparePolicy
from fuzzer._errors import CaseFileError, CorpusError
from fuzzer._migrate import NotMigratable, rekey, stale
from fuzzer._model import WireRequest
from fuzzer._store import DIVERGE, StoredCase


def size(request: WireRequest) -> int:
    """How big a reproducer is: its body, its header names and values, and its path, in bytes."""
    headers = sum(len(_utf8(name)) + len(_utf8(value)) for name, value in request.headers)
    return len(request.body) + headers + len(_utf8(request.path))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class Action(StrEnum):
    ADDED = "added"  # a source's case, for a class DIR did not have
    REPLACED = "replaced"  # a source's case, strictly smaller than DIR's
    KEPT = "kept"  # DIR's case is the smallest, or DIR holds the class outside found/


@dataclass(frozen=True, slots=True)
class Candidate:
    """A case that shows a class: as read, and as it would be written (`stored`, re-keyed when it was stale)."""

    path: Path
    stored: StoredCase
    size: int
    in_into: bool  # already in DIR

    @property
    def order(self) -> tuple[int, int, str, str]:
        return (self.size, 0 if self.in_into else 1, self.path.name, str(self.path))


@dataclass(frozen=True, slots=True)
class ClassMerge:
    """What becomes of one class: `winner` stays in or goes to DIR/found; `removed` are DIR's files of the class
    that it supersedes; `passed_over` counts the sources' cases not taken."""

    digest: str
    key: str
    action: Action
    winner: Candidate
    removed: tuple[Candidate, ...] = ()
    passed_over: int = 0


@dataclass(frozen=True, slots=True)
class Copy:
    """A match or canonical case, copied to `target` unless something is there (`present`)."""

    source: Path
    target: Path
    present: bool


@dataclass(frozen=True, slots=True)
class MergePlan:
    into: Path
    classes: tuple[ClassMerge, ...]
    copies: tuple[Copy, ...]
    errors: tuple[CaseFileError, ...]  # unreadable files, left out
    notes: tuple[str, ...]  # stale cases that could not be re-keyed, and why


def plan_merge(sources: Sequence[Path], into: Path, policy: ComparePolicy) -> MergePlan:
    """Decide the merge of `sources` into `into`. CorpusError for a source that does not exist, for `into` when
    it is a file, and for a source that is `into` or holds it, or lies inside it."""
    check_paths(sources, into)
    notes: list[str] = []
    found = into / "found"
    managed: dict[str, list[Candidate]] = {}  # DIR/found's cases by class
    held: dict[str, Candidate] = {}  # DIR's cases outside found/, by class
    errors: list[CaseFileError] = []
    if into.is_dir():
        for path in _store.case_files([into]):
            stored = _read(path, errors)
            if stored is None or not _is_class(stored):
                continue
            candidate = _candidate(path, stored, True, policy, notes)
            digest = _digest(candidate.stored)
            if _below(path, found):
                managed.setdefault(digest, []).append(candidate)
            else:
                held.setdefault(digest, candidate)
    offered: dict[str, list[Candidate]] = {}
    copies: list[Copy] = []
    planned: set[Path] = set()
    for source in sources:
        for path in _store.case_files([source]):
            stored = _read(path, errors)
            if stored is None:
                continue
            if not _is_class(stored):
                target = into / (path.relative_to(source) if source.is_dir() else Path(path.name))
                present = target.exists() or target in planned
                planned.add(target)
                copies.append(Copy(path, target, present))
                if not present and stored.expect.outcome == DIVERGE:  # a canonical diverge case: DIR holds it now
                    candidate = _candidate(target, stored, True, policy, notes)
                    held.setdefault(_digest(candidate.stored), candidate)
                continue
            candidate = _candidate(path, stored, False, policy, notes)
            offered.setdefault(_digest(candidate.stored), []).append(candidate)
    classes = []
    for digest in sorted(set(managed) | set(offered)):
        mine, theirs = managed.get(digest, []), offered.get(digest, [])
        key = (mine or theirs)[0].stored.expect.key or ""
        if digest in held:
            classes.append(ClassMerge(digest, key, Action.KEPT, held[digest], passed_over=len(theirs)))
            continue
        winner = min([*mine, *theirs], key=lambda c: c.order)
        removed = tuple(c for c in mine if c is not winner)
        passed = len(theirs) - (0 if winner.in_into else 1)
        action = Action.KEPT if winner.in_into else Action.REPLACED if mine else Action.ADDED
        classes.append(ClassMerge(digest, key, action, winner, removed, passed))
    return MergePlan(into, tuple(classes), tuple(copies), tuple(errors), tuple(notes))


def check_paths(sources: Sequence[Path], into: Path) -> None:
    if into.exists() and not into.is_dir():
        raise CorpusError(f"--into {into} is a file, not a folder; pass the corpus folder to merge into")
    target = into.resolve()
    for source in sources:
        if not source.exists():
            raise CorpusError(f"corpus path {source} does not exist; pass a case file or a folder of them")
        where = source.resolve()
        if where == target or target in where.parents or where in target.parents:
            raise CorpusError(
                f"source {source} and --into {into} overlap; merge from folders outside the one merged into"
            )


def _read(path: Path, errors: list[CaseFileError]) -> StoredCase | None:
    try:
        return _store.read_case(path)
    except CaseFileError as err:
        errors.append(err)
        return None


def _is_class(stored: StoredCase) -> bool:
    """A found reproducer, merged by class (the rest is copied by file name)."""
    return stored.expect.outcome == DIVERGE and stored.origin != "canonical" and bool(stored.expect.signature)


def _candidate(path: Path, stored: StoredCase, in_into: bool, policy: ComparePolicy, notes: list[str]) -> Candidate:
    if stale(stored):
        try:
            stored = replace(stored, expect=rekey(stored, policy))
        except NotMigratable as err:
            notes.append(f"{path}: kept by its recorded digest (signature version {stored.expect.version}): {err}")
    return Candidate(path, stored, size(stored.case.request), in_into)


def _digest(stored: StoredCase) -> str:
    """The class a case belongs to: its digest, or `v<version>:<digest>` for a stale one not re-keyed."""
    expect = stored.expect
    return f"v{expect.version}:{expect.signature}" if stale(stored) else expect.signature or ""


def _below(path: Path, folder: Path) -> bool:
    return folder.resolve() in path.resolve().parents


# ---------------------------------------------------------------- writing


@dataclass(frozen=True, slots=True)
class Merged:
    """What applying one class's merge wrote: `path` is the class's file in DIR/found (or where DIR holds it)."""

    merge: ClassMerge
    path: Path


def apply_merge(plan: MergePlan) -> tuple[list[Merged], list[Copy]]:
    """Write the plan: new files first, then the files they supersede removed. Returns what each class is now
    and the copies made. CorpusError when a file cannot be written or removed (what was done stays done)."""
    _store.check_writable(plan.into)
    merged = []
    for merge in plan.classes:
        path = merge.winner.path
        if merge.action is not Action.KEPT:
            path, _ = _store.write_case(plan.into / "found", merge.winner.stored)
        for old in merge.removed:
            if old.path.resolve() == path.resolve():
                continue
            try:
                old.path.unlink()
            except FileNotFoundError:
                pass
            except OSError as err:
                raise CorpusError(f"cannot remove {old.path} ({err.strerror}); remove it by hand") from err
        merged.append(Merged(merge, path))
    copied = []
    for copy in plan.copies:
        if copy.present:
            continue
        try:
            text = copy.source.read_text(encoding="utf-8")
            copy.target.parent.mkdir(parents=True, exist_ok=True)
            written = _store.write_file(copy.target, text, overwrite=False)
        except OSError as err:
            raise CorpusError(f"cannot copy {copy.source} to {copy.target} ({err.strerror})") from err
        if written:
            copied.append(copy)
    return merged, copied
