"""faust's Kafka transport with a cheaper hand-off from the fetched records to the agents' streams.

faust's consumer (``faust.transport.consumer.Consumer._drain_messages``) hands every fetched record to the
conductor with ``await self.wait_first(callback(message), self.suspend_flow.wait())``: two tasks and a trip
through the event loop per record, so that a hand-off stuck behind flow control (a rebalance suspends the
flow) can be abandoned. The conductor's hand-off almost never waits (it puts the event into the stream's
queue without blocking and pauses the partition when the queue fills up), yet that wrapping was ~40 % of
faust's per-record CPU in ``benchmarks/faust_ceiling.py`` (~25 µs of ~60 µs per record and agent).

:class:`FastHandoffConsumer` runs the hand-off's first step inline. When it completes without waiting (the
common case) nothing else happens; when it would wait, the started hand-off goes through the very same
``wait_first`` as faust's, so flow control, stopping and crashing behave as before. Everything else is
faust's loop unchanged. While a rebalance or a table recovery is under way, every hand-off takes faust's
path as it is: each record's task gives the rebalance's own tasks a turn before the record reaches a stream,
and a worker restarted after a crash, handing records off inline then, started detection on records before
its table was recovered (the kill -9 test failed 3 times in 4; with faust's path during rebalances and
recoveries it passed 16 times in 16). The loop is a copy of faust-streaming 0.15.3's;
``tests/classifier/service/test_fast_consumer.py`` fails when faust's changes, so an upgrade cannot silently
diverge from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine, Generator
from typing import Any, ClassVar, cast

import faust
from faust.transport import consumer as faust_consumer
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP, AppT, ConsumerT, EventT, Message, TransportT


class _Continue:
    """Awaiting this resumes a coroutine that has already run its first step and yielded ``pending``.

    It forwards what the event loop sends or throws (a result, a cancellation) to the coroutine, as a task
    running it from the start would have; its value is the coroutine's.
    """

    __slots__ = ("_coroutine", "_pending")

    def __init__(self, coroutine: Coroutine[Any, Any, Any], pending: Any) -> None:
        self._coroutine = coroutine
        self._pending = pending

    def __await__(self) -> Generator[Any, Any, Any]:
        pending = self._pending
        while True:
            try:
                sent = yield pending
            except BaseException as exc:  # everything goes to the coroutine, as it would in a task
                try:
                    pending = self._coroutine.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    pending = self._coroutine.send(sent)
                except StopIteration as stop:
                    return stop.value


class FastHandoffConsumer(aiokafka_driver.Consumer):
    """faust's aiokafka consumer whose fetch loop runs each record's hand-off inline (see the module)."""

    def _new_consumer_thread(self) -> aiokafka_driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _drain_messages(self, fetcher: Any) -> None:
        """faust's fetch loop (see the module), the hand-off through :meth:`_hand_off`."""
        callback = self.callback
        getmany = self.getmany
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set

        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        flag_consumer_fetching = faust_consumer.CONSUMER_FETCHING
        set_flag = self.diag.set_flag
        unset_flag = self.diag.unset_flag
        commit_every = self._commit_every
        acks_enabled_for = self.app.topics.acks_enabled_for
        suspend_flow = self.suspend_flow

        yield_every = 100
        num_since_yield = 0
        sleep = asyncio.sleep

        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(flag_consumer_fetching)
                ait = getmany(timeout=1.0)

                # Sleeping because sometimes getmany is called in a loop never releasing to the event loop
                await self.sleep(0)
                if not self.should_stop:
                    async for tp, message in ait:
                        num_since_yield += 1
                        if num_since_yield > yield_every:
                            await sleep(0)
                            num_since_yield = 0

                        offset = message.offset
                        r_offset = get_read_offset(tp)
                        if r_offset is None or offset >= r_offset:
                            gap = offset - (r_offset or 0)
                            # We have a gap in income messages
                            if gap > 1 and r_offset and acks_enabled_for(message.topic):
                                await self._add_gap(tp, r_offset + 1, offset)
                            if commit_every is not None and self._n_acked >= commit_every:
                                self._n_acked = 0
                                await self.commit()
                            await self._hand_off(callback(message), suspend_flow)
                            set_read_offset(tp, offset)
                        else:
                            self.log.dev("DROPPED MESSAGE ROFF %r: k=%r v=%r", offset, message.key, message.value)
                    unset_flag(flag_consumer_fetching)

        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                # we're already stopping so ignore
                self.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                # we're already stopping so ignore
                self.log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            unset_flag(flag_consumer_fetching)

    async def rewind(self, tp: TP, offset: int) -> None:
        """Start the partition again at ``offset``, below its committed offset (a log the broker lost and began
        again): the seek runs in the consumer's thread (faust's ``seek_wait``), and the committed offset faust
        remembers is forgotten, or faust would take no acknowledgement below it (``ack``, ``_should_commit``)
        and the group's offset would stay beyond the new log's end."""
        await self.seek_wait({tp: offset})
        self._committed_offset[tp] = None

    async def _hand_off(self, hand_off: Awaitable[Any], suspend_flow: Any) -> None:
        """faust's ``wait_first(hand_off, suspend_flow.wait())``, without its tasks when the hand-off is immediate."""
        app = self.app
        if suspend_flow.is_set() or app.rebalancing or app.in_recovery or not isinstance(hand_off, Coroutine):
            await self.wait_first(hand_off, suspend_flow.wait())
            return
        try:
            pending = hand_off.send(None)
        except StopIteration:
            return
        await self.wait_first(_Continue(hand_off, pending), suspend_flow.wait())


class _ConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    """faust's aiokafka consumer thread; its consumer's longest fetch wait is the app's ``fetch_max_wait_ms``
    (faust fixes it at 1,500 ms). Tansu holds a fetch that found nothing for that long even when records arrive
    meanwhile, so a record produced to an idle partition waited up to 1.5 s per hop; Apache Kafka answers as
    soon as records arrive, whatever the setting (a shorter one only makes idle fetches more frequent)."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        wait_ms = getattr(self.app, "fetch_max_wait_ms", None)
        if wait_ms is not None:
            consumer._fetch_max_wait_ms = wait_ms  # read by its fetcher when it starts
        return consumer


class FastHandoffTransport(aiokafka_driver.Transport):
    """faust's aiokafka transport with :class:`FastHandoffConsumer`."""

    Consumer: ClassVar[type[ConsumerT]] = FastHandoffConsumer


class ClassifierApp(faust.App):
    """The classifier's faust app: faust's, on :class:`FastHandoffTransport`; ``fetch_max_wait_ms`` is its
    consumer's longest fetch wait (None: faust's 1,500 ms)."""

    fetch_max_wait_ms: int | None = None

    def _new_transport(self) -> TransportT:
        return FastHandoffTransport(self.conf.broker_consumer, self)


class RawRecordSchema(faust.Schema[bytes, bytes]):
    """The agents' topics' schema: keys and values reach the agents as the bytes they are (the pure steps decode
    them, dead-lettering what they cannot), without faust's codec registry in between, whose ``raw`` codec
    returns the bytes unchanged after several look-ups per record (~15 % of faust's per-record path)."""

    def compile(
        self,
        app: AppT,
        *,
        on_key_decode_error: Any = None,
        on_value_decode_error: Any = None,
        default_propagate: bool = False,
    ) -> Any:
        event_type: Any = app.conf.Event

        async def decode(message: Message, *, propagate: bool = default_propagate) -> EventT[bytes]:
            return cast("EventT[bytes]", event_type(app, message.key, message.value, message.headers, message))

        return decode
