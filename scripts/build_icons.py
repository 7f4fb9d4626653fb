"""Render the skill's icons from their vector source: ``make icons``.

The Alexa skill store needs, for every locale, a small icon (108 x 108 PNG) and a large one
(512 x 512 PNG). Both are drawn once, in ``skill-package/assets/source/icon.svg``, and
rendered here with CairoSVG (an SVG renderer on the cairo graphics library), then flattened
onto the icon's own background with Pillow: store icons have no transparency.

The PNGs are committed (``skill-package/assets/images/``), where the ASK CLI's skill-package
format looks for local assets; the manifest points every locale at them with ``file://``
URIs relative to the package. ``tests/test_icons.py`` re-renders them and compares.

    python scripts/build_icons.py            # write the two PNGs
    python scripts/build_icons.py --out DIR  # write them somewhere else (the test does)
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE = REPO_ROOT / "skill-package" / "assets" / "source" / "icon.svg"
IMAGES = REPO_ROOT / "skill-package" / "assets" / "images"
ICONS = {"smallIcon.png": 108, "largeIcon.png": 512}
"""File name → width and height in pixels, as the skill manifest requires them."""
BACKGROUND = (16, 32, 40)
"""#102028, the icon's (and the screens') background, under any anti-aliased edge."""


def render(source: Path, size: int) -> bytes:
    """The SVG as a square, opaque RGB PNG of ``size`` pixels."""
    import cairosvg
    from PIL import Image

    drawn = cairosvg.svg2png(url=str(source), output_width=size, output_height=size)
    with Image.open(io.BytesIO(drawn)) as image:
        rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, BACKGROUND)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, format="PNG", optimize=True)
    return out.getvalue()


def build(out_dir: Path = IMAGES, source: Path = SOURCE) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, size in ICONS.items():
        path = out_dir / name
        path.write_bytes(render(source, size))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=IMAGES)
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
