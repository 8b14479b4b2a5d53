"""Files over HTTP and in the service: kept only when they are what they say, downloaded only
through the permission check as attachments, versioned, deleted softly, restored, purged, found."""
import datetime
import io
import re
from urllib.parse import quote

import pytest
import time_machine

from portal import search
from portal.audit import AuditEntry
from portal.db import Invalid
from portal.files import intake
from portal.files.models import File, FileSettings, FileVersion, purge_deleted_files
from portal.finder import visibility
from portal.jobs import huey
from portal.storage import storage
from tests.files.conftest import docx_bytes, jpeg_bytes, pdf_bytes, xlsx_bytes, zip_bomb_named_xlsx


def upload(client, place, place_id, name, data, htmx=False):
    return client.post("/files/on/%s/%d" % (place, place_id), data={"upload": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers={"HX-Request": "true"} if htmx else {},
                       follow_redirects=htmx)


def signed_in(app, user):
    client = app.test_client()
    client.login(user)
    return client


def test_a_contract_attached_to_a_task_downloads_under_its_chinese_name_as_an_attachment(app, company):
    client = signed_in(app, company.seller)
    response = upload(client, "task", company.task.id, "框架合同 v1.pdf", pdf_bytes(), htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="files-task-%d"' % company.task.id) and "框架合同 v1.pdf" in body
    kept = File.get()
    download = client.get("/files/%d/download" % kept.id)
    assert download.status_code == 200 and download.data == pdf_bytes()
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%s" % quote("框架合同 v1.pdf") in disposition
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    stored = FileVersion.get()
    assert "框架" not in stored.key and list(storage().keys()) == [stored.key]


def test_who_may_not_see_the_task_cannot_see_or_download_its_files(app, company):
    kept = File.upload(company.seller, company.task, _upload("报价.pdf", pdf_bytes()))
    outsider = signed_in(app, company.outsider)
    for path in ("/files/%d" % kept.id, "/files/%d/download" % kept.id,
                 "/files/versions/%d/download" % kept.latest().id, "/files/on/task/%d" % company.task.id):
        assert outsider.get(path).status_code == 404, path
    assert upload(outsider, "task", company.task.id, "x.pdf", pdf_bytes()).status_code == 404


def test_uploads_that_are_not_what_they_say_are_refused_with_a_reason_and_nothing_is_kept(app, company):
    client = signed_in(app, company.seller)
    cases = [("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "not a kind of file the portal keeps"),
             ("<script>.pdf", b"<script>alert(1)</script>", "does not hold what its name says (PDF)"),
             ("report.xlsx", zip_bomb_named_xlsx(), "does not hold what its name says (Excel)"),
             ("page.html", b"<html><script>alert(1)</script></html>", "not a kind of file"),
             ("drawing.svg", b"<svg onload='alert(1)'/>", "not a kind of file"),
             ("photo.jpg", pdf_bytes(), "does not hold what its name says (Image)"),
             ("empty.txt", b"", "empty")]
    for name, data, reason in cases:
        for htmx in (False, True):
            response = upload(client, "task", company.task.id, name, data, htmx=htmx)
            assert response.status_code == 200, name
            body = response.get_data(as_text=True)
            assert reason in body, (name, body[-2000:])
            assert "<script>alert" not in body
    assert File.select().count() == 0 and FileVersion.select().count() == 0
    assert not list(storage().keys())


def test_a_pdf_named_like_a_script_is_kept_and_its_name_is_only_ever_shown_escaped(app, company):
    client = signed_in(app, company.seller)
    body = upload(client, "task", company.task.id, "<script>.pdf", pdf_bytes(), htmx=True).get_data(as_text=True)
    assert "&lt;script&gt;.pdf" in body and "<script>.pdf" not in body
    download = client.get("/files/%d/download" % File.get().id)
    assert download.headers["Content-Type"] == "application/pdf" and "attachment" in download.headers[
        "Content-Disposition"]


def test_a_file_over_the_admins_limit_is_refused_with_the_limit_named(app, company):
    FileSettings.change(company.admin, 1)
    client = signed_in(app, company.seller)
    body = upload(client, "task", company.task.id, "big.txt", b"a" * (2 * 1024 * 1024)).get_data(as_text=True)
    assert "larger than 1 MB" in body
    assert File.select().count() == 0 and not list(storage().keys())


def test_a_request_larger_than_the_portal_accepts_gets_a_plain_translated_page(app, company):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    client = signed_in(app, company.seller)
    response = upload(client, "task", company.task.id, "huge.pdf", b"%PDF-" + b"0" * (3 * 1024 * 1024))
    assert response.status_code == 413 and "larger than the portal accepts" in response.get_data(as_text=True)


def test_a_new_version_keeps_the_old_ones_and_the_latest_is_what_downloads(app, company):
    client = signed_in(app, company.seller)
    first_draft, second_draft = docx_bytes("第一稿"), docx_bytes("第二稿")
    upload(client, "task", company.task.id, "合同.docx", first_draft)
    kept = File.get()
    response = client.post("/files/%d/versions" % kept.id, data={"upload": (io.BytesIO(second_draft), "合同 v2.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get("/files/%d" % kept.id).get_data(as_text=True)
    assert page.index("合同 v2.docx") < page.index("合同.docx") and "陈晨" in page
    assert client.get("/files/%d/download" % kept.id).data == second_draft
    first = FileVersion.get(FileVersion.number == 1)
    assert client.get("/files/versions/%d/download" % first.id).data == first_draft
    assert [e.action for e in AuditEntry.for_object(File.get())] == ["file.version", "file.upload"]


def test_text_inside_pdf_word_and_excel_files_is_found_only_by_who_may_see_them(app, company):
    for name, data in (("a.pdf", pdf_bytes("Supplier contract X200")),
                       ("b.docx", docx_bytes("框架合同草案：付款分三期")), ("c.xlsx", xlsx_bytes())):
        File.upload(company.seller, company.task, _upload(name, data))
    assert _found(company.seller, "X200") == ["a.pdf"]
    assert _found(company.seller, "付款") == ["b.docx"]
    assert _found(company.seller, "华东经销商") == ["c.xlsx"]
    assert sorted(_found(company.seller, "合同")) == ["b.docx", "c.xlsx", "审核合同"]  # the task's title too
    assert _found(company.outsider, "付款") == [] and _found(company.outsider, "b.docx") == []
    assert _found(company.admin, "付款") == ["b.docx"]


def test_a_deleted_file_is_gone_from_pages_and_search_restorable_by_the_coordinator_then_purged(app, company):
    kept = File.upload(company.seller, company.project, _upload("定价表.xlsx", xlsx_bytes()))
    key = kept.latest().key
    seller, coordinator = signed_in(app, company.seller), signed_in(app, company.coordinator)
    assert seller.post("/files/%d/delete" % kept.id).status_code == 303
    assert 'id="file-%d"' % kept.id not in seller.get("/projects/%d/files" % company.project.id).get_data(as_text=True)
    assert seller.get("/files/%d/download" % kept.id).status_code == 404
    assert _found(company.seller, "定价表") == []
    assert seller.post("/files/%d/restore" % kept.id).status_code == 403  # the uploader is not the coordinator
    page = coordinator.get("/projects/%d/files" % company.project.id).get_data(as_text=True)
    assert "Deleted files you can restore" in page and "定价表" in page
    assert coordinator.post("/files/%d/restore" % kept.id).status_code == 303
    assert _found(company.seller, "定价表") == ["定价表.xlsx"]
    deleted_at = datetime.datetime(2026, 3, 21, 9)
    with time_machine.travel(deleted_at, tick=False):
        File.get_by_id(kept.id).delete_softly(company.coordinator)
    with time_machine.travel(deleted_at + datetime.timedelta(days=29), tick=False):
        purge_deleted_files.call_local()
        assert File.get_or_none(File.id == kept.id) is not None  # still restorable
    with time_machine.travel(deleted_at + datetime.timedelta(days=31), tick=False):
        with pytest.raises(Invalid, match="can no longer be restored"):
            File.get_by_id(kept.id).restore(company.coordinator)
        purge_deleted_files.call_local()
    assert File.get_or_none(File.id == kept.id) is None
    assert key not in storage().keys()
    assert [e.action for e in AuditEntry.select().where(AuditEntry.object_type == "File").order_by(AuditEntry.id)] \
        == ["file.upload", "file.delete", "file.restore", "file.delete", "file.purge"]


def test_the_purge_is_on_the_worker_schedule(app):
    assert "purge_deleted_files" in {task.name for task in huey._registry.periodic_tasks}


def test_an_image_is_shown_inline_only_as_a_re_encoded_copy(app, company):
    client = signed_in(app, company.seller)
    upload(client, "task", company.task.id, "现场.jpg", jpeg_bytes())
    kept = File.get()
    preview = client.get("/files/%d/preview" % kept.id)
    assert preview.status_code == 200 and preview.headers["Content-Type"] == "image/jpeg"
    assert preview.data != jpeg_bytes() and preview.data.startswith(b"\xff\xd8")
    assert "attachment" in client.get("/files/%d/download" % kept.id).headers["Content-Disposition"]


def test_in_an_s3_bucket_files_are_examined_served_through_the_permission_check_and_purged(app, company, s3_server,
                                                                                          tmp_path):
    app.config["STORAGE_URL"] = s3_server.bucket(prefix="duiqi")
    client = signed_in(app, company.seller)
    assert upload(client, "task", company.task.id, "现场.jpg", jpeg_bytes()).status_code == 303
    document = docx_bytes("付款分三期")  # made once: a zip records the time it was made
    assert upload(client, "task", company.task.id, "合同.docx", document).status_code == 303
    refused = upload(client, "task", company.task.id, "photo.jpg", pdf_bytes())
    assert "does not hold what its name says" in refused.get_data(as_text=True)
    photo, contract = File.get(File.name == "现场.jpg"), File.get(File.name == "合同.docx")
    assert sorted(storage().keys()) == sorted([photo.latest().key, photo.latest().preview_key, contract.latest().key])
    assert not (tmp_path / "instance" / "files").exists()  # nothing on this server's disk
    assert client.get("/files/%d/download" % contract.id).data == document
    assert client.get("/files/%d/preview" % photo.id).data.startswith(b"\xff\xd8")
    assert _found(company.seller, "付款") == ["合同.docx"]  # its text read from the bucket
    outsider = signed_in(app, company.outsider)
    for path in ("/files/%d/download" % contract.id, "/files/%d/preview" % photo.id,
                 "/files/versions/%d/download" % photo.latest().id):
        assert outsider.get(path).status_code == 404, path
    deleted_at = datetime.datetime(2026, 3, 21, 9)
    with time_machine.travel(deleted_at, tick=False):
        contract.delete_softly(company.seller)
    with time_machine.travel(deleted_at + datetime.timedelta(days=31), tick=False):
        purge_deleted_files.call_local()
    assert sorted(storage().keys()) == sorted([photo.latest().key, photo.latest().preview_key])


def test_admins_see_the_storage_each_project_uses_and_others_do_not(app, company):
    File.upload(company.seller, company.task, _upload("a.pdf", pdf_bytes()))
    File.upload(company.seller, company.project, _upload("b.pdf", pdf_bytes()))
    page = signed_in(app, company.admin).get("/admin/files/").get_data(as_text=True)
    assert re.search(r"2027 定价</a></td>\s*<td>2</td>", page)
    assert signed_in(app, company.seller).get("/admin/files/").status_code == 403


def _found(user, q):
    return [re.sub("</?mark>", "", str(hit.title)) for hit in search.query(q, visibility(user)).hits]


class _upload:
    """What the browser sends, as werkzeug hands it to a view."""

    def __init__(self, filename, data):
        self.filename, self.stream = filename, io.BytesIO(data)


def test_a_long_chinese_text_is_text_wherever_the_probe_cuts_a_character(app):
    data = "采购合同：第一期付款 30%".encode() * 5000  # the 64 KiB probe ends inside a character
    assert intake.examine("纪要.txt", lambda: io.BytesIO(data)).kind == "txt"
