"""The batched faust monitor: what faust reports per message reaches the Prometheus series at each scrape, once."""

from __future__ import annotations

from faust.types import TP
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from vigie.classifier.service.faust_sensor import batched_prometheus_monitor


def scrape(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
    }


def test_messages_and_offsets_reach_the_series_at_each_scrape_once() -> None:
    registry = CollectorRegistry()
    monitor = batched_prometheus_monitor(registry, "t_faust")
    raw0, raw1, scored0 = TP("raw", 0), TP("raw", 1), TP("scored", 0)
    for offset in range(5):
        monitor.track_tp_end_offset(raw0, 100)
        monitor.on_message_in(raw0, offset, None)
        assert monitor.on_stream_event_in(raw0, offset, None, None) is None
    monitor.on_message_in(raw1, 7, None)
    monitor.on_message_in(scored0, 3, None)

    first = scrape(registry)
    assert first[("t_faust_messages_received_total", ())] == 7
    assert first[("t_faust_messages_received_per_topic_total", (("topic", "raw"),))] == 6
    assert first[("t_faust_messages_received_per_topic_total", (("topic", "scored"),))] == 1
    assert first[("t_faust_topic_partition_read_offset", (("partition", "0"), ("topic", "raw")))] == 4
    assert first[("t_faust_topic_partition_read_offset", (("partition", "1"), ("topic", "raw")))] == 7
    assert first[("t_faust_topic_partition_end_offset", (("partition", "0"), ("topic", "raw")))] == 100
    # faust's own bookkeeping (its slow-processing diagnostics read stream_inbound_time) follows too
    assert monitor.messages_received_total == 7
    assert monitor.tp_read_offsets[raw0] == 4
    assert raw0 in monitor.stream_inbound_time

    # a scrape without new messages adds nothing; later messages are added to the counts, not set
    assert scrape(registry)[("t_faust_messages_received_total", ())] == 7
    monitor.on_message_in(raw0, 5, None)
    monitor.track_tp_end_offset(raw0, 120)
    later = scrape(registry)
    assert later[("t_faust_messages_received_total", ())] == 8
    assert later[("t_faust_topic_partition_read_offset", (("partition", "0"), ("topic", "raw")))] == 5
    assert later[("t_faust_topic_partition_end_offset", (("partition", "0"), ("topic", "raw")))] == 120
