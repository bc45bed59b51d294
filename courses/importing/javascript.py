"""Values read out of a site's JavaScript or TypeScript files (`docusaurus.config.js`,
`sidebars.js`) without running them.

No JavaScript runs at import time: the files are split into tokens, the object they export
is found, and only plain literals are read from it (strings, numbers, booleans, arrays and
objects, as JSON5 spells them). Anything computed (a variable, a function call, a spread)
is not read; the caller warns and falls back to what the folders say.
"""

import re
from dataclasses import dataclass

import json5

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<comment>//[^\n]*|/\*.*?\*/)
    |(?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    |(?P<template>`(?:[^`\\]|\\.)*`)
    |(?P<name>[A-Za-z_$][\w$]*)
    |(?P<number>\d[\w.]*)
    |(?P<punct>\.\.\.|=>|.)
    """,
    re.DOTALL | re.VERBOSE,
)
CLOSING = {"{": "}", "[": "]", "(": ")"}
DECLARATIONS = ("const", "let", "var")


class Unreadable(Exception):
    """The file's exported value is not a plain literal (or the file is not JavaScript)."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokens(text):
    found = []
    for match in TOKEN.finditer(text):
        if match.lastgroup not in ("space", "comment"):
            found.append(Token(match.lastgroup, match[0], match.start(), match.end()))
    return found


def closing_index(found, index):
    """The index of the bracket that closes the one at `index`."""
    depth = 0
    for position in range(index, len(found)):
        text = found[position].text
        if text in CLOSING:
            depth += 1
        elif text in CLOSING.values():
            depth -= 1
            if depth == 0:
                return position
    raise Unreadable("an unclosed bracket")


def _texts(found, index, count):
    return [token.text for token in found[index : index + count]]


def exported_object(found):
    """The index of the `{` that opens the object the module exports: `module.exports = {`,
    `export default {`, or either naming a `const` declared in the file."""
    for index in range(len(found)):
        if _texts(found, index, 4) == ["module", ".", "exports", "="]:
            value = index + 4
        elif _texts(found, index, 2) == ["export", "default"]:
            value = index + 2
        else:
            continue
        while value < len(found) and found[value].text == "(":
            value += 1
        if value >= len(found):
            break
        if found[value].text == "{":
            return value
        if found[value].kind == "name":
            declared = declaration(found, found[value].text)
            if declared is not None:
                return declared
    raise Unreadable("no exported object literal (module.exports = {...} or export default)")


def declaration(found, name):
    """The `{` of `const NAME = {` (a TypeScript type annotation allowed before the `=`)."""
    for index, token in enumerate(found[:-1]):
        if token.text in DECLARATIONS and found[index + 1].text == name:
            position = index + 2
            while position < len(found) and found[position].text not in ("=", ";"):
                position += 1
            if position + 1 < len(found) and _texts(found, position, 2) == ["=", "{"]:
                return position + 1
    return None


def literal(text, found, start, end):
    """The JSON5 value spelled by tokens start..end (inclusive)."""
    source = text[found[start].start : found[end].end]
    try:
        return json5.loads(source)
    except ValueError as error:
        raise Unreadable(f"not a plain literal ({error})") from None


def exported_literal(text):
    """The exported object, as Python values; raises Unreadable."""
    found = tokens(text)
    start = exported_object(found)
    return literal(text, found, start, closing_index(found, start))


def object_fields(found, start):
    """{key: (first token index, last token index)} for the fields of the object literal
    whose `{` is at `start`, at its own level only."""
    end = closing_index(found, start)
    fields, position = {}, start + 1
    while position < end:
        key = found[position]
        if key.text == "...":
            position = _next_field(found, position, end)
            continue
        if position + 1 < end and found[position + 1].text == ":":
            value_end = _next_field(found, position + 2, end) - 1
            if found[value_end].text == ",":
                value_end -= 1
            fields[_key_name(key)] = (position + 2, value_end)
        position = _next_field(found, position, end)
    return fields


def has_spread(found, start):
    """Whether the object literal whose `{` is at `start` spreads values (`...x`) into its
    own level."""
    end = closing_index(found, start)
    position = start + 1
    while position < end:
        if found[position].text == "...":
            return True
        position = _next_field(found, position, end)
    return False


def _next_field(found, position, end):
    """The index just after the `,` that ends the field starting at `position`."""
    while position < end:
        text = found[position].text
        if text in CLOSING:
            position = closing_index(found, position) + 1
            continue
        position += 1
        if text == ",":
            break
    return position


def _key_name(token):
    if token.kind == "string":
        return string_value(token)
    return token.text


def string_value(token):
    try:
        return json5.loads(token.text)
    except ValueError:
        return None


def simple_value(found, span):
    """A field's value when it is one string, number or boolean literal, else Unreadable."""
    first, last = span
    if first == last:
        token = found[first]
        if token.kind == "string":
            return string_value(token)
        if token.text in ("true", "false"):
            return token.text == "true"
        if token.kind == "number":
            try:
                return json5.loads(token.text)
            except ValueError:
                pass
    raise Unreadable("not a plain value")


def resolved_path(found, span):
    """A path given as a string or as `require.resolve('...')`."""
    first, last = span
    texts = [token.text for token in found[first : last + 1]]
    if texts[:4] == ["require", ".", "resolve", "("] and len(texts) == 6:
        return string_value(found[first + 4])
    return simple_value(found, span)
