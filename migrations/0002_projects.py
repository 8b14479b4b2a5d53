"""Projects with their departments, targets and check-ins, milestones, and the updates feed."""
from peewee import *


def up(migrator, db):
    class Department(Model):
        class Meta:
            database = db
            table_name = 'department'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Project(Model):
        name = CharField(max_length=200)
        goal = TextField(default='')
        coordinator = ForeignKeyField(User, on_delete='RESTRICT')
        start_date = DateField()
        end_date = DateField()
        status = CharField(index=True, max_length=20, default='planned')
        visibility = CharField(max_length=20, default='company')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'project'
    db.create_tables([Project])

    class Target(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        title = CharField(max_length=200)
        unit = CharField(max_length=30, default='')
        baseline = DecimalField(max_digits=15, decimal_places=4)
        target_value = DecimalField(max_digits=15, decimal_places=4)
        direction = CharField(max_length=10, default='raise')
        start_date = DateField()
        due_date = DateField()
        department = ForeignKeyField(Department, on_delete='RESTRICT')
        owner = ForeignKeyField(User, on_delete='RESTRICT')
        weight = IntegerField(default=1)
        created_at = DateTimeField()
        current_value = DecimalField(null=True, max_digits=15, decimal_places=4)
        checked_in_at = DateTimeField(index=True, null=True)
        checked_in_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'target'
    db.create_tables([Target])

    class CheckIn(Model):
        target = ForeignKeyField(Target, on_delete='CASCADE')
        author = ForeignKeyField(User, on_delete='RESTRICT')
        value = DecimalField(max_digits=15, decimal_places=4)
        note = CharField(max_length=500, default='')
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'check_in'
    db.create_tables([CheckIn])

    class ProjectUpdate(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        author = ForeignKeyField(User, on_delete='RESTRICT')
        body = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'project_update'
            indexes = ((('project', 'id'), False),)
    db.create_tables([ProjectUpdate])

    class Mention(Model):
        project_update = ForeignKeyField(ProjectUpdate, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'mention'
            indexes = ((('project_update', 'user'), True),)
    db.create_tables([Mention])

    class Milestone(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        title = CharField(max_length=200)
        due_date = DateField()
        closed_at = DateTimeField(null=True)
        closed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        review_note = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'milestone'
    db.create_tables([Milestone])

    class Photo(Model):
        project_update = ForeignKeyField(ProjectUpdate, on_delete='CASCADE')
        token = CharField(unique=True, max_length=40)
        extension = CharField(max_length=5)
        content_type = CharField(max_length=20)
        width = IntegerField()
        height = IntegerField()
        thumb_width = IntegerField()
        thumb_height = IntegerField()
        byte_size = IntegerField()
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'photo'
    db.create_tables([Photo])

    class ProjectDepartment(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        department = ForeignKeyField(Department, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'project_department'
            indexes = ((('project', 'department'), True),)
    db.create_tables([ProjectDepartment])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('project_department'))
    migrator.migrate(migrator.drop_table('photo'))
    migrator.migrate(migrator.drop_table('milestone'))
    migrator.migrate(migrator.drop_table('mention'))
    migrator.migrate(migrator.drop_table('project_update'))
    migrator.migrate(migrator.drop_table('check_in'))
    migrator.migrate(migrator.drop_table('target'))
    migrator.migrate(migrator.drop_table('project'))
