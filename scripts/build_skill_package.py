"""Assemble the Alexa skill package in ``build/skill-package/`` for ``ask deploy``.

The package is ``skill-package/skill.json`` plus the interaction models, which are copied
from ``interaction_models/<locale>.json`` at build time so there is only ever one copy of
them in the repository. The manifest's endpoint is a placeholder in source control:

- with ``--endpoint-arn ARN`` (the ``FunctionArn`` output of the SAM stack) every
  placeholder becomes that ARN;
- without it the endpoint and the event subscription are left out, which is what the very
  first ``ask deploy`` needs: it creates the skill and so gives you the skill ID that the
  SAM stack's ``SkillId`` parameter asks for, before any function exists.

Every locale the manifest publishes must have a model, and the other way round; the build
stops with the missing locale named rather than uploading a skill that fails in one market.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = REPO_ROOT / "skill-package" / "skill.json"
MODELS_DIR = REPO_ROOT / "interaction_models"
DEFAULT_OUT = REPO_ROOT / "build" / "skill-package"

ENDPOINT_PLACEHOLDER = (
    "arn:aws:lambda:us-east-1:000000000000:function:knee-coach-ENDPOINT-PLACEHOLDER"
)
LAMBDA_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:\S+)?")


class PackageError(Exception):
    """The sources cannot make a valid skill package; the message says which file and why."""


def manifest_locales(manifest: dict[str, Any]) -> list[str]:
    return sorted(manifest["manifest"]["publishingInformation"]["locales"])


def model_locales(models_dir: Path = MODELS_DIR) -> list[str]:
    return sorted(p.stem for p in models_dir.glob("*.json"))


def with_endpoint(manifest: dict[str, Any], endpoint_arn: str | None) -> dict[str, Any]:
    """The manifest with the placeholder ARN filled in, or its endpoints left out."""
    result = copy.deepcopy(manifest)
    body = result["manifest"]
    if endpoint_arn is None:
        body["apis"]["custom"].pop("endpoint", None)
        body.pop("events", None)
        return result
    if not LAMBDA_ARN.fullmatch(endpoint_arn):
        raise PackageError(f"--endpoint-arn: not a Lambda function ARN: {endpoint_arn!r}")
    body["apis"]["custom"]["endpoint"] = {"uri": endpoint_arn}
    if "events" in body:
        body["events"]["endpoint"] = {"uri": endpoint_arn}
    return result


def check_locales(manifest: dict[str, Any], models_dir: Path = MODELS_DIR) -> None:
    published, modelled = set(manifest_locales(manifest)), set(model_locales(models_dir))
    if missing := sorted(published - modelled):
        raise PackageError(f"{models_dir}: no interaction model for {', '.join(missing)}")
    if unpublished := sorted(modelled - published):
        raise PackageError(f"{MANIFEST}: models exist but no publishing info for {unpublished}")


def build(
    endpoint_arn: str | None,
    out_dir: Path = DEFAULT_OUT,
    manifest_path: Path = MANIFEST,
    models_dir: Path = MODELS_DIR,
) -> Path:
    """Write the package to ``out_dir`` (replacing what was there) and return its path."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    check_locales(manifest, models_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    models_out = out_dir / "interactionModels" / "custom"
    models_out.mkdir(parents=True)
    for locale in manifest_locales(manifest):
        source = models_dir / f"{locale}.json"
        json.loads(source.read_text(encoding="utf-8"))  # fail here, not in the console
        shutil.copyfile(source, models_out / source.name)
    text = json.dumps(with_endpoint(manifest, endpoint_arn), indent=2, ensure_ascii=False)
    (out_dir / "skill.json").write_text(text + "\n", encoding="utf-8")
    return out_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--endpoint-arn",
        help="the FunctionArn output of the SAM stack; leave out for the first ask deploy",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        out = build(args.endpoint_arn or None, args.out)
    except PackageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    endpoint = args.endpoint_arn or "none yet (first deploy: creates the skill, gives its ID)"
    print(f"built {out} for {', '.join(model_locales())}; endpoint: {endpoint}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
