"""Shared, generic fixtures for the core skill's tests.

Kept additive on purpose: other test modules bring their own fixtures, so nothing here
changes behaviour for them beyond keeping every test away from the person's real progress
file (``~/.knee-coach``) unless a test asks for persistence itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.alexa.builder import build_skill
from skill.content.load import default_content
from skill.content.records import Content
from skill.local.simulator import Conversation
from skill.settings import Settings


@pytest.fixture(autouse=True)
def _isolated_progress(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test writes to the real progress store: SQLite goes to tmp, persistence is off.

    A test that wants persistence sets ``KNEE_COACH_PERSISTENCE`` itself; its own
    ``monkeypatch.setenv`` runs after this fixture and wins.
    """
    monkeypatch.setenv("KNEE_COACH_SQLITE_PATH", str(tmp_path / "progress.db"))
    monkeypatch.setenv("KNEE_COACH_PERSISTENCE", "none")
    yield


@pytest.fixture(autouse=True)
def _no_certificate_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may fetch a signing certificate: the suite never leaves 127.0.0.1.

    Verification tests pre-fill the certificate cache; one that forgot would otherwise
    try Amazon's S3 and fail slowly instead of clearly.
    """
    from skill.web import certcache

    def refuse(url: str, **_: Any) -> bytes:
        raise certcache.CertFetchError("network disabled in tests")

    monkeypatch.setattr(certcache, "download", refuse)


@pytest.fixture(autouse=True)
def _no_calls_to_alexa_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The skill's service clients may reach a stand-in on 127.0.0.1, never Alexa's real API.

    A request envelope that names ``https://api.amazonalexa.com`` (the simulator's default)
    gets the error a network failure would give, at once, instead of a call leaving the machine.
    """
    from ask_sdk_core.exceptions import ApiClientException

    from skill.alexa.api_client import LazyApiClient

    invoke = LazyApiClient.invoke

    def loopback_only(self: LazyApiClient, request: Any) -> Any:
        if urlsplit(str(request.url)).hostname != "127.0.0.1":
            raise ApiClientException("network disabled in tests")
        return invoke(self, request)

    monkeypatch.setattr(LazyApiClient, "invoke", loopback_only)


@pytest.fixture(scope="session")
def alexa_api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One HTTPS stand-in for Alexa's API on 127.0.0.1 (free port) for the whole run."""
    from alexa_api_server import serving

    from skill.local.alexa_standin import AlexaStandIn

    with serving(AlexaStandIn(), tmp_path_factory.mktemp("alexa-api")) as running:
        yield running


@pytest.fixture
def alexa_api(alexa_api_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The stand-in, fresh for this test, its certificate trusted by ``requests``.

    Point a simulated session at it with ``api_endpoint=alexa_api.url`` and
    ``api_token=API_TOKEN``; ``alexa_api.standin`` holds what was asked and created.
    """
    from alexa_api_server import API_TOKEN

    alexa_api_server.standin.reset(token=API_TOKEN)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(alexa_api_server.ca_file))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    return alexa_api_server


@pytest.fixture(scope="module")
def pki() -> Any:
    """A throwaway root, intermediate and echo-api.amazon.com leaf (see tests/certs.py)."""
    from certs import make_pki

    return make_pki()


@pytest.fixture(scope="module")
def moto() -> Iterator[Any]:
    """A local DynamoDB (moto in server mode, real HTTP on 127.0.0.1) for one test module."""
    from moto_server import running_moto

    with running_moto() as server:
        yield server


@pytest.fixture
def dynamodb(moto: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh local DynamoDB with the progress table, reached with dummy AWS credentials."""
    from moto_server import use_dummy_aws

    use_dummy_aws(monkeypatch)
    moto.reset()
    moto.create_table(Settings().dynamodb_table)
    return moto


@pytest.fixture(scope="session")
def content() -> Content:
    """The real content, loaded and validated once (as the running skill does)."""
    return default_content()


@pytest.fixture(scope="session")
def skill(content: Content) -> CustomSkill:
    """The real skill wired through the ASK SDK, without any persistence.

    Each request is answered in its locale's language, as deployed (``content`` is en-US's).
    """
    assert default_content(locale="en-US") is content
    return build_skill(Settings(persistence="none"), persistence_adapter=None)


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@pytest.fixture(scope="session")
def handler(skill: CustomSkill) -> Handler:
    """A Lambda-style ``(event, context) -> dict`` entry point over :func:`skill`.

    ``skill.alexa.lambda_function`` builds its own module-level skill from the environment when
    first imported, so it is imported here with persistence off, never at collection time.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KNEE_COACH_PERSISTENCE", "none")
        from skill.alexa.lambda_function import make_handler

    return make_handler(skill)


@pytest.fixture
def conversation(handler: Handler) -> Callable[..., Conversation]:
    """Factory for a simulated person talking through the real interaction model.

    ``conversation()`` gives an en-US session; keyword arguments go to the simulated
    :class:`~skill.local.envelopes.Session` (``locale="en-GB"``, ``user_id=...``, ``apl=True``).
    """

    def make(**session: Any) -> Conversation:
        return Conversation(handler, **session)

    return make


# --------------------------------------------------------------------------- safety styles


def _model_builder() -> Any:
    """scripts/build_interaction_models.py as a module (it is a script, not a package)."""
    import importlib.util

    from skill.settings import REPO_ROOT

    path = REPO_ROOT / "scripts" / "build_interaction_models.py"
    spec = importlib.util.spec_from_file_location("build_interaction_models", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def model_builder() -> Any:
    return _model_builder()


def styled(content: Content, style: str) -> Content:
    """The content with its safety check in another style (content/safety.yaml ``style``)."""
    return content._replace(safety=content.safety._replace(style=style))


@pytest.fixture(scope="session")
def statements(content: Content, model_builder: Any) -> tuple[Content, Any, Handler]:
    """The ``statements`` safety style: its content, its en-US model, and a skill over them."""
    from skill.alexa.lambda_function import make_handler
    from skill.local.nlu import InteractionModel

    said = styled(content, "statements")
    models = model_builder.build(style="statements")
    model = InteractionModel("en-US", models["en-US"])
    skill = build_skill(Settings(persistence="none"), persistence_adapter=None, content=said)
    return said, model, make_handler(skill)


@pytest.fixture(scope="session")
def statements_in(
    statements: tuple[Content, Any, Handler], model_builder: Any
) -> Callable[[str], tuple[Content, Any, Handler]]:
    """``statements_in(locale)``: the ``statements`` style in that locale's language (its
    content, its model of that style, a skill over them); English locales get
    :func:`statements`. Built once per locale, from that language's samples only."""
    from skill.alexa.lambda_function import make_handler
    from skill.local.nlu import InteractionModel
    from skill.settings import REPO_ROOT

    built: dict[str, tuple[Content, Any, Handler]] = {}

    def make(locale: str) -> tuple[Content, Any, Handler]:
        if locale.startswith("en-"):
            return statements
        if locale not in built:
            language = locale.split("-")[0]
            source = REPO_ROOT / "models" / f"utterances.{language}.yaml"
            models = model_builder.build_language(REPO_ROOT, source, "statements")
            said = styled(default_content(locale=locale), "statements")
            skill = build_skill(Settings(persistence="none"), None, content=said)
            built[locale] = (said, InteractionModel(locale, models[locale]), make_handler(skill))
        return built[locale]

    return make
