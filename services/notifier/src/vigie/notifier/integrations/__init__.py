"""One module per delivery channel; each implements :class:`vigie.notifier.integrations.base.Integration`."""
