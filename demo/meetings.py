"""The demo company's weekly alignment meeting: three closed meetings and the next one open; the
large company adds a year of its departments' weekly meetings."""
import collections
import datetime
import json
import random
import zoneinfo

from demo.accounts import ACCOUNTS
from demo import Rows, flush, scaled

from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import db, utcnow
from portal.meetings.models import (ActionItem, AgendaItem, Attendance, Decision, Meeting, MeetingSeries,
                                    MinutesVersion, SeriesDepartment, SeriesPerson, to_utc)

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


def seed(now=None, size="small", scale=1):
    """Create the series and its meetings unless it exists (running the demo twice adds nothing)."""
    series = _seed_small(now or utcnow())
    if size == "large":
        _seed_large(now or utcnow(), scale)
    return series


def _seed_small(now):
    with db.atomic():
        if MeetingSeries.select().where(MeetingSeries.title == TITLE).exists():
            return None
        coordinator = User.by_email("coordinator@example.com")
        # The demo accounts' own departments, also in the large company (whose other departments
        # hold their own weekly meetings).
        people = {user.email.split("@")[0]: user
                  for user in User.select().where(User.email.in_([email for email, _ in ACCOUNTS]))}
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
                                     (starts_at + datetime.timedelta(days=due_in)).date(), confirmed=True)
        if status != "open":
            item.settle(people[owner], status)
    statuses = {user.id: "excused" if key in excused else "present" for key, user in people.items()}
    meeting.record_attendance(coordinator, {uid: s for uid, s in statuses.items()
                                            if uid in {u.id for u in series.participants()}})
    # Closed without mailing anyone: demo minutes are history, not news.
    meeting.state, meeting.closed_at, meeting.closed_by = "closed", starts_at + datetime.timedelta(hours=1), coordinator
    meeting.save()
    meeting.freeze_participants()
    MinutesVersion.record(meeting, coordinator)


# The large company: this many meetings in all (the four above among them), in weekly series of
# its departments, a year back; each series' next meeting is open.
LARGE_MEETINGS = 600
# title, departments (English names), weekday, start hour
LARGE_SERIES = [
    ("销售周会 Sales weekly", ["Sales", "Marketing"], 0, 9), ("研发周会 R&D weekly", ["R&D"], 0, 14),
    ("生产例会 Production weekly", ["Production", "Quality"], 1, 8),
    ("供应链周会 Supply chain weekly", ["Procurement", "Logistics", "Production"], 1, 15),
    ("财务周会 Finance weekly", ["Finance"], 2, 10),
    ("客户之声 Voice of the customer", ["Customer Service", "Sales"], 2, 16),
    ("人事行政周会 People & admin weekly", ["Human Resources", "Administration"], 3, 10),
    ("质量评审会 Quality review", ["Quality", "R&D", "Production"], 3, 14),
    ("市场周会 Marketing weekly", ["Marketing"], 4, 9),
    ("法务合规周会 Legal & compliance", ["Legal", "Finance"], 4, 11),
    ("管理层周会 Management weekly", [], 4, 16),
]
DECISIONS = ["下季度目标维持不变，重点放在回款。", "新流程下周一起执行，由部门负责人监督。",
             "预算追加 5 万元，用于客户活动。",
             "Pilot extended by two weeks; review again at the next meeting.", "供应商 B 列入备选名单。",
             "招聘计划延后一个月。", "The release goes out on Thursday after the last test run."]
ACTIONS = ["整理客户反馈并汇总", "更新项目进度表", "联系供应商确认交期", "准备下周汇报材料", "核对本月费用",
           "Draft the rollout plan", "安排现场检查", "跟进未结投诉"]
TOPICS = [("本周重点", "- 进度基本按计划\n- 两项风险需要协调"), ("问题与风险", "- 交期紧张，需要加班\n- 测试资源不足"),
          ("Next steps", "- Confirm the budget\n- Share the plan with the team")]


def large_series_count(scale):
    return min(len(LARGE_SERIES), scaled(len(LARGE_SERIES), scale))


