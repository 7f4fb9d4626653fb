"""Build the AWS Lambda artifact: ``build/lambda/`` (SAM's CodeUri) and its zip.

Why a script and not ``sam build``: SAM's pip workflow would install every dependency,
including boto3 and its friends that the Lambda Python runtime already provides, and it
would need a ``requirements.txt`` that repeats ``pyproject.toml``. Here the runtime
dependencies are read from ``pyproject.toml`` (the one source of truth), resolved once for
the target platform, and the packages the runtime provides are dropped from the pins
before anything is installed. The zip holds only:

- the runtime dependencies (``ask-sdk-core`` and its own dependencies and ``pyyaml``; the
  ``aws`` extra names only botocore, which the runtime provides), built for the Lambda
  architecture;
- ``skill/`` (but for the web and local layers, which Lambda never runs) and ``content/``;

and no tests, stale caches, console scripts or native extensions. Entries carry a fixed
timestamp so the same inputs give the same zip. Run ``python scripts/build_lambda.py --help``.

Byte code is compiled ahead of time by an interpreter of the runtime's exact Python version
(when this machine has one): ``/var/task`` is read-only, so without it every cold start
compiles the ASK SDK's hundreds of modules from source (measured: importing the handler
takes 0.24 s from source against 0.10 s from byte code on one full core, so about a second
more at 256 MB, which gets a seventh of a core). Dependencies ship as byte code only, which
keeps the zip small; ``skill/`` ships as source plus *unchecked-hash* byte code, so
tracebacks from our own code show their lines and the zip's fixed timestamps cannot
invalidate it.

Native extensions are left out on purpose: PyYAML and charset-normalizer both fall back to
pure Python (parsing ``content/`` costs ~16 ms more per cold start, once), they are most of
the zip's weight, and without them the artifact is the same for arm64 and x86_64, so the
smoke test (tests/test_lambda_zip.py) runs the very zip that is deployed. A new dependency
bringing a native module without a fallback fails the build by name.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / "build"
DEFAULT_STAGING = BUILD_DIR / "lambda"
DEFAULT_ZIP = BUILD_DIR / "knee-coach-lambda.zip"

SOURCE_DIRS = ("skill", "content")
"""Project directories copied into the artifact, next to the installed dependencies."""
NOT_ON_LAMBDA = ("skill/web", "skill/local", "skill/cli.py")
"""Layers Lambda never imports: the self-hosted endpoint, the terminal chat and the command
(``tests/test_layers.py`` keeps the layers below them from importing them)."""

PROVIDED_BY_RUNTIME = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3"}
)
"""Distributions the AWS Lambda Python runtime ships; packing them only adds weight."""

PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
"""Lambda architecture name to the wheel platform tag pip needs to cross-install."""

PRUNED_DIR_NAMES = frozenset({"__pycache__", "tests", "test", "bin"})
PRUNED_SUFFIXES = (".pyc", ".pyo")
PRUNED_METADATA = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
"""Files of an installed package's ``.dist-info`` that only pip reads (to uninstall, to say who
installed it): the runtime reads METADATA and the licences, which stay. RECORD alone, a line
per file, is 40 KB for ask-sdk-model."""
NATIVE_WITH_PURE_FALLBACK = ("yaml/", "_yaml/", "charset_normalizer/")
"""Packages whose compiled speed-ups are optional (each imports its pure-Python twin)."""
FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
LAMBDA_TASK_ROOT = "/var/task"
ZIP_SIZE_BUDGET = 3_000_000  # bytes: the same 3.0 MB `make bench` reports against


@dataclass(frozen=True)
class Target:
    """What the artifact is built for: the Lambda architecture and Python version."""

    arch: str = "arm64"
    python_version: str = "3.12"
    bytecode: bool = True

    def pip_platform_args(self) -> list[str]:
        """Arguments that make pip pick wheels for the target, not for this machine."""
        return [
            "--platform",
            PLATFORMS[self.arch],
            "--only-binary=:all:",
            "--python-version",
            self.python_version,
            "--implementation",
            "cp",
        ]

    def stamp(self) -> str:
        return json.dumps(
            {"arch": self.arch, "python": self.python_version, "bytecode": self.bytecode}
        )


def normalize(name: str) -> str:
    """PEP 503 name normalisation, so ``PyYAML`` and ``pyyaml`` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """The project's own dependencies plus the ``aws`` extra (what the DynamoDB store needs)."""
    import tomllib  # Python 3.11+; the build runs in the dev venv.

    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["aws"]]


