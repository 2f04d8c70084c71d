"""The bundled reference runtimes: build them, start them in the background, stop exactly what was started.

`targets start` records the processes it launched in `.parity/runtimes.json`; `targets stop` ends those
processes and nothing else (a recorded pid whose command line no longer names our binary is left alone).
`reference()` starts a private pair on free ports for one campaign or test and stops it afterwards; given an
`Executable`, its Go side runs another build (for example one compiled with `go build -cover`) with extra
environment variables (its `GOCOVERDIR`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from fuzzer import _bundled
from fuzzer._errors import RuntimeSetupError
from fuzzer._jsonfile import parse_json
from fuzzer._model import Target
from fuzzer._store import write_file

ROOT = _bundled.ROOT
TARGETS = _bundled.TARGETS
RUST_BIN = TARGETS / "rust" / "target" / "release" / "validatord-rs"
GO_BIN = TARGETS / "go" / "bin" / "validatord-go"
ROSTER = _bundled.ROSTER
DEFAULT_RUST_ADDR = _bundled.RUST_ADDR
DEFAULT_GO_ADDR = _bundled.GO_ADDR
START_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Running:
    name: str
    pid: int
    addr: str
    binary: str
    log: str

    @property
    def url(self) -> str:
        return f"http://{self.addr}"

    @property
    def target(self) -> Target:
        return Target(self.name, self.url)


@dataclass(frozen=True, slots=True)
class Executable:
    """A runtime binary to start instead of the bundled build, and environment variables to add to its own
    (for example a coverage build of the Go runtime and `{"GOCOVERDIR": folder}`)."""

    path: Path
    env: Mapping[str, str] = field(default_factory=dict)


def _need(tool: str, hint: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise RuntimeSetupError(f"{tool} not found on PATH; {hint}")
    return found


def build(*, quiet: bool = True) -> None:
    """Compile both runtimes in release mode (incremental: fast when nothing changed)."""
    if not (TARGETS / "rust" / "Cargo.toml").is_file() or not (TARGETS / "go" / "go.mod").is_file():
        raise RuntimeSetupError(f"bundled runtimes not found under {TARGETS}; run from a parity-fuzz checkout")
    cargo = _need("cargo", "install Rust (https://rustup.rs) to build the Rust runtime")
    go = _need("go", "install Go (https://go.dev/dl) to build the Go runtime")
    steps = [
        (
            "rust",
            [cargo, "build", "--release", "--quiet", "--manifest-path", str(TARGETS / "rust" / "Cargo.toml")],
            ROOT,
        ),
        ("go", [go, "build", "-o", str(GO_BIN), "."], TARGETS / "go"),
    ]
    for name, command, cwd in steps:
        result = subprocess.run(command, cwd=cwd, capture_output=quiet, text=True, check=False)
        if result.returncode != 0:
            tail = (result.stderr or "").strip().splitlines()[-1:] if quiet else []
            raise RuntimeSetupError(
                f"building the {name} runtime failed ({' '.join(tail) or f'exit {result.returncode}'}); "
                f"run `{' '.join(command[:2])} ...` in {cwd} to see why"
            )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check_free(addr: str) -> None:
    host, _, port = addr.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
        except OSError as err:
            raise RuntimeSetupError(
                f"address {addr} is taken ({err.strerror}); stop what listens there or choose another with "
                "--rust-addr/--go-addr"
            ) from err


def _wait_healthy(process: subprocess.Popen[bytes], name: str, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
            raise RuntimeSetupError(
                f"the {name} runtime exited at start with status {process.returncode}"
                f" ({' '.join(tail) or 'no output'}); see {log}"
            )
        try:
            if httpx.get(url + _bundled.HEALTH, timeout=1.0, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    process.terminate()
    raise RuntimeSetupError(
        f"the {name} runtime did not answer {url}{_bundled.HEALTH} within {START_TIMEOUT:g}s; see {log}"
    )


def launch(
    name: str, addr: str, *, go_serde_errors: bool = False, log_dir: Path, executable: Executable | None = None
) -> Running:
    """Start the runtime `name` on `addr` and wait until it answers; `executable` replaces the bundled binary."""
    binary = RUST_BIN if name == "rust" else GO_BIN
    if executable is not None:
        binary = executable.path
        if not binary.is_file():
            raise RuntimeSetupError(f"the {name} runtime binary {binary} does not exist; build it first")
    elif not binary.is_file():
        build()
    _check_free(addr)
    command = [str(binary), "--addr", addr, "--roster", str(ROSTER)]
    env = dict(os.environ)
    env.pop("VALIDATORD_SERDE_ERRORS", None)
    if executable is not None:
        env.update(executable.env)
    if go_serde_errors and name == "go":
        command.append("--serde-errors")
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    running = Running(name, process.pid, addr, str(binary), str(log))
    try:
        _wait_healthy(process, name, running.url, log)
    except RuntimeSetupError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    return running


def terminate(running: Running, grace: float = 5.0) -> bool:
    """SIGTERM, then SIGKILL after `grace` seconds. False when the process was already gone or not ours."""
    if not _is_ours(running):
        return False
    os.kill(running.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _alive(running.pid):
            return True
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(running.pid, signal.SIGKILL)
    _alive(running.pid)
    return True


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # our own child: reap it, so that it leaves no zombie
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        return reaped == 0
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False


def _is_ours(running: Running) -> bool:
    if not _alive(running.pid):
        return False
    try:
        cmdline = Path(f"/proc/{running.pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc: trust the record
    return bool(cmdline) and cmdline[0].decode(errors="replace") == running.binary


# ---------------------------------------------------------------- `targets start|stop|status`


class StateFile:
    """`.parity/runtimes.json`: what `targets start` launched."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "runtimes.json"

    def read(self) -> list[Running]:
        if not self.path.is_file():
            return []
        try:
            return [Running(**item) for item in parse_json(self.path.read_text(encoding="utf-8"))]
        except (OSError, ValueError, TypeError):  # unreadable, not JSON, not a list of records: nothing recorded
            return []

    def write(self, runtimes: list[Running]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        write_file(self.path, json.dumps([asdict(r) for r in runtimes], indent=2) + "\n", overwrite=True)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def start(state: StateFile, rust_addr: str, go_addr: str, *, go_serde_errors: bool = False) -> list[Running]:
    alive = [r for r in state.read() if _is_ours(r)]
    if alive:
        where = ", ".join(f"{r.name} at {r.url}" for r in alive)
        raise RuntimeSetupError(f"runtimes already started ({where}); run `parity-fuzz targets stop` first")
    build()
    started: list[Running] = []
    try:
        for name, addr in (("rust", rust_addr), ("go", go_addr)):
            started.append(launch(name, addr, go_serde_errors=go_serde_errors, log_dir=state.directory / "logs"))
    except BaseException:
        for running in started:
            terminate(running)
        raise
    state.write(started)
    return started


def stop(state: StateFile) -> list[Running]:
    stopped = [r for r in state.read() if terminate(r)]
    state.clear()
    return stopped


def status(state: StateFile) -> list[tuple[Running, bool]]:
    return [(r, _is_ours(r)) for r in state.read()]


class ReferencePair:
    """A private Rust and Go pair on free loopback ports, which a campaign may restart after a crash. `go`, when
    given, is the Go binary started (and restarted) instead of the bundled build."""

    def __init__(
        self, *, go_serde_errors: bool = False, log_dir: Path | None = None, go: Executable | None = None
    ) -> None:
        self.go_serde_errors = go_serde_errors
        self.go = go
        self.own_logs = log_dir is None  # a private log folder is removed at stop, unless something failed
        self.log_dir = log_dir or ROOT / ".parity" / f"reference-{os.getpid()}-{id(self):x}"
        self.running: dict[str, Running] = {}
        self.failed = False

    @property
    def targets(self) -> tuple[Target, Target]:
        return self.running["rust"].target, self.running["go"].target

    def start(self) -> None:
        build()
        for name in ("rust", "go"):
            self._launch(name, f"127.0.0.1:{free_port()}")

    def _launch(self, name: str, addr: str) -> None:
        try:
            self.running[name] = launch(
                name,
                addr,
                go_serde_errors=self.go_serde_errors,
                log_dir=self.log_dir,
                executable=self.go if name == "go" else None,
            )
        except RuntimeSetupError:
            self.failed = True  # its message points at the logs: keep them
            raise

    def restart(self, name: str) -> None:
        """Start `name` again on its address (after it died, or to be sure it is fresh)."""
        old = self.running[name]
        terminate(old)
        self._launch(name, old.addr)

    def stop(self) -> None:
        for running in self.running.values():
            terminate(running)
        if self.own_logs and not self.failed:
            shutil.rmtree(self.log_dir, ignore_errors=True)


@contextlib.contextmanager
def reference_pair(
    *, go_serde_errors: bool = False, log_dir: Path | None = None, go: Executable | None = None
) -> Iterator[ReferencePair]:
    pair = ReferencePair(go_serde_errors=go_serde_errors, log_dir=log_dir, go=go)
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()


@contextlib.contextmanager
def reference(*, go_serde_errors: bool = False, log_dir: Path | None = None) -> Iterator[tuple[Target, Target]]:
    """Start a private Rust and Go pair on free loopback ports; stop both on exit."""
    with reference_pair(go_serde_errors=go_serde_errors, log_dir=log_dir) as pair:
        yield pair.targets
