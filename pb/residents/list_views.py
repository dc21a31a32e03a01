"""Staff pages for resident lists (administrators only): the lists, uploading one, replacing its
file and deleting it. Every /staff URL is staff-only (deny_by_default in pb.web); these also
refuse staff who are not administrators.

An upload may be up to 20 MB, far above the site's request limit, so the upload views read
the request themselves: within their own limit, checking the CSRF token once the request is
known to fit, and answering a file that is too large with the page and a message that says
what to do, not a bare error page.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from pb.domain.errors import DomainError, NotAllowed, NotFound
from pb.domain.resident_list import MAX_BYTES, MAX_ROWS, too_large_message
from pb.extensions import csrf
from pb.residents.list_forms import ConfirmForm, ReplaceListForm, UploadListForm
from pb.services import resident_lists

bp = Blueprint("resident_lists", __name__, url_prefix="/staff/resident-lists")

# The whole upload request: the file, the form's other fields and the multipart framing.
MAX_REQUEST_BYTES = MAX_BYTES + 64 * 1024
# A request over the limit is still read (and thrown away) up to this size, so a browser
# that is still sending it gets the page saying so rather than a connection reset.
DISCARD_UP_TO = 100 * 1024 * 1024
# Sent by pb/static/resident_list_upload.js, which shows the upload's progress: a successful
# upload then answers with where to go next (as JSON), so the message flashed for it is
# shown on that page rather than used up by the script's request.
PROGRESS_HEADER = "X-PB-Upload"


@bp.before_request
def administrators_only():
    if not current_user.is_admin:
        abort(403)


def _actor():
    return current_user._get_current_object()


@bp.route("/")
def index():
    return _index_page(UploadListForm(formdata=None))


def _index_page(form, problems=(), status=200):
    return render_template("resident_lists/index.html", lists=resident_lists.all_lists(), form=form,
                           problems=list(problems), **_limits()), status


def _limits() -> dict:
    return {"max_bytes": MAX_BYTES, "max_rows": MAX_ROWS, "too_large": too_large_message(None)}


@bp.route("/upload", methods=["POST"])
@csrf.exempt  # checked in _receive_upload, once the request is known to fit within the upload's limit
def upload():
    too_large = _receive_upload()
    if too_large:
        form = UploadListForm(formdata=None)
        _show_errors(form, {"file": too_large})
        return _index_page(form, status=413)
    form = UploadListForm()
    try:
        change = resident_lists.upload_list(_actor(), form.name.data, form.source.data, _file_bytes(form.file))
    except NotAllowed:
        abort(403)
    except DomainError as exc:
        _show_errors(form, exc.errors or {"file": exc.message})
        return _index_page(form, getattr(exc, "problems", ()), status=400)
    imported = ngettext("Imported %(count)s row into the list “%(name)s”.", "Imported %(count)s rows into the list “%(name)s”.",
                        change.rows, count=format(change.rows, ","), name=change.name)
    flash(f"{imported} {_matched(change.matched)}", "success")
    return _done(url_for("resident_lists.detail", list_id=change.list_id))


def _summary_or_404(list_id: int):
    try:
        return resident_lists.get_list(list_id)
    except NotFound:
        abort(404)


@bp.route("/<int:list_id>")
def detail(list_id: int):
    return _detail_page(_summary_or_404(list_id), ReplaceListForm(formdata=None))


def _detail_page(summary, form, problems=(), status=200):
    return render_template("resident_lists/detail.html", summary=summary, lst=summary.list, form=form,
                           problems=list(problems), **_limits()), status


@bp.route("/<int:list_id>/replace", methods=["POST"])
@csrf.exempt  # checked in _receive_upload, once the request is known to fit within the upload's limit
def replace(list_id: int):
    summary = _summary_or_404(list_id)
    too_large = _receive_upload()
    if too_large:
        form = ReplaceListForm(formdata=None)
        _show_errors(form, {"file": too_large})
        return _detail_page(summary, form, status=413)
    form = ReplaceListForm()
    try:
        change = resident_lists.replace_list(_actor(), list_id, _file_bytes(form.file))
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    except DomainError as exc:
        _show_errors(form, exc.errors or {"file": exc.message})
        return _detail_page(summary, form, getattr(exc, "problems", ()), status=400)
    replaced = ngettext("Replaced the file of “%(name)s”: it now holds %(count)s row.",
                        "Replaced the file of “%(name)s”: it now holds %(count)s rows.",
                        change.rows, count=format(change.rows, ","), name=change.name)
    flash(f"{replaced} {_matched(change.matched)}{_released(change)}", "success")
    return _done(url_for("resident_lists.detail", list_id=list_id))


@bp.route("/<int:list_id>/delete", methods=["GET", "POST"])
def delete(list_id: int):
    summary = _summary_or_404(list_id)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("resident_lists/delete.html", summary=summary, lst=summary.list, form=form)
    if not form.validate_on_submit():
        abort(400)
    try:
        change = resident_lists.delete_list(_actor(), list_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    flash(_("Deleted the list “%(name)s” and all its entries.", name=change.name) + _released(change), "success")
    return redirect(url_for("resident_lists.index"))


# ---------------------------------------------------------------- reading an upload


def _receive_upload() -> str | None:
    """Read the upload request within its own limit and check its CSRF token.

    Returns what to say when the request is too large (nothing of it is used then).
    """
    request.max_content_length = MAX_REQUEST_BYTES
    length = request.content_length
    if length is not None and length > MAX_REQUEST_BYTES:
        _discard_body(length)
        return too_large_message(length)
    try:
        request.files  # noqa: B018 - parses the form now, within the limit (a body sent without a length stops there too)
    except RequestEntityTooLarge:
        return too_large_message(None)
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    return None


def _discard_body(length: int) -> None:
    if length > DISCARD_UP_TO:
        return
    stream = request.environ.get("wsgi.input")
    left = length
    while stream is not None and left > 0:
        chunk = stream.read(min(left, 1024 * 1024))
        if not chunk:
            return
        left -= len(chunk)


def _file_bytes(field) -> bytes | None:
    """The chosen file's contents, or None when no file was chosen."""
    storage = field.data
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return storage.read(MAX_BYTES + 1)


def _show_errors(form, errors: dict[str, str]) -> None:
    for key, message in errors.items():
        field = getattr(form, key, None) or form.file
        field.errors = list(field.errors) + [message]


def _done(location: str):
    if request.headers.get(PROGRESS_HEADER) == "progress":
        return jsonify(location=location)
    return redirect(location)


# ---------------------------------------------------------------- messages (each a whole sentence)


def _matched(n: int) -> str:
    if n == 0:
        return _("No registered resident who was self-declared matched it.")
    return ngettext("%(count)s resident who was self-declared is now list-matched.",
                    "%(count)s residents who were self-declared are now list-matched.", n, count=format(n, ","))


def _released(change) -> str:
    parts = []
    if change.unverified:
        parts.append(" " + ngettext("%(count)s resident is self-declared again: they are on no other list.",
                                    "%(count)s residents are self-declared again: they are on no other list.",
                                    change.unverified, count=format(change.unverified, ",")))
    if change.moved:
        parts.append(" " + ngettext("%(count)s stays list-matched through another list.",
                                    "%(count)s stay list-matched through another list.",
                                    change.moved, count=format(change.moved, ",")))
    return "".join(parts)