def _seed_large(now, scale):
    """A year of weekly meetings per series, closed with minutes, written as the behaviours would."""
    if MeetingSeries.select().where(MeetingSeries.title == LARGE_SERIES[0][0]).exists():
        return
    chosen = LARGE_SERIES[:large_series_count(scale)]
    total = scaled(LARGE_MEETINGS, scale, least=2 * len(chosen) + 4) - 4
    meetings = _LargeMeetings(now)
    with db.atomic():
        made = [meetings.series(spec, total // len(chosen) + (n < total % len(chosen)))
                for n, spec in enumerate(chosen)]
        meetings.write()
        for series_id, starts_at in made:
            Meeting.schedule(MeetingSeries.get_by_id(series_id), starts_at, now)


class _LargeMeetings:
    def __init__(self, now):
        self.now, self.random = now, random.Random(LARGE_MEETINGS)
        self.departments = {d.name_en: d for d in Department.select()}
        self.members = collections.defaultdict(list)
        for user in User.select().where(User.active).order_by(User.id):
            self.members[user.department_id].append(user)
        self.coordinator = User.by_email("coordinator@example.com")
        self.heads = [user for team in self.members.values() for user in team
                      if any(d.head_id == user.id for d in self.departments.values())]
        self.series_rows = Rows(MeetingSeries, "title", "coordinator", "weekday", "start_time", "duration_minutes",
                                "timezone", "location", "video_link", "reminder_minutes", "recurring", "active",
                                "created_at")
        self.series_departments = Rows(SeriesDepartment, "series", "department")
        self.series_people = Rows(SeriesPerson, "series", "user")
        self.meetings = Rows(Meeting, "series", "starts_at", "ends_at", "state", "sequence", "agenda_built_at",
                             "reminded_at", "closed_at", "closed_by")
        self.agenda = Rows(AgendaItem, "meeting", "section", "position", "title", "link", "ref", "status", "notes",
                           "version", "updated_by", "updated_at")
        self.decisions = Rows(Decision, "meeting", "text", "version", "created_by", "created_at", "updated_by",
                              "updated_at")
        self.attendance = Rows(Attendance, "meeting", "user", "status")
        self.actions = Rows(ActionItem, "meeting", "what", "owner", "due_on", "status", "created_by", "created_at",
                            "settled_at")
        self.versions = Rows(MinutesVersion, "meeting", "number", "created_by", "created_at", "reason", "snapshot")
        self.audit = Rows(AuditEntry, "at", "actor_id", "actor_name", "action", "object_type", "object_id",
                          "summary", "changes")

    def write(self):
        flush(self.series_rows, self.series_departments, self.series_people, self.meetings, self.agenda,
              self.decisions, self.attendance, self.actions, self.versions, self.audit)

    def record(self, at, actor, action, object_type, object_id, changes, summary=""):
        self.audit.add(at, actor.id, actor.name, action, object_type, object_id, summary,
                       json.dumps(changes, ensure_ascii=False))

    def series(self, spec, count):
        """Write a series with count - 1 closed meetings; return (its id, when its next one starts)."""
        title, names, weekday, hour = spec
        teams = [self.departments[name] for name in names if name in self.departments]
        named = [] if teams else self.heads
        people = {u.id: u for team in teams for u in self.members[team.id]}
        people.update({u.id: u for u in named})
        head = teams[0].head_id if teams else None
        coordinator = next((u for u in people.values() if u.id == head), self.coordinator)
        people[coordinator.id] = coordinator
        participants = sorted(people.values(), key=lambda u: u.name)
        start_time = datetime.time(hour)
        local_today = self.now.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(ZONE)).date()
        next_day = local_today + datetime.timedelta(days=(weekday - local_today.weekday()) % 7 or 7)
        first = next_day - datetime.timedelta(weeks=count - 1)
        created = to_utc(first, start_time, ZONE) - datetime.timedelta(days=7)
        series_id = self.series_rows.add(title, coordinator.id, weekday, start_time, 60, ZONE, "会议室 %d" % weekday,
                                         "", 60, True, True, created)
        for team in teams:
            self.series_departments.add(series_id, team.id)
        for user in named:
            self.series_people.add(series_id, user.id)
        self.record(created, coordinator, "meeting_series.create", "MeetingSeries", series_id, {
            "title": [None, title], "starts_at": [None, to_utc(first, start_time, ZONE).isoformat()],
            "participants": [None, ", ".join(sorted([t.name for t in teams] + [u.name for u in named]))]})
        previous = []
        for week in range(count - 1):
            day = first + datetime.timedelta(weeks=week)
            previous = self.meeting(series_id, coordinator, participants, to_utc(day, start_time, ZONE), previous)
        return series_id, to_utc(next_day, start_time, ZONE)

    def meeting(self, series_id, coordinator, participants, starts_at, previous):
        """A closed meeting whose agenda carried the previous one's action items; return its own."""
        pick = self.random
        ends_at = starts_at + datetime.timedelta(hours=1)
        closed_at = ends_at + datetime.timedelta(minutes=30)
        meeting_id = self.meetings.add(series_id, starts_at, ends_at, "closed", 0,
                                       starts_at - datetime.timedelta(days=1), starts_at - datetime.timedelta(hours=1),
                                       closed_at, coordinator.id)
        agenda = []
        for position, (item_id, what, owner, status, due, settled, earlier) in enumerate(previous, 1):
            # How the item stood when this meeting's agenda was built, as the live source reports it.
            if settled is None or settled > starts_at:
                status = "overdue" if due < starts_at.date() else "open"
            title = "%s — %s" % (what, owner.name)
            self.agenda.add(meeting_id, "actions", position, title, "/meetings/%d#action-%d" % (earlier, item_id),
                            "action:%d" % item_id, status, "", 0, None, None)
            agenda.append(("actions", title, ""))
        topic, notes = pick.choice(TOPICS)
        topic_id = self.agenda.add(meeting_id, "other", 1, topic, "", None, "", notes, 1, coordinator.id,
                                   starts_at + datetime.timedelta(minutes=20))
        agenda.append(("other", topic, notes))
        self.record(starts_at - datetime.timedelta(days=1), coordinator, "agenda.add", "AgendaItem", topic_id,
                    {"title": [None, topic]})
        self.record(starts_at + datetime.timedelta(minutes=20), coordinator, "agenda.notes", "AgendaItem", topic_id,
                    {"notes": ["", notes]})
        decided = pick.sample(DECISIONS, pick.randint(1, 3))
        for text in decided:
            decision_id = self.decisions.add(meeting_id, text, 1, coordinator.id, starts_at, coordinator.id,
                                             starts_at)
            self.record(starts_at + datetime.timedelta(minutes=40), coordinator, "decision.create", "Decision",
                        decision_id, {"text": [None, text]})
        actions = self._actions(meeting_id, coordinator, participants, starts_at)
        statuses = {u.id: pick.choices(["present", "excused", "absent"], [85, 10, 5])[0] for u in participants}
        for user in participants:
            self.attendance.add(meeting_id, user.id, statuses[user.id])
        self.record(ends_at, coordinator, "meeting.attendance", "Meeting", meeting_id,
                    {user.name: [None, statuses[user.id]] for user in participants})
        content = {
            "agenda": [{"section": section, "items": [{"title": t, "notes": n} for s, t, n in agenda if s == section]}
                       for section in ("actions", "other") if any(s == section for s, _, _ in agenda)],
            "decisions": decided,
            "attendance": sorted([user.name, statuses[user.id]] for user in participants),
            "action_items": [{"what": what, "owner": owner.name, "due_on": due.isoformat()}
                             for _, what, owner, _, due, _ in sorted(actions, key=lambda a: (a[4], a[0]))],
        }
        self.versions.add(meeting_id, 1, coordinator.id, closed_at, "", json.dumps(content, ensure_ascii=False))
        self.record(closed_at, coordinator, "meeting.close", "Meeting", meeting_id, {"state": ["open", "closed"]})
        return [(*action, meeting_id) for action in actions]

    def _actions(self, meeting_id, coordinator, participants, starts_at):
        pick = self.random
        old = self.now - starts_at > datetime.timedelta(weeks=3)
        made = []
        for what in pick.sample(ACTIONS, pick.randint(1, 4)):
            owner = pick.choice(participants)
            due = (starts_at + datetime.timedelta(days=pick.randint(3, 14))).date()
            status = pick.choices(["done", "cancelled", "open"], [80, 10, 10] if old else [40, 0, 60])[0]
            settled = None if status == "open" else min(datetime.datetime.combine(due, datetime.time(9)), self.now)
            item_id = self.actions.add(meeting_id, what, owner.id, due, status, coordinator.id,
                                       starts_at + datetime.timedelta(minutes=50), settled)
            self.record(starts_at + datetime.timedelta(minutes=50), coordinator, "action_item.create", "ActionItem",
                        item_id, {"what": [None, what], "owner": [None, owner.name], "due_on": [None, due.isoformat()]})
            if settled:
                self.record(settled, owner, "action_item.settle", "ActionItem", item_id,
                            {"status": ["open", status], "settled_at": [None, settled.isoformat()]})
            made.append((item_id, what, owner, status, due, settled))
        return made
