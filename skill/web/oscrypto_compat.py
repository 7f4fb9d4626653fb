"""Make ``import flask_ask_sdk.skill_adapter`` work with OpenSSL 3.x.y where y has two digits.

The problem
-----------
``flask_ask_sdk.skill_adapter`` imports ``ask_sdk_webservice_support.verifier``, which imports
``certvalidator``, which imports ``oscrypto`` 1.3.0 (the newest release). When oscrypto loads
libcrypto (``oscrypto/_openssl/_libcrypto_cffi.py`` and ``_libcrypto_ctypes.py``, the line
``version_match = re.search('\\b(\\d\\.\\d\\.\\d[a-z]*)\\b', version_string)``) it expects one
digit per version part. ``"OpenSSL 3.0.19 27 Jan 2026"`` does not match (``3.0.1`` is followed by
``9``, so there is no word boundary), and the import dies with ``LibraryNotFoundError: Error
detecting the version of libcrypto``. Upstream: wbond/oscrypto issues 75 and 78, fixed on its
main branch but in no release on PyPI.

The fix
-------
:func:`install` puts a narrow import hook on ``sys.meta_path`` for exactly those two oscrypto
modules. When Python loads one of them, the hook reads the installed source, replaces that one
regular expression with the upstream fix (``\\d+`` per part), and compiles the result. Nothing
on disk changes (and no patched bytecode is ever written), every other module loads normally,
and if the buggy line is absent (a fixed oscrypto) the source is compiled unchanged. oscrypto
then reports the true version, e.g. ``(3, 0, 19)``, and keeps working as its authors intended.

Options weighed and rejected: ``oscrypto.use_openssl()`` only chooses *which* library file to
load, and the version check runs on that library's own ``OpenSSL_version()`` string, so it
cannot help; "providing the version oscrypto expects" would mean wrapping ``ctypes``/``cffi``
globally; installing oscrypto from its git main branch needs GitHub, not PyPI.

Knee Coach's own request verification (:mod:`skill.web.verification`) uses ``cryptography`` and
does not depend on certvalidator or oscrypto at all; the hook only lets the SDK import.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec, PathFinder, SourceFileLoader
from types import CodeType, ModuleType

TARGET_MODULES = frozenset(
    {"oscrypto._openssl._libcrypto_cffi", "oscrypto._openssl._libcrypto_ctypes"}
)
"""The only modules the hook touches: the two places oscrypto parses the libcrypto version."""

BUGGY_PATTERN = rb"re.search('\\b(\\d\\.\\d\\.\\d[a-z]*)\\b', version_string)"
FIXED_PATTERN = rb"re.search('\\b(\\d+\\.\\d+\\.\\d+[a-z]*)\\b', version_string)"


def patch_source(source: bytes) -> bytes:
    """The module source with the one-digit-per-part version regex widened (upstream's fix).

    Returns ``source`` unchanged when the buggy line is not there, so a future fixed oscrypto
    (or any other code) is never altered.
    """
    return source.replace(BUGGY_PATTERN, FIXED_PATTERN)


class _PatchingLoader(SourceFileLoader):
    """Compiles the patched source, bypassing the bytecode cache (no patched ``.pyc`` written)."""

    def get_code(self, fullname: str) -> CodeType:
        source = self.get_data(self.path)
        return compile(patch_source(source), self.path, "exec", dont_inherit=True)


class _OscryptoVersionFinder(MetaPathFinder):
    """Finds the two target modules the normal way, then swaps in :class:`_PatchingLoader`."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname not in TARGET_MODULES:
            return None
        spec = PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.origin is None or not isinstance(spec.loader, SourceFileLoader):
            return spec
        spec.loader = _PatchingLoader(fullname, spec.origin)
        return spec


def install() -> None:
    """Register the hook (idempotent). Call before the first import of ``flask_ask_sdk``."""
    if not any(isinstance(finder, _OscryptoVersionFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _OscryptoVersionFinder())
