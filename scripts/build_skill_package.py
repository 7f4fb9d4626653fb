"""Assemble the Alexa skill package in ``build/skill-package/`` for ``ask deploy``.

The package is ``skill-package/skill.json``, the icons it names (``skill-package/assets/``,
copied as the ASK CLI's skill-package format expects local ``file://`` assets), and the
interaction models, copied from ``interaction_models/<locale>.json`` at build time so there
is only ever one copy of them in the repository. The build also writes what the source
cannot know:

- the testing instructions, from a conversation it runs through the skill itself
  (``scripts/testing_instructions.py``), so they quote what the skill says today;
- with ``--privacy-url URL`` (and ``--terms-url URL``), the privacy policy's address in
  ``privacyAndCompliance.locales`` for every locale. ``--for-submission`` refuses to build
  without it (or without an endpoint): the console will not submit such a skill. The policy
  is published in each language (``docs/privacy-policy.md``, ``privacy-policy.de.md``, ...):
  ``{language}`` in the URL becomes each locale's language (``.../privacy-{language}.html``),
  and a submission with more than one language must use it.

The manifest's endpoint is a placeholder in source control:

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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = REPO_ROOT / "skill-package" / "skill.json"
PRIVACY_POLICY = REPO_ROOT / "docs" / "privacy-policy.md"
LANGUAGE_FIELD = "{language}"
"""Where a privacy or terms URL names the language of the locale it is given for."""
ICON_FIELDS = ("smallIconUri", "largeIconUri")
LOCAL_ASSET = "file://"
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


def check_url(name: str, url: str) -> str:
    """An absolute http(s) address, or a PackageError that says what is wrong with it."""
    parsed = urlparse(url)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise PackageError(f"{name}: not an absolute http(s) URL: {url!r}")
    return url


def with_privacy(
    manifest: dict[str, Any], privacy_url: str | None, terms_url: str | None = None
) -> dict[str, Any]:
    """The manifest with the privacy policy (and terms) address for every published locale.

    ``{language}`` in an address becomes the locale's language (``de`` for de-DE), so each
    locale links the policy in its own language.
    """
    result = copy.deepcopy(manifest)
    if privacy_url is None and terms_url is None:
        return result
    urls = {}
    if privacy_url is not None:
        urls["privacyPolicyUrl"] = check_url("--privacy-url", privacy_url)
    if terms_url is not None:
        urls["termsOfUseUrl"] = check_url("--terms-url", terms_url)
    compliance = result["manifest"]["privacyAndCompliance"]
    compliance["locales"] = {
        locale: {key: url.replace(LANGUAGE_FIELD, language_of(locale)) for key, url in urls.items()}
        for locale in manifest_locales(manifest)
    }
    return result


def language_of(locale: str) -> str:
    return locale.split("-")[0]


def policies(manifest: dict[str, Any]) -> dict[str, Path]:
    """The privacy policy of each language the manifest publishes, checked to exist."""
    found = {}
    for language in sorted({language_of(locale) for locale in manifest_locales(manifest)}):
        name = "privacy-policy.md" if language == "en" else f"privacy-policy.{language}.md"
        path = PRIVACY_POLICY.parent / name
        if not path.is_file():
            raise PackageError(f"{path}: no privacy policy in {language!r}, a published language")
        found[language] = path
    return found


def local_assets(manifest: dict[str, Any], manifest_dir: Path) -> list[Path]:
    """Every local file the manifest names (the icons), checked to exist, relative paths."""
    found: list[Path] = []
    for locale, info in manifest["manifest"]["publishingInformation"]["locales"].items():
        for field in ICON_FIELDS:
            uri = info.get(field)
            if not isinstance(uri, str) or not uri.startswith(LOCAL_ASSET):
                raise PackageError(f"{locale}.{field}: expected a {LOCAL_ASSET} asset, got {uri!r}")
            relative = Path(uri.removeprefix(LOCAL_ASSET))
            if relative.is_absolute() or ".." in relative.parts:
                raise PackageError(f"{locale}.{field}: must stay inside the package: {uri}")
            if not (manifest_dir / relative).is_file():
                raise PackageError(f"{locale}.{field}: {manifest_dir / relative} does not exist")
            if relative not in found:
                found.append(relative)
    return found


def check_locales(manifest: dict[str, Any], models_dir: Path = MODELS_DIR) -> None:
    published, modelled = set(manifest_locales(manifest)), set(model_locales(models_dir))
    if missing := sorted(published - modelled):
        raise PackageError(f"{models_dir}: no interaction model for {', '.join(missing)}")
    if unpublished := sorted(modelled - published):
        raise PackageError(f"{MANIFEST}: models exist but no publishing info for {unpublished}")


def generated_instructions() -> str:
    """The testing instructions, from a conversation with the skill (imports the skill)."""
    scripts = str(Path(__file__).resolve().parent)
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import testing_instructions

    text: str = testing_instructions.write()
    return text


def build(
    endpoint_arn: str | None,
    out_dir: Path = DEFAULT_OUT,
    manifest_path: Path = MANIFEST,
    models_dir: Path = MODELS_DIR,
    *,
    privacy_url: str | None = None,
    terms_url: str | None = None,
    for_submission: bool = False,
    instructions: Callable[[], str] = generated_instructions,
) -> Path:
    """Write the package to ``out_dir`` (replacing what was there) and return its path."""
    if for_submission and not privacy_url:
        raise PackageError(
            "a submission build needs the address of the published privacy policy:"
            " make submission-package PRIVACY_URL=https://... (publish"
            f" {PRIVACY_POLICY.relative_to(REPO_ROOT)} there first; see docs/deploy.md)"
        )
    if for_submission and not endpoint_arn:
        raise PackageError(
            "a submission build needs the function's ARN: ENDPOINT_ARN=arn:aws:lambda:..."
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    check_locales(manifest, models_dir)
    languages = policies(manifest)
    if for_submission and len(languages) > 1 and LANGUAGE_FIELD not in str(privacy_url):
        raise PackageError(
            "the skill is published in several languages, each with its privacy policy"
            f" ({', '.join(p.name for p in languages.values())}): put {LANGUAGE_FIELD} in"
            " PRIVACY_URL where each address names its language"
        )
    assets = local_assets(manifest, manifest_path.parent)
    manifest = with_privacy(with_endpoint(manifest, endpoint_arn), privacy_url, terms_url)
    manifest["manifest"]["publishingInformation"]["testingInstructions"] = instructions()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    models_out = out_dir / "interactionModels" / "custom"
    models_out.mkdir(parents=True)
    for locale in manifest_locales(manifest):
        source = models_dir / f"{locale}.json"
        json.loads(source.read_text(encoding="utf-8"))  # fail here, not in the console
        shutil.copyfile(source, models_out / source.name)
    for relative in assets:
        (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(manifest_path.parent / relative, out_dir / relative)
    text = json.dumps(manifest, indent=2, ensure_ascii=False)
    (out_dir / "skill.json").write_text(text + "\n", encoding="utf-8")
    return out_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--endpoint-arn",
        help="the FunctionArn output of the SAM stack; leave out for the first ask deploy",
    )
    parser.add_argument(
        "--privacy-url", help="where docs/privacy-policy.md is published (required to submit)"
    )
    parser.add_argument("--terms-url", help="where terms of use are published, if any")
    parser.add_argument(
        "--for-submission",
        action="store_true",
        help="refuse to build without the privacy policy URL and the endpoint",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        out = build(
            args.endpoint_arn or None,
            args.out,
            privacy_url=args.privacy_url or None,
            terms_url=args.terms_url or None,
            for_submission=args.for_submission,
        )
    except PackageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    endpoint = args.endpoint_arn or "none yet (first deploy: creates the skill, gives its ID)"
    privacy = args.privacy_url or "none (fine for development; a submission needs PRIVACY_URL)"
    print(f"built {out} for {', '.join(model_locales())}; endpoint: {endpoint}")
    print(f"privacy policy: {privacy}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
