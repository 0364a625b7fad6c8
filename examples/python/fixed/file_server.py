"""Document portal: users read and download files from the shared folder.

Fixed version: every requested path is resolved and must stay inside the
document root, and redirects only go to local paths.
"""
import os
from urllib.parse import urlparse

from flask import Flask, abort, jsonify, redirect, request, send_file

app = Flask(__name__)
DOCUMENT_ROOT = os.path.realpath("/srv/portal/documents")


def resolve_inside_root(relative: str) -> str:
    """Resolve `relative` under DOCUMENT_ROOT, refusing anything that escapes it."""
    candidate = os.path.realpath(os.path.join(DOCUMENT_ROOT, relative))
    if os.path.commonpath([candidate, DOCUMENT_ROOT]) != DOCUMENT_ROOT:
        abort(404)
    if not os.path.isfile(candidate):
        abort(404)
    return candidate


@app.route("/documents/preview")
def preview_document():
    """Return the first kilobyte of a text document."""
    filename = request.args.get("file", "")
    path = resolve_inside_root(filename)
    with open(path, "r", encoding="utf-8") as handle:
        head = handle.read(1024)
    return jsonify({"file": filename, "preview": head})


@app.route("/documents/download/<path:filename>")
def download_document(filename):
    """Send a document as an attachment."""
    return send_file(resolve_inside_root(filename), as_attachment=True)


def is_local_path(target: str) -> bool:
    """True for paths on this site such as `/account`, never `//evil` or `https://...`."""
    parsed = urlparse(target)
    return (
        not parsed.scheme
        and not parsed.netloc
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    )


@app.route("/login/done")
def after_login():
    """Send the user back to the page they came from, if it is on this site."""
    target = request.args.get("next", "/")
    if not is_local_path(target):
        target = "/"
    return redirect(target)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8000)
