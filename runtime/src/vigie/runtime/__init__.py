"""Runtime shared by the Vigie services: settings base, logging, metrics/health server, Kafka clients,
the embedded broker and the ``vigie`` command."""
