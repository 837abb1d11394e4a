"""Runtime shared by the Vigie services: settings base, logging, metrics/health server, Kafka clients, the
injected clock, retry timing (backoff with full jitter, ``Retry-After``), workers for CPU-bound work, the
embedded broker and the ``vigie`` command."""
