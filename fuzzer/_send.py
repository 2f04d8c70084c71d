"""Send: put a case on the wire to both targets at once and turn whatever comes back into `Response`s.

Timeouts, refused and reset connections are outcomes, never exceptions: a fuzzer is aimed at software that
breaks. Bodies are read up to a cap, so a runtime that answers with 100 MB costs at most `body_cap` bytes.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Sequence
from types import TracebackType

import httpx

from fuzzer._model import Case, Exchange, Outcome, Response, Target, WireRequest

DEFAULT_TIMEOUT = 5.0
DEFAULT_BODY_CAP = 1 << 20  # 1 MiB per response


class Transport:
    """Keep-alive HTTP clients for a pair of targets, driven by one private event loop.

    Use as a context manager. `exchange_many` sends every case to both targets concurrently (at most
    `workers` cases in flight) and returns one `Exchange` per case, in order.
    """

    def __init__(
        self,
        targets: tuple[Target, Target],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        workers: int = 8,
        body_cap: int = DEFAULT_BODY_CAP,
        extra_headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout={timeout!r} must be positive")
        if workers < 1:
            raise ValueError(f"workers={workers!r} must be at least 1")
        self.targets = targets
        self.timeout = timeout
        self.workers = workers
        self.body_cap = body_cap
        self.extra_headers = tuple(extra_headers)
        self._runner: asyncio.Runner | None = None
        self._clients: tuple[httpx.AsyncClient, ...] = ()
        self._limit: asyncio.Semaphore | None = None

    def __enter__(self) -> Transport:
        self._runner = asyncio.Runner()
        self._runner.run(self._open())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._runner is None:
            return
        try:
            self._runner.run(self._close())
        finally:
            self._runner.close()
            self._runner = None

    async def _open(self) -> None:
        limits = httpx.Limits(max_connections=self.workers, max_keepalive_connections=self.workers)
        self._clients = tuple(
            httpx.AsyncClient(
                base_url=target.url,
                timeout=httpx.Timeout(self.timeout),
                limits=limits,
                headers={"user-agent": "parity-fuzz"},
                trust_env=False,
            )
            for target in self.targets
        )
        self._limit = asyncio.Semaphore(self.workers)

    async def _close(self) -> None:
        for client in self._clients:
            await client.aclose()

    def exchange(self, case: Case) -> Exchange:
        return self.exchange_many([case])[0]

    def exchange_many(self, cases: Sequence[Case]) -> list[Exchange]:
        if self._runner is None:
            raise RuntimeError("Transport used outside its `with` block")
        return self._runner.run(self._exchange_all(cases))

    def get(self, index: int, path: str) -> Response:
        """A plain GET to one target (used for health probes)."""
        if self._runner is None:
            raise RuntimeError("Transport used outside its `with` block")
        request = WireRequest("GET", path, (), b"")
        return self._runner.run(self._send(self._clients[index], request))

    async def _exchange_all(self, cases: Sequence[Case]) -> list[Exchange]:
        return list(await asyncio.gather(*(self._exchange_one(case) for case in cases)))

    async def _exchange_one(self, case: Case) -> Exchange:
        assert self._limit is not None
        async with self._limit:
            left, right = await asyncio.gather(
                self._send(self._clients[0], case.request), self._send(self._clients[1], case.request)
            )
        return Exchange(case=case, targets=self.targets, responses=(left, right))

    async def _send(self, client: httpx.AsyncClient, request: WireRequest) -> Response:
        headers = list(request.headers) + list(self.extra_headers)
        try:
            return await asyncio.wait_for(self._read(client, request, headers), self.timeout)
        except (TimeoutError, httpx.TimeoutException):
            return Response(Outcome.TIMEOUT, detail=f"no complete answer within {self.timeout:g}s")
        except httpx.ConnectError as err:
            return Response(_connect_outcome(err), detail=_describe(err))
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as err:
            return Response(Outcome.RESET, detail=_describe(err))
        except httpx.HTTPError as err:
            return Response(Outcome.ERROR, detail=_describe(err))

    async def _read(self, client: httpx.AsyncClient, request: WireRequest, headers: list[tuple[str, str]]) -> Response:
        async with client.stream(request.method, request.path, headers=headers, content=request.body) as answer:
            chunks: list[bytes] = []
            size = 0
            truncated = False
            async for chunk in answer.aiter_raw():
                room = self.body_cap - size
                if len(chunk) > room:
                    chunks.append(chunk[:room])
                    truncated = True
                    break
                chunks.append(chunk)
                size += len(chunk)
            return Response(
                Outcome.OK,
                status=answer.status_code,
                content_type=answer.headers.get("content-type"),
                body=b"".join(chunks),
                truncated=truncated,
            )


def _connect_outcome(err: httpx.ConnectError) -> Outcome:
    cause = err.__cause__ or err.__context__
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED:
        return Outcome.REFUSED
    return Outcome.REFUSED if "refused" in str(err).lower() else Outcome.ERROR


def _describe(err: Exception) -> str:
    text = str(err) or type(err).__name__
    return text.splitlines()[0][:200]
