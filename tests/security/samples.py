"""The security suite's registry of sample objects, and the world they live in.

The authorization matrix walks every route of the app. A route with URL arguments needs an
object to point at: `@sample("project_id")` below registers how to make one (with the
people around it) and which strings identify it, so no page may show them to someone the
permissions module hides the object from. A feature adds its samples here; a route whose
arguments have none fails the matrix with a message naming them.
"""
import dataclasses
import itertools

from portal.accounts.models import Department, User
from portal.mail import OutboxMessage
from tests.conftest import PASSWORD

ROLES = ("anonymous", "outsider", "member", "head", "coordinator", "admin")

# Signed-in routes that act only on the signed-in user, so there is nothing to ask about.
# Every other route must call the permissions module; add one here only with its reason.
SELF_SERVICE = {
    "home.index": "shows the signed-in user their own department",
    "accounts.settings": "changes the signed-in user's own preferences",
    "accounts.change_password": "changes the signed-in user's own password, knowing the current one",
}

_serial = itertools.count(1)


@dataclasses.dataclass
class World:
    """Our department (its head and a member), another department (an outsider in it), and an
    office holding the coordinator and the admin."""

    ours: Department
    theirs: Department
    office: Department
    people: dict

    def user(self, role):
        return self.people.get(role)

    def unique(self, label):
        """A string found nowhere else in the portal, to recognise an object in a page."""
        return "%s %d" % (label, next(_serial))

    def person(self, department, role="member", name=None):
        n = next(_serial)
        return User.invite(None, "person%d@example.com" % n, name or "Person %d" % n, department, role,
                           password=PASSWORD)


@dataclasses.dataclass
class Sample:
    label: str
    values: dict  # URL argument → value
    objects: list  # what the URL names; each is checked with can(user, "view", obj)
    secrets: tuple = ()  # strings identifying the objects, never shown to who may not see them


def make_world():
    ours, theirs, office = (Department.add(None, "%s %d" % (name, next(_serial)))
                            for name in ("Ours", "Theirs", "Office"))
    world = World(ours, theirs, office, {})
    people = world.people
    people["member"] = world.person(ours, name="Mia Member")
    people["head"] = world.person(ours, name="Hu Head")
    ours.update_details(None, ours.name, "", people["head"])
    people["outsider"] = world.person(theirs, name="Otto Outsider")
    people["coordinator"] = world.person(office, "coordinator", name="Cora Coordinator")
    people["admin"] = world.person(office, "admin", name="Ada Admin")
    return world


SAMPLES = {}


def sample(*arguments):
    """Register a factory `(world) → Sample` for a route whose URL has these arguments."""
    def register(factory):
        SAMPLES.setdefault(frozenset(arguments), []).append(factory)
        return factory
    return register


def samples_for(arguments):
    """The factories for the smallest registered argument set covering `arguments`."""
    arguments = frozenset(arguments)
    if not arguments:
        return [None]
    covering = [key for key in SAMPLES if key >= arguments]
    if not covering:
        return []
    smallest = min(len(key) for key in covering)
    return [factory for key in covering if len(key) == smallest for factory in SAMPLES[key]]


# -- samples of the foundation's objects ----------------------------------------------------

@sample("user_id")
def _colleague(world):
    user = world.person(world.ours, name=world.unique("Sam Subject"))
    return Sample("a colleague", {"user_id": user.id}, [user], (user.name,))


@sample("department_id")
def _own_department(world):
    return Sample("our department", {"department_id": world.ours.id}, [world.ours], ())


@sample("department_id")
def _other_department(world):
    return Sample("another department", {"department_id": world.theirs.id}, [world.theirs], ())


def _failed_mail(world, recipient):
    subject = world.unique("Private subject")
    message = OutboxMessage.create(
        template="set_password", recipient_id=recipient.id, to_address=recipient.email, language="en",
        subject=subject, body_text=subject, body_html="<p>%s</p>" % subject, state="failed",
        last_error=world.unique("SMTP refusal"))
    return Sample("mail to the %s" % recipient.name, {"message_id": message.id}, [message],
                  (subject, message.last_error))


@sample("message_id")
def _mail_to_the_member(world):
    return _failed_mail(world, world.user("member"))


@sample("message_id")
def _mail_to_the_admin(world):
    return _failed_mail(world, world.user("admin"))


@sample("token")
def _set_password_link(world):
    user = world.person(world.ours)
    return Sample("a set-password link", {"token": user.password_token()}, [user], ())
