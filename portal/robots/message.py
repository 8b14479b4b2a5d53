"""A message said once, written natively for each platform within that platform's size limit.

Limits, as each platform documents them: 企业微信 markdown content at most 4096 bytes (text
2048), 钉钉 a request body of at most 20000 bytes, 飞书 a request body of at most 20 KB. A
message that does not fit is cut at a line boundary and ends with a link to the rest.
"""
import dataclasses
import json

from flask import current_app
from flask_babel import gettext as _

WECOM_MARKDOWN_BYTES = 4096
WECOM_TEXT_BYTES = 2048
DINGTALK_BODY_BYTES = 20000
# 20 KB less room for the timestamp and signature added when it is sent.
FEISHU_BODY_BYTES = 20 * 1024 - 200
WEBHOOK_BODY_BYTES = 64 * 1024
LINE_CHARACTERS = 500


@dataclasses.dataclass(frozen=True)
class Mention:
    """Someone to @: their name (shown) and mobile number (rings their phone where possible)."""
    name: str
    mobile: str = ""


@dataclasses.dataclass
class Block:
    heading: str = ""
    lines: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Message:
    title: str
    blocks: list = dataclasses.field(default_factory=list)
    mentions: list = dataclasses.field(default_factory=list)
    link: str = ""
    link_text: str = ""

    def __post_init__(self):
        self.title = _clip(self.title, 200)

    def absolute_link(self):
        if self.link.startswith("/"):
            return current_app.config["BASE_URL"] + self.link
        return self.link

    def units(self):
        """(kind, text) pairs in reading order: headings and lines, each clipped."""
        for block in self.blocks:
            if block.heading:
                yield "heading", _clip(block.heading)
            for line in block.lines:
                yield "line", _clip(line)


def render(kind, message, language, event, delivery, ref=""):
    """The request bodies (JSON text) that say `message` on a `kind` channel, in order."""
    units = list(message.units())
    link = message.absolute_link()
    if kind == "wecom":
        bodies = [_fit(units, lambda kept, cut: _wecom(message, kept, cut, link), WECOM_MARKDOWN_BYTES,
                       lambda body: json.loads(body)["markdown"]["content"])]
        mobiles = [m.mobile for m in message.mentions if m.mobile]
        if mobiles:
            # Its markdown can only @ by user id; a text message can @ by mobile number.
            text = _clip(_("Please follow up: %(title)s", title=message.title), WECOM_TEXT_BYTES // 4)
            bodies.append(_json({"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": mobiles}}))
        return bodies
    if kind == "dingtalk":
        return [_fit(units, lambda kept, cut: _dingtalk(message, kept, cut, link), DINGTALK_BODY_BYTES)]
    if kind == "feishu":
        locale = "zh_cn" if language == "zh_CN" else "en_us"
        return [_fit(units, lambda kept, cut: _feishu(message, kept, cut, link, locale), FEISHU_BODY_BYTES)]
    return [_fit(units, lambda kept, cut: _webhook(message, kept, cut, link, language, event, delivery, ref),
                 WEBHOOK_BODY_BYTES)]


def _fit(units, compose, limit, measured=lambda body: body):
    """The body keeping as many units as fit in `limit` bytes, with "see the rest" when cut."""
    def size(count):
        return len(measured(compose(units[:count], count < len(units))).encode())

    if size(len(units)) <= limit:
        return compose(units, False)
    low, high = 0, len(units) - 1  # the answer lies in [low, high]; size(0) is assumed to fit
    while low < high:
        middle = (low + high + 1) // 2
        if size(middle) <= limit:
            low = middle
        else:
            high = middle - 1
    return compose(units[:low], True)


def _wecom(message, kept, cut, link):
    lines = ["**%s**" % _markdown(message.title)]
    for kind, text in kept:
        lines.append("**%s**" % _markdown(text) if kind == "heading" else _markdown(text))
    lines.extend(_markdown_tail(message, cut, link))
    return _json({"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}})


def _dingtalk(message, kept, cut, link):
    mobiles = [m.mobile for m in message.mentions if m.mobile]
    paragraphs = ["#### %s" % _markdown(message.title)]
    for kind, text in kept:
        paragraphs.append("**%s**" % _markdown(text) if kind == "heading" else "- " + _markdown(text))
    paragraphs.extend(_markdown_tail(message, cut, link))
    if mobiles:
        # 钉钉 rings a phone only when its number is both in atMobiles and written in the text.
        paragraphs.append(" ".join("@" + mobile for mobile in mobiles))
    return _json({"msgtype": "markdown", "markdown": {"title": message.title[:100], "text": "\n\n".join(paragraphs)},
                  "at": {"atMobiles": mobiles, "isAtAll": False}})


def _markdown_tail(message, cut, link):
    tail = []
    if cut:
        tail.append("……")
    if link:
        text = _("See the rest in Duiqi") if cut else (message.link_text or _("Open in Duiqi"))
        tail.append("[%s](%s)" % (_markdown(text), link))
    return tail


def _feishu(message, kept, cut, link, locale):
    rows = [[{"tag": "text", "text": ("【%s】" % text) if kind == "heading" else "· " + text}] for kind, text in kept]
    if message.mentions:
        # A custom bot can @ only by Feishu user id, which the portal does not know: the names
        # are written out instead, without ringing anyone.
        rows.append([{"tag": "text", "text": " ".join("@" + m.name for m in message.mentions)}])
    if cut:
        rows.append([{"tag": "text", "text": "……"}])
    if link:
        text = _("See the rest in Duiqi") if cut else (message.link_text or _("Open in Duiqi"))
        rows.append([{"tag": "a", "text": text, "href": link}])
    return _json({"msg_type": "post", "content": {"post": {locale: {"title": message.title, "content": rows}}}})


def _webhook(message, kept, cut, link, language, event, delivery, ref):
    blocks = []
    for kind, text in kept:
        if kind == "heading" or not blocks:
            blocks.append({"heading": text if kind == "heading" else "", "lines": []})
        if kind == "line":
            blocks[-1]["lines"].append(text)
    return _json({"event": event, "delivery": delivery, "ref": ref, "language": language, "title": message.title,
                  "blocks": blocks, "mentions": [m.name for m in message.mentions], "link": link,
                  "link_text": message.link_text, "truncated": cut})


def _markdown(text):
    # What people typed must not become markup: a link, an <@all>, emphasis, code, or a heading
    # ("#" makes one only at the start of a line, so "#12" inside a title stays as written).
    table = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊", "`": "｀"})
    text = text.translate(table).replace("\n", " ")
    return "＃" + text[1:] if text.startswith("#") else text


def _clip(text, limit=LINE_CHARACTERS):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