def resolve(requirements: Sequence[str], target: Target) -> list[tuple[str, str]]:
    """Resolve the full dependency tree for ``target`` without installing anything."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        _pip(
            "install",
            "--dry-run",
            "--ignore-installed",
            "--report",
            str(report),
            "--target",
            str(Path(tmp) / "unused"),
            *target.pip_platform_args(),
            *requirements,
        )
        data = json.loads(report.read_text(encoding="utf-8"))
    return [(item["metadata"]["name"], item["metadata"]["version"]) for item in data["install"]]


def kept_pins(resolved: Iterable[tuple[str, str]]) -> list[str]:
    """Exact pins for every resolved distribution the runtime does not already provide."""
    return sorted(
        f"{name}=={version}"
        for name, version in resolved
        if normalize(name) not in PROVIDED_BY_RUNTIME
    )


def install(pins: Sequence[str], staging: Path, target: Target) -> None:
    """Install exactly ``pins`` (no dependency resolution, no byte-code) into ``staging``."""
    _pip(
        "install",
        "--no-deps",
        "--no-compile",
        "--target",
        str(staging),
        *target.pip_platform_args(),
        *pins,
    )


def copy_sources(staging: Path, root: Path = REPO_ROOT) -> None:
    caches = shutil.ignore_patterns("__pycache__", "*.pyc")
    left_out = {root / name for name in NOT_ON_LAMBDA}

    def ignore(directory: str, names: list[str]) -> set[str]:
        return set(caches(directory, names)) | {
            name for name in names if Path(directory, name) in left_out
        }

    for name in SOURCE_DIRS:
        shutil.copytree(root / name, staging / name, ignore=ignore)
    ship_compiled_content(staging / "content")


def ship_compiled_content(content: Path) -> None:
    """Each language's compiled content only: its YAML and CLDR sources stay behind.

    The build first checks that every compiled file is the one its sources make (a stale file
    fails the build: run ``make generate``), then marks it :data:`SHIPPED`, so the skill
    loads it without sources to compare with. That keeps the zip small and the cold start
    from reading and stamping the YAML of its language.
    """
    sys.path.insert(0, str(REPO_ROOT))
    from skill.content.files import CLDR_FILE, COMPILED_FILE, LOCALE_FILE, SOURCE_FILES
    from skill.content.load import SHIPPED, sources_stamp

    for folder in sorted(p.parent for p in content.glob(f"*/{SOURCE_FILES[0]}")):
        compiled = folder / COMPILED_FILE
        document = json.loads(compiled.read_text(encoding="utf-8"))
        if document.get("sources") != sources_stamp(folder):
            raise SystemExit(f"{compiled.relative_to(content.parent)} is stale: run make generate")
        document["sources"] = SHIPPED
        compiled.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        for name in (*SOURCE_FILES, CLDR_FILE):
            (folder / name).unlink()
    for locale_file in content.glob(f"*/{LOCALE_FILE}"):
        locale_file.unlink()
        if not any(locale_file.parent.iterdir()):
            locale_file.parent.rmdir()


def prune(staging: Path) -> None:
    """Drop caches, bundled test suites, console scripts and pip's own bookkeeping: nothing
    Lambda runs."""
    for path in sorted(staging.rglob("*"), reverse=True):
        if path.is_dir() and path.name in PRUNED_DIR_NAMES:
            shutil.rmtree(path)
        elif path.is_file() and _pruned_file(path):
            path.unlink()


def _pruned_file(path: Path) -> bool:
    bookkeeping = path.parent.name.endswith(".dist-info") and path.name in PRUNED_METADATA
    return bookkeeping or path.name.endswith(PRUNED_SUFFIXES)


def find_python(version: str) -> Path | None:
    """An interpreter of exactly ``version`` (``python3.12`` on PATH, or one pyenv installed)."""
    on_path = shutil.which(f"python{version}")
    pyenv = sorted((Path.home() / ".pyenv" / "versions").glob(f"{version}.*/bin/python{version}"))
    for candidate in [*([Path(on_path)] if on_path else []), *reversed(pyenv)]:
        probe = subprocess.run(
            [str(candidate), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        # A pyenv shim exists for every version but fails when that one is not selected.
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def drop_native_extensions(staging: Path) -> None:
    """Remove compiled speed-ups that have pure-Python fallbacks; refuse any other."""
    for path in sorted(staging.rglob("*.so")):
        relative = path.relative_to(staging).as_posix()
        if not relative.startswith(NATIVE_WITH_PURE_FALLBACK):
            raise SystemExit(
                f"{relative}: native extension without a known pure-Python fallback; "
                "add it to NATIVE_WITH_PURE_FALLBACK only after checking it has one"
            )
        path.unlink()


def _compileall(python: Path, *args: str) -> None:
    subprocess.run(
        # The SDK's docstrings raise SyntaxWarnings by the hundred; they are harmless.
        [str(python), "-W", "ignore", "-m", "compileall", "-q", "-j", "0", *args],
        check=True,
    )


def precompile(staging: Path, python: Path) -> None:
    """Dependencies to byte code only; ``skill/`` to byte code beside its sources."""
    ours = {*SOURCE_DIRS}
    dependencies = sorted(
        str(p)
        for p in staging.iterdir()
        if p.name not in ours
        and not p.name.endswith(".dist-info")
        and (p.is_dir() or p.suffix == ".py")
    )
    # Paths inside the byte code (tracebacks) are the ones Lambda unpacks to, not the build's.
    where = ("-s", str(staging), "-p", LAMBDA_TASK_ROOT)
    _compileall(python, *where, "-b", *dependencies)  # legacy layout: module.pyc for module.py
    for name in dependencies:
        root = Path(name)
        for source in [root] if root.is_file() else sorted(root.rglob("*.py")):
            if source.with_suffix(".pyc").is_file():
                source.unlink()
    _compileall(python, *where, "--invalidation-mode", "unchecked-hash", str(staging / "skill"))


def iter_files(staging: Path) -> Iterator[Path]:
    yield from sorted(p for p in staging.rglob("*") if p.is_file())


def write_zip(staging: Path, zip_path: Path) -> int:
    """Zip ``staging`` reproducibly (sorted entries, fixed times); return the size in bytes."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in iter_files(staging):
            info = zipfile.ZipInfo(path.relative_to(staging).as_posix(), FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16  # readable by the runtime's user
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    return zip_path.stat().st_size


def _newest_input_mtime(root: Path = REPO_ROOT) -> float:
    inputs = [root / "pyproject.toml", Path(__file__).resolve()]
    for name in SOURCE_DIRS:
        inputs.extend(
            p for p in (root / name).rglob("*") if p.is_file() and "__pycache__" not in p.parts
        )
    return max(p.stat().st_mtime for p in inputs)


def is_fresh(zip_path: Path, target: Target) -> bool:
    """True when ``zip_path`` was built for ``target`` after every input last changed."""
    stamp = zip_path.with_suffix(".target.json")
    return (
        zip_path.is_file()
        and stamp.is_file()
        and stamp.read_text(encoding="utf-8") == target.stamp()
        and zip_path.stat().st_mtime > _newest_input_mtime()
    )


def build(
    target: Target, staging: Path = DEFAULT_STAGING, zip_path: Path = DEFAULT_ZIP
) -> tuple[int, Target]:
    """Stage and zip the artifact; return its size and what it was really built for.

    Without an interpreter of the target version the zip is still correct, only without
    byte code; the returned target (and the stamp beside the zip) says so.
    """
    # Build in a private directory and move the results into place at the end, so two
    # builds at once (a test run beside `make package`) cannot mix their files.
    staging.parent.mkdir(parents=True, exist_ok=True)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".staging-", dir=staging.parent))
    try:
        size, target = _build_in(work, target, zip_path)
        _replace_dir(work, staging)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return size, target


