"""Lambda smoke test: the built zip, alone with what the Lambda runtime provides, answers Alexa.

The zip is unpacked into a fresh virtual environment holding nothing but the runtime's own
packages (boto3 and its dependencies, linked from this environment, so no download), and
``lambda_handler`` is called the way the runtime calls it: task directory first on the path.
A dependency missing from the zip, a file left out, or a package that works only because the
dev environment has it, all fail here.

The zip has no native code (scripts/build_lambda.py says why), so when this machine has the
runtime's Python (3.12) the zip under test is the very one ``make package`` builds for
arm64 and ``sam deploy`` uploads. Without it, an equivalent zip is built for the local
Python in ``build/smoke/``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SKILL_ID = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"
OTHER_SKILL_ID = "amzn1.ask.skill.99999999-8888-7777-6666-555555555555"
LAMBDA_PYTHON = "3.12"

pytestmark = pytest.mark.slow


def load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_lambda", REPO_ROOT / "scripts" / "build_lambda.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_lambda", module)
    spec.loader.exec_module(module)
    return module


build_lambda = load_build_script()


def find_python(version: str) -> Path | None:
    """A working interpreter of the Lambda runtime's version, if this machine has one."""
    pyenv = sorted((Path.home() / ".pyenv" / "versions").glob(f"{version}.*/bin/python{version}"))
    on_path = shutil.which(f"python{version}")
    for candidate in [*reversed(pyenv), *([Path(on_path)] if on_path else [])]:
        # pyenv shims exist for every version but fail when it is not selected.
        probe = subprocess.run([str(candidate), "-c", "pass"], capture_output=True, check=False)
        if probe.returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="module")
def smoke_python() -> Path:
    return find_python(LAMBDA_PYTHON) or Path(sys.executable)


def python_version(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture(scope="module")
def lambda_zip(smoke_python: Path) -> Path:
    """The deployable artifact, rebuilt only when its inputs changed since the last build."""
    version = python_version(smoke_python)
    if version == LAMBDA_PYTHON:
        zip_path, staging = Path(build_lambda.DEFAULT_ZIP), Path(build_lambda.DEFAULT_STAGING)
    else:
        out_dir = Path(build_lambda.BUILD_DIR) / "smoke" / f"py{version}"
        zip_path, staging = out_dir / "knee-coach-lambda.zip", out_dir / "lambda"
    command = [sys.executable, str(REPO_ROOT / "scripts" / "build_lambda.py")]
    options = ["--python-version", version, "--staging", str(staging), "--zip", str(zip_path)]
    subprocess.run([*command, *options, "--if-stale"], check=True, timeout=300)
    return zip_path


def runtime_top_level_names(distribution: str) -> set[str]:
    """Import names (packages, modules, metadata dirs) a distribution installed here."""
    files = importlib.metadata.distribution(distribution).files or []
    return {f.parts[0] for f in files if f.parts and f.parts[0] != ".." and f.parts[0] != "bin"}


def make_runtime_venv(root: Path, python: Path) -> Path:
    """A venv with only the packages the Lambda runtime provides, linked from this one."""
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    (site_packages,) = root.glob("lib/python3.*/site-packages")
    here = Path(str(importlib.metadata.distribution("boto3").locate_file("")))
    for distribution in sorted(build_lambda.PROVIDED_BY_RUNTIME):
        for name in runtime_top_level_names(distribution):
            if not name.endswith(".pyc") and name != "__pycache__":
                (site_packages / name).symlink_to(here / name)
    return root / "bin" / "python"


SMOKE_SCRIPT = """
import json, sys

class Context:
    function_name = "knee-coach-smoke"
    aws_request_id = "smoke"
    def get_remaining_time_in_millis(self):
        return 7000

from skill.alexa.lambda_function import lambda_handler
import skill.store.dynamodb  # the DynamoDB store: botocore only, which the runtime provides

results, attributes = [], {}
for event in json.load(open(sys.argv[1])):
    event["session"]["attributes"] = attributes
    try:
        response = lambda_handler(event, Context())
    except Exception as error:
        results.append({"error": f"{type(error).__name__}: {error}"})
    else:
        attributes = response.get("sessionAttributes") or attributes
        results.append({"response": response})
json.dump({"results": results, "path": sys.path}, sys.stdout)
"""


def envelope(request: dict[str, Any], *, new: bool, skill_id: str = SKILL_ID) -> dict[str, Any]:
    """A request envelope as Alexa sends it, trimmed to the fields the SDK needs."""
    user = {"userId": "amzn1.ask.account.SMOKE"}
    application = {"applicationId": skill_id}
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": "amzn1.echo-api.session.smoke",
            "application": application,
            "user": user,
            "attributes": {},
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"deviceId": "amzn1.ask.device.SMOKE", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": {
            "requestId": f"amzn1.echo-api.request.{request['type']}",
            "timestamp": "2025-01-01T00:00:00Z",
            "locale": "en-US",
            **request,
        },
    }


def intent(name: str, **slots: str) -> dict[str, Any]:
    return {
        "type": "IntentRequest",
        "dialogState": "COMPLETED",
        "intent": {
            "name": name,
            "confirmationStatus": "NONE",
            "slots": {
                slot: {"name": slot, "value": value, "confirmationStatus": "NONE"}
                for slot, value in slots.items()
            },
        },
    }


SAFETY_QUESTIONS_AT_MOST = 5
"""content/safety.yaml asks up to five; each is answered "no" so the technique can start."""

