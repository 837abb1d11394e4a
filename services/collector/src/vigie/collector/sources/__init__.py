"""Sources of mentions, one module each, behind the :class:`~vigie.collector.sources.base.Source` contract."""

from vigie.collector.sources.base import PollingSource, Source

__all__ = ["PollingSource", "Source"]
