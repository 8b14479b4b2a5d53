"""The pages of every import, one flow for all: upload a spreadsheet, choose which column is which,
see every row that would be created or updated and every problem, then confirm. Each area
describes its import (an Importer) and gets a blueprint for it."""
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from portal import imports, sheets
from portal.db import Invalid
from portal.forms import Form
from portal.render import render


@dataclass(frozen=True)
class Importer:
    """One import, as its area describes it. `place(**url arguments)` finds where the rows go and
    authorizes the reader (404/403 as usual); `planner(place)` is imports.plan's `decide`;
    `apply(by, place, rows, mapping, source)` saves a confirmed plan in one transaction and
    returns (created, updated); `page(place)` names it: {"title", "heading", "back", "back_label"};
    `done(place)` is where to go once it is done."""
    fields: list
    shown: tuple  # the field keys each previewed row shows
    place: object
    planner: object
    apply: object
    page: object
    done: object
    example: list
    sheet_title: object
    hint: object  # how rows are matched, for the upload form


def blueprint(name, url_prefix, importer):
    bp = Blueprint(name, __name__, url_prefix=url_prefix)

    def _page(place, form, **stage):
        return render("imports/import.html", importer=importer, place=place, names=importer.page(place),
                      endpoint=name, args=request.view_args, form=form,
                      labels={spec.key: spec.label for spec in importer.fields}, **stage)

    def _upload_again(place, form, invalid=None):
        if invalid is not None:
            form.show_error(invalid)
        return _page(place, form, stage="upload")

    def _preview(place, token, headers, rows, mapping, source, form=None):
        plan = imports.plan(rows, mapping, importer.fields, importer.planner(place))
        return _page(place, form or Form(), stage="preview", token=token, headers=headers, mapping=mapping,
                     plan=plan, source=source)

    def _staged(form):
        """The staged upload's table, once the form (its CSRF token) checks out."""
        if not form.validate_on_submit():
            raise Invalid(_("This form expired. Upload the file again."))
        return imports.table(request.form.get("token", ""), current_user)

    def _chosen(headers):
        """{field key: column index} as chosen on the preview page (a column once, in range)."""
        mapping = {}
        for spec in importer.fields:
            raw = request.form.get("column-" + spec.key, "")
            if raw.isdigit() and int(raw) < len(headers) and int(raw) not in mapping.values():
                mapping[spec.key] = int(raw)
        return mapping

    @bp.route("")
    def new(**args):
        return _upload_again(importer.place(**args), Form())

    @bp.route("", methods=["POST"])
    def upload(**args):
        place, form = importer.place(**args), Form()
        if not form.validate_on_submit():
            return _upload_again(place, form)
        upload = request.files.get("upload")
        try:
            if upload is None:
                raise Invalid(_("Choose an Excel (.xlsx) or CSV file."), "upload")
            token = imports.stage(current_user, upload)
            headers, rows = imports.table(token, current_user)
        except Invalid as invalid:
            return _upload_again(place, form, invalid)
        return _preview(place, token, headers, rows, imports.recognised(headers, importer.fields), upload.filename)

    @bp.route("/preview", methods=["POST"])
    def preview(**args):
        place, form = importer.place(**args), Form()
        try:
            headers, rows = _staged(form)
        except Invalid as invalid:
            return _upload_again(place, form, invalid)
        return _preview(place, request.form.get("token", ""), headers, rows, _chosen(headers),
                        request.form.get("source", "")[:200])

    @bp.route("/confirm", methods=["POST"])
    def confirm(**args):
        place, form = importer.place(**args), Form()
        token, source = request.form.get("token", ""), request.form.get("source", "")[:200]
        try:
            headers, rows = _staged(form)
        except Invalid as invalid:
            return _upload_again(place, form, invalid)
        mapping = _chosen(headers)
        try:
            created, updated = importer.apply(current_user, place, rows, mapping, source)
        except Invalid as invalid:
            form.show_error(invalid)
            return _preview(place, token, headers, rows, mapping, source, form)
        imports.discard(token, current_user)
        flash(_("Imported: %(created)d created, %(updated)d updated.", created=created, updated=updated), "success")
        return redirect(importer.done(place), 303)

    @bp.route("/template")
    def template(**args):
        importer.place(**args)
        columns = [sheets.Column(str(spec.label), width=24) for spec in importer.fields]
        return sheets.response([sheets.Sheet(str(importer.sheet_title), columns, [importer.example])],
                               "%s-template" % name.replace("_", "-"), sheets.wanted_kind(request.args))

    return bp
