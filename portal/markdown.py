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


def to_text(text):
    """Markdown → plain text for the text part of mail: the words without their marks (no ** or _),
    a link as "words (address)", list items as "- " or "1. ", one paragraph a line."""
    lines, lists, marker = [], [], ""
    for token in _parser.parse(text or ""):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(0 if token.type == "ordered_list_open" else None)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "list_item_open" and lists:
            if lists[-1] is not None:
                lists[-1] += 1
            marker = "  " * (len(lists) - 1) + ("- " if lists[-1] is None else "%d. " % lists[-1])
        elif token.type == "inline":
            lines.append(marker + _inline_text(token.children))
            marker = ""
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
    return "\n".join(lines)


def _inline_text(children):
    out, links = [], []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            out.append(child.content)
        elif child.type == "link_open":
            links.append((child.attrs.get("href", ""), len(out)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            if href and href != "".join(out[start:]):
                out.append(" (%s)" % href)
    return "".join(out)


def init_app(app):
    app.jinja_env.filters["markdown"] = to_html
    app.jinja_env.filters["plaintext"] = to_text
