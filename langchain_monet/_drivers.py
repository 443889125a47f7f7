"""Run a `_protocol` operation with real I/O: blocking httpx, or asyncio with httpx.AsyncClient.

These two small loops are the only places where sync and async differ.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import httpx
from httpx_sse import EventSource

from langchain_monet._protocol import (
    Close,
    Emit,
    NextEvent,
    OpenEvents,
    Operation,
    Read,
    Send,
    Sleep,
)
from langchain_monet.models import Task

T = TypeVar("T")
ProgressCallback = Callable[[Task], Any]


def iterate_sync(op: Operation[T], http: httpx.Client) -> Iterator[Task]:
    """Run `op`, yielding each emitted snapshot; the operation's result is the return value."""
    value: Any = None
    error: BaseException | None = None
    streams: list[httpx.Response] = []  # closed whatever happens, even if the caller stops early
    try:
        while True:
            try:
                effect = op.send(value) if error is None else op.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            if isinstance(effect, Emit):
                yield effect.task
                continue
            try:
                value = _perform_sync(effect, http, streams)
            except Exception as exc:
                error = exc
    finally:
        op.close()
        for response in streams:
            response.close()


def _perform_sync(effect: Any, http: httpx.Client, streams: list[httpx.Response]) -> Any:
    if isinstance(effect, Send):
        response = http.send(effect.request, stream=effect.stream)
        if effect.stream:
            streams.append(response)
        return response
    if isinstance(effect, Sleep):
        time.sleep(effect.seconds)
    elif isinstance(effect, OpenEvents):
        return EventSource(effect.response).iter_sse()
    elif isinstance(effect, NextEvent):
        return next(effect.events, None)
    elif isinstance(effect, Read):
        effect.response.read()
        effect.response.close()
        return effect.response
    elif isinstance(effect, Close):
        effect.response.close()
    return None


def run_sync(op: Operation[T], http: httpx.Client, on_progress: ProgressCallback | None) -> T:
    it = iterate_sync(op, http)
    while True:
        try:
            task = next(it)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if on_progress is not None:
            on_progress(task)


class _AsyncRun:
    """Async twin of `iterate_sync`: an async iterator of snapshots that keeps the result."""

    def __init__(self, op: Operation[Any], http: httpx.AsyncClient) -> None:
        self.op, self.http, self.result = op, http, None
        self._streams: list[httpx.Response] = []
        self._value: Any = None
        self._error: BaseException | None = None

    def __aiter__(self) -> AsyncIterator[Task]:
        return self

    async def __anext__(self) -> Task:
        while True:
            try:
                if self._error is None:
                    effect = self.op.send(self._value)
                else:
                    effect = self.op.throw(self._error)
            except StopIteration as stop:
                self.result = stop.value
                await self.aclose()
                raise StopAsyncIteration from None
            except BaseException:
                await self.aclose()
                raise
            self._value, self._error = None, None
            if isinstance(effect, Emit):
                return effect.task
            try:
                self._value = await self._perform(effect)
            except asyncio.CancelledError:
                await self.aclose()
                raise
            except Exception as exc:
                self._error = exc

    async def _perform(self, effect: Any) -> Any:
        if isinstance(effect, Send):
            response = await self.http.send(effect.request, stream=effect.stream)
            if effect.stream:
                self._streams.append(response)
            return response
        if isinstance(effect, Sleep):
            await asyncio.sleep(effect.seconds)
        elif isinstance(effect, OpenEvents):
            return EventSource(effect.response).aiter_sse()
        elif isinstance(effect, NextEvent):
            return await anext(effect.events, None)
        elif isinstance(effect, Read):
            await effect.response.aread()
            await effect.response.aclose()
            return effect.response
        elif isinstance(effect, Close):
            await effect.response.aclose()
        return None

    async def aclose(self) -> None:
        self.op.close()
        streams, self._streams = self._streams, []
        for response in streams:
            await response.aclose()


async def run_async(
    op: Operation[T], http: httpx.AsyncClient, on_progress: ProgressCallback | None
) -> T:
    run = _AsyncRun(op, http)
    try:
        async for task in run:
            if on_progress is not None:
                outcome = on_progress(task)
                if inspect.isawaitable(outcome):
                    await outcome
    finally:
        await run.aclose()
    return run.result  # type: ignore[return-value]


def iterate_async(op: Operation[Any], http: httpx.AsyncClient) -> AsyncIterator[Task]:
    return _AsyncRun(op, http)
