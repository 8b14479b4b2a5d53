"""Markdown written by users, rendered to HTML that is safe to show: one function, `to_html`."""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the source is shown as text; nh3 then keeps only these tags whatever slips through.
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable("strikethrough")
_TAGS = {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
         "h1", "h2", "h3", "h4", "h5", "h6", "hr"}


def to_html(text):
    """Markdown → sanitized HTML: links only to http(s) and mailto, opened without a referrer."""
    html = nh3.clean(_parser.render(text or ""), tags=_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    # nh3 has just reduced the HTML to the tags and links above, so it is safe to mark as such.
    return Markup(html)  # nosec B704


def init_app(app):
    app.jinja_env.filters["markdown"] = to_html
