"""The demo company's weekly alignment meeting: three closed meetings and the next one open."""
import datetime
import zoneinfo

from portal.accounts.models import Department, User
from portal.db import db, utcnow
from portal.meetings.models import Meeting, MeetingSeries, MinutesVersion

TITLE = "对齐周会"
ZONE = "Asia/Shanghai"

# Per past meeting, oldest first: decisions, action items (what, owner, due in days from the
# meeting, status), notes on the week's topic, and who was excused.
PAST = [
    (["Q4 销售目标维持 1200 万，华南区增加两名销售。", "新供应商准入流程由采购部牵头，**两周内**出方案。"],
     [("整理华南区重点客户名单", "sales.head", 4, "done"), ("提交供应商准入方案", "procurement.head", 11, "done"),
      ("评估新 CRM 系统的预算", "finance.head", 6, "cancelled")],
     "- 华南区 10 月回款率 82%，低于目标\n- 采购部反映供应商资质审核耗时过长", ["rnd.staff"]),
    (["研发部 11 月版本冻结日定为本月 20 日。"],
     [("确认年会场地", "admin.head", 9, "done"), ("修复报价单导出的金额错误", "rnd.staff", 4, "open"),
      ("更新差旅报销标准", "finance.staff", 5, "open")],
     "- 报价单导出金额错误已影响两位客户，列为 **P1**\n- 年会初定 1 月中旬", ["sales.staff"]),
    (["年终奖评估按季度目标完成率计算。", "跨部门需求统一走资源申请流程，不再在群里提。"],
     [("发布年终评估说明", "admin.head", 12, "open"), ("准备 12 月采购计划", "procurement.staff", 10, "open"),
      ("报价单修复上线", "rnd.head", 9, "open")],
     "- 报价单修复延期：测试环境数据不全\n- 财务部提醒：12 月 25 日前提交全部报销", []),
]


def seed(now=None):
    """Create the series and its meetings unless it exists (running the demo twice adds nothing)."""
    now = now or utcnow()
    with db.atomic():
        if MeetingSeries.select().where(MeetingSeries.title == TITLE).exists():
            return None
        coordinator = User.by_email("coordinator@example.com")
        people = {user.email.split("@")[0]: user for user in User.select().where(User.email.endswith("@example.com"))}
        departments = list(Department.select().where(Department.id.in_(
            [user.department_id for user in people.values() if user.department_id])))
        local_today = now.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(ZONE)).date()
        next_monday = local_today + datetime.timedelta(days=7 - local_today.weekday())
        series, upcoming = MeetingSeries.plan(
            coordinator, departments=departments, people=[], day=next_monday, start_time=datetime.time(10, 0),
            now=now, title=TITLE, coordinator=coordinator, recurring=True, duration_minutes=60, timezone=ZONE,
            location="三楼大会议室", video_link="", reminder_minutes=60)
        for weeks_ago, content in zip((3, 2, 1), PAST, strict=True):
            _hold(series, upcoming.starts_at - datetime.timedelta(weeks=weeks_ago), coordinator, people, *content)
        upcoming.build_agenda(now)
        topic = upcoming.add_agenda_item(coordinator, "other", "年会筹备进度")
        topic.write_notes(coordinator, "- 场地已确认\n- 节目征集截止 12 月 15 日", version=0)
    return series


def _hold(series, starts_at, coordinator, people, decisions, actions, notes, excused):
    meeting = Meeting.schedule(series, starts_at, starts_at)
    topic = meeting.add_agenda_item(coordinator, "other", "本周重点")
    topic.write_notes(coordinator, notes, version=0)
    for text in decisions:
        meeting.record_decision(coordinator, text)
    for what, owner, due_in, status in actions:
        item = meeting.assign_action(coordinator, what, people[owner],
                                     (starts_at + datetime.timedelta(days=due_in)).date())
        if status != "open":
            item.settle(people[owner], status)
    statuses = {user.id: "excused" if key in excused else "present" for key, user in people.items()}
    meeting.record_attendance(coordinator, {uid: s for uid, s in statuses.items()
                                            if uid in {u.id for u in series.participants()}})
    # Closed without mailing anyone: demo minutes are history, not news.
    meeting.state, meeting.closed_at, meeting.closed_by = "closed", starts_at + datetime.timedelta(hours=1), coordinator
    meeting.save()
    MinutesVersion.record(meeting, coordinator)
