"""The classifier's faust consumer: faust's fetch loop with the hand-off run inline (see fast_consumer)."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from faust.transport import consumer as faust_consumer

from vigie.classifier.app import faust_app
from vigie.classifier.service.fast_consumer import FastHandoffConsumer, _Continue
from vigie.classifier.settings import ClassifierSettings

#: sha256 of faust-streaming 0.15.3's ``Consumer._drain_messages`` source, which FastHandoffConsumer copies.
FAUST_DRAIN_LOOP = "44a2500309e83c630493f6828af50166ec8d96a0b3e4fb2bab735f704ae93417"


def test_faust_fetch_loop_is_the_one_the_copy_was_made_from() -> None:
    """A faust upgrade that changes its fetch loop fails here: re-derive FastHandoffConsumer._drain_messages
    from the new one (or drop it), then record the new hash."""
    source = inspect.getsource(faust_consumer.Consumer._drain_messages)
    assert hashlib.sha256(source.encode()).hexdigest() == FAUST_DRAIN_LOOP


def test_the_classifier_app_consumes_with_the_fast_handoff_consumer(tmp_path: Path) -> None:
    app = faust_app(ClassifierSettings(data_dir=tmp_path))
    assert app.transport.Consumer is FastHandoffConsumer
    assert app.conf.cython_optimizations


def test_a_started_coroutine_resumes_to_its_result_through_continue() -> None:
    async def scenario() -> None:
        gate: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def hand_off() -> int:
            return await gate + 1

        coroutine = hand_off()
        pending = coroutine.send(None)  # its first step, run inline: it waits for the gate
        task = asyncio.ensure_future(_Continue(coroutine, pending))
        await asyncio.sleep(0)
        assert not task.done()
        gate.set_result(41)
        assert await asyncio.wait_for(task, 1) == 42

    asyncio.run(scenario())


def test_cancelling_a_continued_coroutine_cancels_it_inside() -> None:
    async def scenario() -> None:
        seen: list[str] = []
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def hand_off() -> None:
            try:
                await gate
            except asyncio.CancelledError:
                seen.append("cancelled")
                raise

        coroutine = hand_off()
        task = asyncio.ensure_future(_Continue(coroutine, coroutine.send(None)))
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.wait([task])
        assert task.cancelled() and seen == ["cancelled"]

    asyncio.run(scenario())


def test_the_consumer_fetches_with_the_configured_longest_wait(tmp_path: Path) -> None:
    """faust fixes it at 1.5 s, which Tansu holds even when records arrive: up to 1.5 s more per hop."""

    async def longest_wait() -> int:
        app = faust_app(ClassifierSettings(data_dir=tmp_path, fetch_max_wait_ms=120))
        thread = app.consumer._new_consumer_thread()
        consumer = thread._create_worker_consumer(app.transport)
        return int(consumer._fetch_max_wait_ms)

    assert asyncio.run(longest_wait()) == 120

    async def aiokafka_keeps_it_there() -> int:
        # the attribute set above is where aiokafka keeps the argument, which its fetcher is started with
        return int(AIOKafkaConsumer(fetch_max_wait_ms=777)._fetch_max_wait_ms)

    assert asyncio.run(aiokafka_keeps_it_there()) == 777
