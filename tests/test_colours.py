"""The site's colours, read from its stylesheets: code highlighting and text meet WCAG AA
(4.5:1) in the light and the dark theme. axe checks the pages that exist; this checks every
token colour, including those no shipped lesson happens to use."""

import re
from pathlib import Path

import pytest
from pygments.token import STANDARD_TYPES

STATIC = Path(__file__).resolve().parents[1] / "static"
AA = 4.5
CUSTOM_PROPERTY = re.compile(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;")


def root_colours(stylesheet):
    """The hex colours set as custom properties in the stylesheet's first :root rule."""
    text = (STATIC / stylesheet).read_text()
    root = re.search(r":root\s*\{(.*?)\}", text, re.DOTALL)[1]
    return dict(CUSTOM_PROPERTY.findall(root))


LIGHT = root_colours("coursebook.css")
DARK = {**LIGHT, **root_colours("coursebook-dark.css")}
THEMES = {"light": LIGHT, "dark": DARK}


def luminance(colour):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(foreground, background):
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def colours_used_by_highlighting():
    """Every custom property pygments.css colours text with; it may use nothing else."""
    text = (STATIC / "pygments.css").read_text()
    values = re.findall(r"(?<![\w-])color:\s*([^;}]+)", text)
    assert values
    assert all(re.fullmatch(r"var\(--code-[\w-]+\)", value.strip()) for value in values), values
    return {value.strip()[4:-1] for value in values}


def test_the_contrast_formula_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_the_dark_theme_sets_every_colour_the_light_theme_does():
    assert set(root_colours("coursebook-dark.css")) == set(LIGHT) - {"--focus"}


@pytest.mark.parametrize("theme", THEMES)
def test_every_code_token_colour_reads_on_a_code_block_and_a_highlighted_line(theme):
    colours = THEMES[theme]
    foregrounds = colours_used_by_highlighting() | {"--code-text", "--muted"}
    failing = {
        (foreground, background): round(contrast(colours[foreground], colours[background]), 2)
        for foreground in foregrounds
        for background in ("--code-bg", "--code-highlight")
        if contrast(colours[foreground], colours[background]) < AA
    }
    assert failing == {}


def test_every_token_pygments_writes_has_a_rule_or_keeps_the_code_text_colour():
    """A class with no rule inherits --code-text (checked above); a rule that colours a
    class does so through the palette (checked above). So each of Pygments' token classes
    reads at AA: this only guards against a typo naming a class Pygments never writes."""
    text = (STATIC / "pygments.css").read_text()
    styled = set(re.findall(r"\.highlight \.([\w-]+)", text)) - {"hll", "linenos"}
    assert styled <= set(STANDARD_TYPES.values())


@pytest.mark.parametrize("theme", THEMES)
def test_text_links_and_muted_text_read_on_every_background(theme):
    colours = THEMES[theme]
    pairs = [
        (foreground, background)
        for foreground in ("--text", "--muted", "--accent", "--danger", "--done", "--warn")
        for background in ("--bg", "--surface")
    ]
    pairs += [
        ("--accent-text", "--accent"),
        ("--text", "--accent-soft"),
        ("--warn", "--warn-soft"),
    ]
    failing = {
        pair: round(contrast(colours[pair[0]], colours[pair[1]]), 2)
        for pair in pairs
        if contrast(colours[pair[0]], colours[pair[1]]) < AA
    }
    assert failing == {}