CONVERSATION = [
    envelope({"type": "LaunchRequest"}, new=True),
    envelope(intent("GoToTechniqueIntent", technique="knee friction"), new=False),
    *[envelope(intent("AMAZON.NoIntent"), new=False)] * SAFETY_QUESTIONS_AT_MOST,
    envelope(intent("ChooseSideIntent", side="left"), new=False),  # "which knee?"
    envelope({"type": "SessionEndedRequest", "reason": "USER_INITIATED"}, new=False),
    envelope({"type": "LaunchRequest"}, new=True, skill_id=OTHER_SKILL_ID),
]
LAUNCH, TECHNIQUE, SESSION_ENDED, OTHER_SKILL = 0, 1, -2, -1
ANSWERS = slice(TECHNIQUE, SESSION_ENDED)
"""The technique request and the answers after it; the step is spoken among them."""


@pytest.fixture(scope="module")
def results(
    lambda_zip: Path, smoke_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    """Each request's response (or error) from the unpacked zip in the runtime-only venv."""
    root = tmp_path_factory.mktemp("lambda")
    task = root / "task"
    with zipfile.ZipFile(lambda_zip) as zf:
        zf.extractall(task)
    python = make_runtime_venv(root / "venv", smoke_python)
    (root / "smoke.py").write_text(SMOKE_SCRIPT, encoding="utf-8")
    (root / "events.json").write_text(json.dumps(CONVERSATION), encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "PYTHONPATH": str(task),  # the runtime puts /var/task first
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAMBDA_TASK_ROOT": str(task),
        "AWS_LAMBDA_FUNCTION_NAME": "knee-coach-smoke",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "KNEE_COACH_PERSISTENCE": "none",  # no table to talk to offline
        "KNEE_COACH_SKILL_ID": SKILL_ID,
        "KNEE_COACH_LOG_LEVEL": "INFO",
    }
    completed = subprocess.run(
        [str(python), str(root / "smoke.py"), str(root / "events.json")],
        cwd=task,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    output: dict[str, Any] = json.loads(completed.stdout)
    assert all(not p.startswith(str(REPO_ROOT)) for p in output["path"]), output["path"]
    results: list[dict[str, Any]] = output["results"]
    return results


def response_of(result: dict[str, Any]) -> dict[str, Any]:
    assert "response" in result, result.get("error")
    response: dict[str, Any] = result["response"]
    assert response["version"] == "1.0"
    return response


def test_zip_holds_the_skill_and_only_what_the_runtime_lacks(lambda_zip: Path) -> None:
    with zipfile.ZipFile(lambda_zip) as zf:
        names = set(zf.namelist())
    top_level = {n.split("/", 1)[0] for n in names}
    assert {"skill", "content", "ask_sdk_core", "ask_sdk_model", "yaml"} <= top_level
    assert "ask_sdk_dynamodb" not in top_level  # the store is a bare botocore client now
    assert "skill/alexa/lambda_function.py" in names
    assert not [n for n in names if n.startswith(("skill/web/", "skill/local/", "skill/cli"))]
    # compiled content only, checked current by the build: no YAML, no CLDR sources
    assert {"content/en/compiled.json", "content/de/compiled.json"} <= names
    assert not [n for n in names if n.startswith("content/") and n.endswith(".yaml")]
    provided = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"}
    assert not top_level & provided
    assert not [n for n in names if n.startswith(("tests/", "bin/")) or "/tests/" in n]
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dylib"))]


def test_zip_carries_byte_code_for_the_runtime_python(lambda_zip: Path) -> None:
    """Compiled ahead of time, since /var/task is read-only and cold starts would compile."""
    with zipfile.ZipFile(lambda_zip) as zf:
        names = set(zf.namelist())
        stamp = json.loads(lambda_zip.with_suffix(".target.json").read_text(encoding="utf-8"))
    if not stamp["bytecode"]:
        pytest.skip(f"no python{stamp['python']} on this machine to compile with")
    tag = "cpython-" + stamp["python"].replace(".", "")
    assert f"skill/alexa/__pycache__/lambda_function.{tag}.pyc" in names
    assert "ask_sdk_core/skill.pyc" in names
    assert "ask_sdk_core/skill.py" not in names, "dependencies ship as byte code only"
    caches = [n for n in names if "__pycache__/" in n]
    assert all(n.startswith("skill/") and f".{tag}.pyc" in n for n in caches), caches


def test_zip_fits_the_size_budget(lambda_zip: Path) -> None:
    assert lambda_zip.stat().st_size < build_lambda.ZIP_SIZE_BUDGET


def test_launch_request_is_answered_and_keeps_listening(results: list[dict[str, Any]]) -> None:
    response = response_of(results[LAUNCH])["response"]
    assert response["outputSpeech"]["ssml"].startswith("<speak>")
    assert response["shouldEndSession"] is False


def test_technique_step_is_spoken_once_the_safety_check_passes(
    results: list[dict[str, Any]],
) -> None:
    responses = [response_of(result)["response"] for result in results[ANSWERS]]
    speeches = [r["outputSpeech"]["ssml"] for r in responses]
    step = next((i for i, ssml in enumerate(speeches) if "Knee Friction" in ssml), None)
    assert step is not None, f"no turn named the technique: {speeches}"
    assert step > 0, "the safety check comes before the first technique"
    assert responses[step]["shouldEndSession"] is False


def test_session_ended_request_gets_an_empty_envelope(results: list[dict[str, Any]]) -> None:
    response = response_of(results[SESSION_ENDED])
    # Alexa ignores speech here; the response must still be a well-formed envelope.
    assert "outputSpeech" not in response["response"]


def test_request_for_another_skill_is_refused(results: list[dict[str, Any]]) -> None:
    assert "response" not in results[OTHER_SKILL]
    assert "Skill ID Verification failed" in results[OTHER_SKILL]["error"]
