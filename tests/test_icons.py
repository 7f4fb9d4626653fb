"""The store icons: the sizes and format Alexa requires, and drawn from their vector source.

The PNGs are committed so that a package can be built without the renderer; this checks
that they are what ``make icons`` (``scripts/build_icons.py``) makes from the SVG today, so a
change to the drawing cannot ship with stale icons.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat
from test_skill_package import load_script

build_icons = load_script("build_icons")


@pytest.mark.parametrize(("name", "size"), sorted(build_icons.ICONS.items()))
def test_each_icon_is_an_opaque_png_of_the_required_size(name: str, size: int) -> None:
    with Image.open(build_icons.IMAGES / name) as icon:
        assert icon.format == "PNG"
        assert icon.size == (size, size)
        assert icon.mode == "RGB", "store icons have no transparency"


def test_the_committed_icons_are_what_the_svg_renders_to(tmp_path: Path) -> None:
    for path in build_icons.build(tmp_path):
        with Image.open(path) as fresh, Image.open(build_icons.IMAGES / path.name) as kept:
            assert fresh.size == kept.size
            difference = ImageStat.Stat(ImageChops.difference(fresh, kept)).mean
            # a renderer release may shift anti-aliasing a little; a changed drawing will not
            assert max(difference) < 2.0, (path.name, difference)


def test_the_icon_is_drawn_not_blank() -> None:
    with Image.open(build_icons.IMAGES / "largeIcon.png") as icon:
        colours = icon.getcolors(maxcolors=1 << 16) or []
    assert len(colours) > 3, "background, leg and the massage circles at least"
