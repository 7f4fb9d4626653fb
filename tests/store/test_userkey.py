"""Progress is keyed by an HMAC of the user ID with a per-deployment secret (skill/userkey.py)."""

from __future__ import annotations

import hashlib
import hmac
import multiprocessing
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.context import Context
from ask_sdk_model.interfaces.system.system_state import SystemState
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.user import User

from skill.settings import Settings
from skill.store.factory import make_persistence_adapter
from skill.store.progress_store import ProgressStore
from skill.store.userkey import MIN_SECRET_CHARS, LocalSecret, secret_source, user_keygen

REPO = Path(__file__).resolve().parents[2]
USER = "amzn1.ask.account.AGF7USERKEYTESTPERSONWHOSEIDMUSTNOTLEAK"
SECRET = "a-test-deployment-secret-of-32-chars"


def envelope(user_id: str = USER) -> RequestEnvelope:
    return RequestEnvelope(context=Context(system=SystemState(user=User(user_id=user_id))))


def test_the_key_is_an_hmac_not_a_bare_hash() -> None:
    key = user_keygen(lambda: SECRET.encode())(envelope())
    assert key == hmac.new(SECRET.encode(), USER.encode(), hashlib.sha256).hexdigest()
    assert key != hashlib.sha256(USER.encode()).hexdigest()  # joinable with anyone's data
    other = user_keygen(lambda: b"another-deployment-secret-32-chars!")(envelope())
    assert other != key  # another deployment's table cannot be joined with this one


def test_a_request_without_a_user_has_no_key() -> None:
    keygen = user_keygen(lambda: SECRET.encode())
    with pytest.raises(PersistenceException, match="no user id"):
        keygen(RequestEnvelope(context=Context(system=SystemState(user=None))))


def test_a_configured_secret_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match=f"at least {MIN_SECRET_CHARS}"):
        secret_source(Settings(persistence="sqlite", user_key_secret="short"))
    assert secret_source(Settings(user_key_secret=SECRET))() == SECRET.encode()


def test_dynamodb_without_a_secret_is_a_deployment_mistake() -> None:
    settings = Settings(persistence="dynamodb", aws_region="us-east-1")
    with pytest.raises(ValueError, match="KNEE_COACH_USER_KEY_SECRET"):
        make_persistence_adapter(settings)


def test_sqlite_without_a_secret_makes_one_beside_the_database(tmp_path: Path) -> None:
    settings = Settings(persistence="sqlite", sqlite_path=tmp_path / "kc" / "progress.db")
    source = secret_source(settings)
    assert isinstance(source, LocalSecret) and source.path == tmp_path / "kc" / "user-key.secret"
    value = source()
    assert len(value) == 64 and int(value, 16) >= 0
    assert stat.S_IMODE(source.path.stat().st_mode) == 0o600
    assert LocalSecret(source.path)() == value  # the next start reads the same secret


def _secret_in_child(path: str, barrier: Any, results: Any) -> None:
    barrier.wait(timeout=30)
    results.put(LocalSecret(Path(path))())


@pytest.mark.slow
def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    path = str(tmp_path / "user-key.secret")
    procs = [ctx.Process(target=_secret_in_child, args=(path, barrier, results)) for _ in range(4)]
    for proc in procs:
        proc.start()
    secrets = {results.get(timeout=60) for _ in procs}
    for proc in procs:
        proc.join(timeout=10)
    assert len(secrets) == 1 and len(next(iter(secrets))) == 64


def test_a_secret_that_cannot_be_kept_degrades_the_store_not_the_skill(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings = Settings(persistence="sqlite", sqlite_path=blocker / "progress.db")
    store = ProgressStore(make_persistence_adapter(settings))  # no error at start-up
    assert store.load(envelope()).available is False


def test_a_new_secret_only_forgets_progress(tmp_path: Path) -> None:
    settings = Settings(persistence="sqlite", sqlite_path=tmp_path / "progress.db")
    store = ProgressStore(make_persistence_adapter(settings))
    loaded = store.load(envelope())
    assert store.save(envelope(), loaded, loaded.progress.intro_heard(), 0).written
    assert ProgressStore(make_persistence_adapter(settings)).load(envelope()).progress.heard_intro
    settings.secret_file.unlink()  # the operator throws the secret away
    again = ProgressStore(make_persistence_adapter(settings)).load(envelope())
    assert (again.available, again.status, again.progress.heard_intro) == (True, "empty", False)


def test_the_quick_start_chat_needs_no_secret_and_no_network(tmp_path: Path) -> None:
    """`knee-coach chat` with nothing configured keeps progress under a local secret."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "KNEE_COACH_SQLITE_PATH": str(tmp_path / ".knee-coach" / "progress.db"),
    }
    script = tmp_path / "lines.txt"
    script.write_text("open knee coach\nstart the full routine\nno\nno\nno\nno\nno\nmy left knee\n")
    done = subprocess.run(
        [sys.executable, "-m", "skill.cli", "chat", "--fast", "--script", str(script)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / ".knee-coach" / "user-key.secret").is_file()
    assert (tmp_path / ".knee-coach" / "progress.db").is_file()
    assert "WARNING" not in done.stderr
