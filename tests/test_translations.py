"""The catalogues: every translation fits its source, and the Chinese reads as Chinese."""
import itertools
import re

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from portal.config import PROJECT_ROOT
from portal.i18n import preload, zone_name

CATALOGUES = sorted((PROJECT_ROOT / "portal" / "translations").glob("*/LC_MESSAGES/messages.po"))
CHINESE = PROJECT_ROOT / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
HAN = r"[\u4e00-\u9fff]"
# Words an earlier catalogue used and a Chinese colleague reads wrongly: 打卡 is clocking in at
# work, 门户 sounds like a 2005 web portal, and each state and term has one word, not two.
RETIRED = {
    "打卡": "进度更新 / 更新进度 (check-in)",
    "门户": "系统 or 对齐 (the portal)",
    "严重偏离": "已偏离 (off track)",
    "直线": "计划进度 / 按计划应达 (the line)",
    "阻塞": "前置任务 / 受阻 (blocker, blocked)",
    "跨部门协调人": "协调人 (coordinator)",
    "基线": "起始值 (baseline)",
}


def _messages(path):
    with open(path, "rb") as po:
        catalogue = read_po(po)
    return [message for message in catalogue if message.id]


def _forms(text):
    return text if isinstance(text, (tuple, list)) else (text,)


def _translated(message):
    return [form for form in _forms(message.string) if form]


def _chinese():
    return [(message, form) for message in _messages(CHINESE) for form in _translated(message)]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_every_translation_keeps_the_placeholders_of_its_source(path):
    wrong = []
    for message in _messages(path):
        sources = {tuple(sorted(PLACEHOLDER.findall(source))) for source in _forms(message.id)}
        for form in _translated(message):
            if tuple(sorted(PLACEHOLDER.findall(form))) not in sources:
                wrong.append((message.context, message.id, form))
    assert wrong == []


def test_every_message_has_a_chinese_translation_and_none_is_a_guess():
    missing = [(m.context, m.id) for m in _messages(CHINESE)
               if len(_translated(m)) != len(_forms(m.string)) or not _translated(m) or m.fuzzy]
    assert missing == []


def test_chinese_text_uses_chinese_punctuation():
    latin_next_to_han = re.compile(HAN + r"[,:;?!()]|[,:;?!()]" + HAN)
    assert [form for _, form in _chinese() if latin_next_to_han.search(form)] == []


def test_chinese_punctuation_takes_no_space_around_it():
    assert [form for _, form in _chinese() if re.search(r" [，。：；、（）“”！？]|[，。：；、（）“”！？] ", form)] == []


def test_latin_letters_and_digits_stand_a_space_apart_from_chinese():
    # A placeholder counts as Latin text: "%(n)d 天", "%(name)s 给您".
    def touching(form):
        plain = PLACEHOLDER.sub("x", form)
        return re.search(HAN + r"[A-Za-z0-9]|[A-Za-z0-9]" + HAN, plain)
    # Placeholders that always hold one Chinese word join it as a word would: 每周一, 所有管理员,
    # 由销售部提供, 按北京时间, 您的周报.
    fused = re.compile(r"%\((day|role|department|zone|kind)\)s")
    assert [form for _, form in _chinese() if touching(fused.sub("词", form))] == []


@pytest.mark.parametrize("word, instead", RETIRED.items(), ids=[v.split("(")[1][:-1] for v in RETIRED.values()])
def test_the_chinese_catalogue_no_longer_uses_a_retired_word(word, instead):
    assert [form for _, form in _chinese() if word in form] == [], "use " + instead


def test_one_english_word_with_two_meanings_gets_two_chinese_words():
    chinese = {(m.context, m.id): m.string for m in _messages(CHINESE)}
    assert chinese[("mail", "To")] == "收件人" and chinese[("date range", "To")] == "结束日期"
    assert chinese[(None, "Filed")] == "提交时间" and chinese[("request trail", "Filed")] == "提交申请"
    assert chinese[(None, "When")] == "时间" and chinese[("notification event", "When")] == "事件"
    assert chinese[("project status", "Active")] == "进行中" and chinese[("account status", "Active")] == "正常"
    assert chinese[("person", "Name")] == "姓名" and chinese[(None, "Name")] == "名称"
    assert chinese[("button", "Comment")] == "发表评论" and chinese[("approval", "Comment")] == "审批意见"


@pytest.mark.parametrize("language, names", [
    ("zh_CN", ["北京时间", "北京时间", "德国（柏林）时间", "UTC", "Etc/GMT-8"]),
    ("en", ["Beijing time", "Beijing time", "Germany (Berlin) Time", "UTC", "Etc/GMT-8"]),
])
def test_a_time_zone_is_shown_by_the_name_people_use_not_its_code(app, language, names):
    with app.test_request_context(), force_locale(language):
        assert [zone_name(zone) for zone in ("Asia/Shanghai", "PRC", "Europe/Berlin", "UTC", "Etc/GMT-8")] == names


def test_catalogues_read_before_the_workers_fork_still_give_each_reader_their_language(app, client):
    preload(app)  # as wsgi.py does in gunicorn's master
    chinese = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>登录</h1>" in chinese and "<h1>Sign in</h1>" in english
    with app.test_request_context(), force_locale("en"):
        assert zone_name("Europe/Berlin") == "Germany (Berlin) Time"


def test_a_kept_time_zone_select_is_the_one_wtforms_writes_for_that_language_and_zone(app):
    """The settings page keeps its time zone select; what it shows must be what writing it afresh shows:
    the reader's language, the chosen zone selected, an older zone name still offered."""
    from wtforms.widgets import Select

    from portal.accounts.forms import PreferencesForm
    for language, zone in itertools.product(("zh_CN", "en"), ("Asia/Shanghai", "Europe/Berlin", "Asia/Chongqing")):
        with app.test_request_context(), force_locale(language):
            field = PreferencesForm(data={"language": language, "timezone": zone}, meta={"csrf": False}).timezone
            kept, afresh = field(), Select()(field)
            assert kept == afresh and kept is field()
            assert ('<option selected value="%s">' % zone) in kept
            assert ("柏林" if language == "zh_CN" else "Berlin") in kept
