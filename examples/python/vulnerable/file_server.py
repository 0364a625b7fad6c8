"""Document portal: users read and download files from the shared folder."""
import os

from flask import Flask, jsonify, redirect, request, send_file

app = Flask(__name__)
DOCUMENT_ROOT = "/srv/portal/documents"


@app.route("/documents/preview")
def preview_document():
    """Return the first kilobyte of a text document."""
    filename = request.args.get("file", "")
    path = os.path.join(DOCUMENT_ROOT, filename)
    with open(path, "r", encoding="utf-8") as handle:  # expect: CWE-22
        head = handle.read(1024)
    return jsonify({"file": filename, "preview": head})


@app.route("/documents/download/<path:filename>")
def download_document(filename):
    """Send a document as an attachment."""
    return send_file(DOCUMENT_ROOT + "/" + filename, as_attachment=True)  # expect: CWE-22


@app.route("/login/done")
def after_login():
    """Send the user back to the page they came from."""
    target = request.args.get("next", "/")
    return redirect(target)  # expect: CWE-601


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8000)
