"""The updates feed over HTTP: posting with photos with and without htmx, bad uploads, paging, serving photos."""
import io

import pytest
from PIL import Image

from portal.audit import AuditEntry
from portal.db import Invalid
from portal.projects import photos
from portal.projects.feed import Mention, Photo, ProjectUpdate
from portal.storage import storage
from tests.projects.conftest import crafted_png, image_bytes, upload


def files(*items):
    return [(io.BytesIO(data), name) for data, name in items]


def stored_files():
    return sorted(storage().keys())


def test_posting_with_htmx_returns_a_fresh_form_and_the_new_update_to_prepend(client, company, make_project):
    project = make_project()
    client.login(company.rnd_member)
    response = client.post("/projects/%d/updates" % project.id, headers={"HX-Request": "true"},
                           data={"body": "Prototype **passed** the drop test, @Li Na", "photos": files(
                               (image_bytes(size=(3000, 2000)), "IMG_0001.JPG"), (image_bytes("PNG"), "b.png"))})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.startswith('<form id="update-form"') and "<html" not in body
    assert 'hx-swap-oob="afterbegin:#update-list"' in body
    assert "<strong>passed</strong>" in body and body.count('src="/photos/') == 2
    assert "Mentioned: Li Na" in body
    assert "Prototype" not in body[:body.index("</form>")], "the form is empty again"
    assert "Update posted." in response.headers["HX-Trigger"]
    update = ProjectUpdate.get()
    assert [m.user for m in Mention.select()] == [company.sales_head]
    assert [(p.width, p.height) for p in update.photos.order_by(Photo.id)] == [(2048, 1365), (64, 48)]
    assert len(stored_files()) == 4


def test_posting_without_htmx_redirects_to_the_feed(client, company, make_project):
    project = make_project()
    client.login(company.sales_member)
    response = client.post("/projects/%d/updates" % project.id, data={"body": "Visited the Suzhou customer"})
    assert response.status_code == 303 and response.headers["Location"] == "/projects/%d#updates" % project.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Update posted." in page and "Visited the Suzhou customer" in page


