"""Resource requests: types with their fields and flow steps, published flow versions, requests,
their steps, approver seats, trail and allocations."""
from peewee import *


def up(migrator, db):
    class Department(Model):
        class Meta:
            database = db
            table_name = "department"

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class RequestType(Model):
        name = CharField(unique=True, max_length=100)
        name_en = CharField(max_length=100, default="")
        description = TextField(default="")
        provider = ForeignKeyField(Department, on_delete="RESTRICT")
        allocation_step = BooleanField(default=False)
        allocation_hours = IntegerField(null=True)
        creates_tasks = BooleanField(default=False)
        active = BooleanField(default=True)
        version_number = IntegerField(default=0)
        draft_changed = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "request_type"

    class FlowVersion(Model):
        type = ForeignKeyField(RequestType, on_delete="RESTRICT")
        number = IntegerField()
        definition = TextField()
        published_at = DateTimeField()
        published_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            database = db
            table_name = "flow_version"
            indexes = ((("type", "number"), True),)

    class ResourceRequest(Model):
        type = ForeignKeyField(RequestType, on_delete="RESTRICT")
        version = ForeignKeyField(FlowVersion, on_delete="RESTRICT")
        requester = ForeignKeyField(User, on_delete="RESTRICT")
        department = ForeignKeyField(Department, null=True, on_delete="RESTRICT")
        provider = ForeignKeyField(Department, on_delete="RESTRICT")
        title = CharField(max_length=200)
        values = TextField(default="{}")
        amount_cents = BigIntegerField(null=True)
        currency = CharField(max_length=3, default="")
        people_days = DecimalField(null=True, max_digits=12, decimal_places=2)
        state = CharField(index=True, max_length=12)
        round = IntegerField(default=1)
        submitted_at = DateTimeField(index=True)
        finished_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "resource_request"

    class Allocation(Model):
        request = ForeignKeyField(ResourceRequest, unique=True, on_delete="CASCADE")
        recorded_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        recorded_at = DateTimeField()
        commitment = TextField()
        people_days = DecimalField(null=True, max_digits=12, decimal_places=2)
        amount_cents = BigIntegerField(null=True)
        currency = CharField(max_length=3, default="")
        starts_on = DateField(null=True)
        ends_on = DateField(null=True)

        class Meta:
            database = db
            table_name = "allocation"

    class TypeField(Model):
        type = ForeignKeyField(RequestType, on_delete="CASCADE")
        position = IntegerField()
        label = CharField(max_length=100)
        label_en = CharField(max_length=100, default="")
        help = CharField(max_length=300, default="")
        kind = CharField(max_length=20)
        required = BooleanField(default=False)
        min_value = DecimalField(null=True, max_digits=15, decimal_places=2)
        max_value = DecimalField(null=True, max_digits=15, decimal_places=2)
        max_length = IntegerField(null=True)
        choices = TextField(default="")
        currency = CharField(max_length=3, default="")
        measure = CharField(max_length=20, default="")

        class Meta:
            database = db
            table_name = "type_field"

    class FlowStep(Model):
        type = ForeignKeyField(RequestType, on_delete="CASCADE")
        position = IntegerField()
        name = CharField(max_length=100)
        name_en = CharField(max_length=100, default="")
        approvers = TextField(default="[]")
        mode = CharField(max_length=3, default="any")
        condition_field = ForeignKeyField(TypeField, null=True, on_delete="RESTRICT")
        condition_op = CharField(max_length=2, default="")
        condition_value = CharField(max_length=100, default="")
        copied = TextField(default="[]")
        time_limit_hours = IntegerField(null=True)
        on_timeout = CharField(max_length=10, default="remind")

        class Meta:
            database = db
            table_name = "flow_step"

    class RequestStep(Model):
        request = ForeignKeyField(ResourceRequest, on_delete="CASCADE")
        round = IntegerField()
        position = IntegerField()
        kind = CharField(max_length=12, default="approval")
        spec_index = IntegerField(null=True)
        name = CharField(max_length=100)
        name_en = CharField(max_length=100, default="")
        mode = CharField(max_length=3, default="any")
        state = CharField(index=True, max_length=10, default="waiting")
        copied = TextField(default="[]")
        time_limit_hours = IntegerField(null=True)
        on_timeout = CharField(max_length=10, default="remind")
        started_at = DateTimeField(null=True)
        due_at = DateTimeField(null=True)
        next_check_at = DateTimeField(index=True, null=True)
        nudge_at = DateTimeField(index=True, null=True)
        escalated_at = DateTimeField(null=True)
        reminders_sent = IntegerField(default=0)
        finished_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "request_step"
            indexes = ((("request", "round", "position"), True),)

    class RequestEvent(Model):
        request = ForeignKeyField(ResourceRequest, on_delete="CASCADE")
        step = ForeignKeyField(RequestStep, null=True, on_delete="CASCADE")
        at = DateTimeField()
        actor = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        action = CharField(max_length=20)
        comment = TextField(default="")
        waited_seconds = IntegerField(null=True)
        detail = TextField(default="{}")

        class Meta:
            database = db
            table_name = "request_event"

    class StepApprover(Model):
        step = ForeignKeyField(RequestStep, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="RESTRICT")
        state = CharField(max_length=12, default="pending")
        reason = CharField(max_length=12, default="")
        replaces = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        added_at = DateTimeField()
        decided_at = DateTimeField(null=True)
        comment = TextField(default="")

        class Meta:
            database = db
            table_name = "step_approver"
            indexes = ((("step", "user"), True), (("user", "state"), False))

    db.create_tables([RequestType, FlowVersion, ResourceRequest, Allocation, TypeField, FlowStep, RequestStep,
                      RequestEvent, StepApprover])


def down(migrator, db):
    for table in ("step_approver", "request_event", "request_step", "flow_step", "type_field", "allocation",
                  "resource_request", "flow_version", "request_type"):
        migrator.migrate(migrator.drop_table(table))
