"""Render a lesson's Markdown (Docusaurus docs flavour) to safe HTML and a table of contents.

`render_markdown` is a pure function: links and images are resolved through the callbacks
it is given, and every problem found (broken links, MDX that cannot be shown) is returned
with its file line instead of raised (`context`).

The work happens in four passes, each in the files named:

1. `lines`: a pass over the source lines that rewrites what Python-Markdown cannot read as
   is: Docusaurus admonitions (`:::tip Title` ... `:::`) become pymdownx blocks, lists are
   re-indented, code-fence meta (`title="x.py" {1,3-4}`) and magic comments become
   superfences options (`code`), and MDX is dealt with (`mdx`: imports and exports dropped,
   components turned into notices, tabs and <details> into disclosure blocks);
2. Python-Markdown with an explicit extension list (`extensions`), with tree passes that give
   headings their Docusaurus ids and permalinks and collect the toc (`headings`), resolve
   links and images (`links`) and find task items (`tasklists`), and readers bounded
   where Python-Markdown's would take quadratic time (`bounded`); then iframes (`embeds`):
   kept from the allowed video hosts, links to their source otherwise;
3. nh3 with an allow-list (`sanitise`), so whatever the author wrote, no script can reach the
   page and no bidi control disguises a link; only then do task lists get their checkboxes
   (`tasklists`);
4. code blocks and tables get the markup that lets them scroll sideways, reachable by
   keyboard (`code`).
"""

import html
from dataclasses import dataclass, field

from courses.rendering.code import scrollable_blocks
from courses.rendering.context import Context, Problem
from courses.rendering.embeds import IFRAME_START, embeds
from courses.rendering.extensions import markdown_for
from courses.rendering.lines import LinePass
from courses.rendering.sanitise import sanitise, strip_bidi_controls_from_links
from courses.rendering.tasklists import put_checkboxes

__all__ = ["Problem", "Rendered", "render_markdown"]


@dataclass
class Rendered:
    html: str
    toc: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def render_markdown(
    text,
    *,
    resolve_link=None,
    resolve_image=None,
    first_line=1,
    toc_min_level=2,
    toc_max_level=3,
    embed_hosts=frozenset(),
    front_matter=None,
):
    """Markdown -> Rendered(html, toc, problems); the html is already sanitised. Iframes
    loading pages on `embed_hosts` (host names) are kept; any other is a link. MDX's
    `{frontMatter.x}` in a link reads `front_matter`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = LinePass(first_line, front_matter or {})
    source = lines.run(text)
    context = Context(text, first_line, resolve_link, resolve_image)
    try:
        with markdown_for(context) as md:
            body = md.convert(source)
    except RecursionError:
        # Python-Markdown recurses once per nesting level; a body nested hundreds deep
        # is shown as it was written rather than failing the import.
        return _as_plain_text(text, first_line)
    toc = [entry for entry in context.toc if toc_min_level <= entry["level"] <= toc_max_level]
    embed_hosts = frozenset(host.lower() for host in embed_hosts)
    if IFRAME_START.search(body):
        body = embeds(body, embed_hosts, context)
    problems = sorted(lines.problems + context.problems, key=lambda problem: problem.line or 0)
    markup = strip_bidi_controls_from_links(sanitise(body, embed_hosts))
    markup = put_checkboxes(markup, context.checkboxes)
    return Rendered(html=scrollable_blocks(markup), toc=toc, problems=problems)


def _as_plain_text(text, first_line):
    problem = Problem(first_line, "nested too deeply to render; shown as plain text", "warning")
    return Rendered(html=f"<pre>{html.escape(text)}</pre>", toc=[], problems=[problem])