BAD_UPLOADS = {
    "pdf": ((b"%PDF-1.4\n%%EOF\n", "quote.jpg"), "“quote.jpg” is not an image we can read."),
    "truncated": ((image_bytes(size=(400, 300))[:700], "cut.jpg"), "“cut.jpg” is not an image we can read."),
    "huge": ((b"\xff\xd8\xff" + bytes(20 * 1024 * 1024), "big.jpg"), "“big.jpg” is larger than 10 MB."),
    "svg": ((b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
             "x.svg"), "“x.svg” is not an image we can read."),
    "bomb": ((crafted_png(30000, 30000), "bomb.png"), "“bomb.png” has too many pixels"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
@pytest.mark.parametrize("htmx", [True, False])
def test_a_bad_photo_is_explained_and_the_text_of_the_update_is_kept(client, company, make_project, case, htmx):
    project = make_project()
    upload, message = BAD_UPLOADS[case]
    client.login(company.rnd_member)
    response = client.post("/projects/%d/updates" % project.id, headers={"HX-Request": "true"} if htmx else {},
                           data={"body": "Line 2 is back up after the repair",
                                 "photos": files((image_bytes(), "good.jpg"), upload)})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body and "Line 2 is back up after the repair</textarea>" in body
    assert body.startswith('<form id="update-form"') is htmx
    assert ProjectUpdate.select().count() == 0 and Photo.select().count() == 0 and stored_files() == []


def test_more_than_six_photos_are_refused_before_any_is_decoded(client, company, make_project):
    project = make_project()
    client.login(company.rnd_member)
    response = client.post("/projects/%d/updates" % project.id, data={
        "body": "Many", "photos": files(*[(image_bytes(), "%d.jpg" % n) for n in range(7)])})
    assert "Add at most 6 photos to one update." in response.get_data(as_text=True)
    assert ProjectUpdate.select().count() == 0


def test_an_empty_update_asks_for_text_or_a_photo(client, company, make_project):
    project = make_project()
    client.login(company.rnd_member)
    response = client.post("/projects/%d/updates" % project.id, data={"body": "  "},
                           headers={"HX-Request": "true"})
    assert "Write something or add a photo." in response.get_data(as_text=True)


def test_markdown_in_updates_is_sanitized(client, company, make_project):
    project = make_project()
    ProjectUpdate.post(company.rnd_member, project, "<script>alert(1)</script> [click](javascript:alert(2)) "
                                                    "[ok](https://example.com) <img src=x onerror=alert(3)>")
    client.login(company.outsider)
    page = client.get("/projects/%d" % project.id).get_data(as_text=True)
    assert "<script>alert(1)" not in page and 'href="javascript' not in page and "<img src=x" not in page
    assert '<a href="https://example.com" rel="noopener noreferrer">ok</a>' in page


def test_older_updates_load_as_a_fragment_for_htmx_and_as_a_page_without(client, company, make_project):
    project = make_project()
    for n in range(23):
        ProjectUpdate.post(company.rnd_member, project, "update number %d" % n)
    client.login(company.outsider)
    page = client.get("/projects/%d" % project.id).get_data(as_text=True)
    assert "update number 22" in page and "update number 12" not in page
    older = page[page.index('<a class="more"'):].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    fragment = client.get(older, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<div class="update-page">') and "<html" not in fragment
    assert "update number 12" in fragment and "update number 3" in fragment and "update number 2<" not in fragment
    assert 'hx-trigger="revealed, click"' in fragment, "and a trigger for the page after"
    full = client.get(older).get_data(as_text=True)
    assert "<html" in full and "update number 12" in full
    last = client.get("/projects/%d/updates?before=%d" % (project.id, ProjectUpdate.select().order_by(
        ProjectUpdate.id).first().id + 3), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "update number 0" in last and 'class="more"' not in last


def test_a_photo_is_served_only_as_an_inline_image_with_a_strict_policy(client, company, make_project):
    project = make_project(visibility="participants")
    ProjectUpdate.post(company.rnd_member, project, "", [photos.prepare(upload(image_bytes(size=(1200, 900))))])
    photo = Photo.get()
    client.login(company.sales_member)
    for url, size in (("/photos/%d" % photo.id, (1200, 900)), ("/photos/%d/thumb" % photo.id, (640, 480))):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["Content-Disposition"] == "inline; filename=photo-%d.jpg" % photo.id
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; sandbox"
        assert response.headers["Cache-Control"] == "private, max-age=86400"
        assert Image.open(io.BytesIO(response.data)).size == size
    response.close()


def test_a_photo_whose_file_is_gone_is_404_not_500(client, company, make_project):
    project = make_project()
    ProjectUpdate.post(company.rnd_member, project, "", [photos.prepare(upload(image_bytes(size=(1200, 900))))])
    for key in stored_files():
        storage().delete(key)
    client.login(company.rnd_member)
    assert client.get("/photos/%d" % Photo.get().id).status_code == 404


def test_a_feed_of_exactly_one_page_offers_nothing_older(client, company, make_project):
    project = make_project()
    for n in range(10):
        ProjectUpdate.post(company.rnd_member, project, "update number %d" % n)
    client.login(company.rnd_member)
    page = client.get("/projects/%d" % project.id).get_data(as_text=True)
    assert page.count('class="update"') == 10 and 'class="more"' not in page


# -- taking an update back ----------------------------------------------------------------------

def _photo_update(project, author, text="Wrong photo, sorry"):
    return ProjectUpdate.post(author, project, "%s @Li Na" % text, [photos.prepare(upload(image_bytes()))])


def test_the_author_deletes_an_update_with_its_photos_and_the_history_keeps_what_it_said(company, make_project):
    project = make_project()
    update = _photo_update(project, company.rnd_member)
    kept = ProjectUpdate.post(company.sales_member, project, "Still here")
    assert len(stored_files()) == 2 and Mention.select().count() == 1
    update.withdraw(company.rnd_member)
    assert list(ProjectUpdate.select()) == [kept]
    assert Photo.select().count() == 0 and Mention.select().count() == 0
    assert stored_files() == []
    entry = AuditEntry.get(AuditEntry.action == "update.delete")
    assert (entry.actor_id, entry.object_id) == (company.rnd_member.id, update.id)
    assert "Wrong photo, sorry" in entry.summary


def test_an_update_of_an_archived_project_stays(company, make_project):
    project = make_project()
    update = _photo_update(project, company.rnd_member)
    project.archive(company.coordinator)
    with pytest.raises(Invalid):
        ProjectUpdate.get_by_id(update.id).withdraw(company.admin)
    assert ProjectUpdate.select().count() == 1 and len(stored_files()) == 2
    assert not AuditEntry.select().where(AuditEntry.action == "update.delete").exists()


def test_deleting_with_htmx_removes_the_update_and_without_returns_to_the_feed(client, company, make_project):
    project = make_project()
    first, second = (_photo_update(project, company.rnd_member, text) for text in ("First", "Second"))
    client.login(company.rnd_member)
    page = client.get("/projects/%d" % project.id).get_data(as_text=True)
    assert page.count('action="/updates/') == 2, "the author is offered to delete each of their updates"
    response = client.post("/updates/%d/delete" % first.id, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    assert "Update deleted." in response.headers["HX-Trigger"]
    response = client.post("/updates/%d/delete" % second.id)
    assert response.status_code == 303 and response.headers["Location"] == "/projects/%d#updates" % project.id
    assert "Update deleted." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert ProjectUpdate.select().count() == 0 and stored_files() == []


def test_only_the_author_the_coordinator_and_admins_may_delete_an_update(client, company, make_project):
    project = make_project(visibility="participants")
    update = _photo_update(project, company.rnd_member)
    client.login(company.sales_member)
    page = client.get("/projects/%d" % project.id).get_data(as_text=True)
    assert "Wrong photo, sorry" in page and 'action="/updates/' not in page
    assert client.post("/updates/%d/delete" % update.id).status_code == 403
    client.post("/logout")
    client.login(company.outsider)
    response = client.post("/updates/%d/delete" % update.id)
    assert response.status_code == 404 and "Wrong photo" not in response.get_data(as_text=True)
    assert client.post("/updates/999999/delete").status_code == 404
    assert ProjectUpdate.select().count() == 1
    client.post("/logout")
    client.login(company.coordinator)
    assert client.post("/updates/%d/delete" % update.id).status_code == 303
    assert ProjectUpdate.select().count() == 0