def _build_in(work: Path, target: Target, zip_path: Path) -> tuple[int, Target]:
    install(kept_pins(resolve(runtime_requirements(), target)), work, target)
    copy_sources(work)
    prune(work)
    drop_native_extensions(work)
    python = find_python(target.python_version) if target.bytecode else None
    if python is not None:
        precompile(work, python)
    elif target.bytecode:
        print(
            f"warning: no python{target.python_version} here, so no byte code in the zip;"
            " cold starts will compile from source",
            file=sys.stderr,
        )
        target = replace(target, bytecode=False)
    partial = zip_path.with_name(f".{zip_path.name}.{os.getpid()}")
    size = write_zip(work, partial)
    os.replace(partial, zip_path)
    stamp = zip_path.with_suffix(".target.json")
    partial_stamp = stamp.with_name(f".{stamp.name}.{os.getpid()}")
    partial_stamp.write_text(target.stamp(), encoding="utf-8")
    os.replace(partial_stamp, stamp)
    return size, target


def _replace_dir(new: Path, old: Path) -> None:
    """Put ``new`` where ``old`` is; if another build got there first, its copy stays."""
    if old.exists():
        trash = Path(tempfile.mkdtemp(prefix=".old-", dir=old.parent))
        with contextlib.suppress(OSError):  # another build moved it already
            old.rename(trash / "lambda")
        shutil.rmtree(trash, ignore_errors=True)
    with contextlib.suppress(OSError):  # another build put its equal tree there meanwhile
        new.rename(old)


def _pip(*args: str) -> None:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run([sys.executable, "-m", "pip", *args, "--quiet"], check=True, env=env)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64")
    parser.add_argument("--python-version", default="3.12", help="Lambda runtime, e.g. 3.12")
    parser.add_argument("--staging", type=Path, default=DEFAULT_STAGING)
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP, dest="zip_path")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="ship sources only, no precompiled .pyc"
    )
    parser.add_argument(
        "--if-stale", action="store_true", help="skip the build when the zip is already fresh"
    )
    args = parser.parse_args(argv)
    target = Target(args.arch, args.python_version, bytecode=not args.no_bytecode)
    if args.if_stale and is_fresh(args.zip_path, target) and args.staging.is_dir():
        size = args.zip_path.stat().st_size
        print(f"{args.zip_path} is fresh: {size} bytes ({size / 1024 / 1024:.2f} MiB)")
        return 0
    size, built = build(target, args.staging, args.zip_path)
    bytecode = "with byte code" if built.bytecode else "sources only"
    print(
        f"built {args.zip_path} for {built.arch} / python{built.python_version}, {bytecode}: "
        f"{size} bytes ({size / 1024 / 1024:.2f} MiB)"
    )
    if size > ZIP_SIZE_BUDGET:
        print(f"over the {ZIP_SIZE_BUDGET} byte budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
