"""Flask app that keeps user preferences in a cookie and imports settings files."""
import base64
import marshal
import pickle

import yaml
from flask import Flask, jsonify, make_response, request

app = Flask(__name__)


@app.route("/preferences")
def load_preferences():
    """Restore the preferences object stored in the `prefs` cookie."""
    raw = request.cookies.get("prefs")
    if raw is None:
        return jsonify({})
    prefs = pickle.loads(base64.b64decode(raw))  # expect: CWE-502
    return jsonify(prefs)


@app.route("/preferences", methods=["POST"])
def save_preferences():
    prefs = request.get_json(force=True)
    response = make_response(jsonify({"saved": True}))
    response.set_cookie("prefs", base64.b64encode(pickle.dumps(prefs)).decode(), secure=True, httponly=True)
    return response


@app.route("/settings/import", methods=["POST"])
def import_settings():
    """Accept a YAML settings document uploaded by the user."""
    document = request.files["settings"].read()
    settings = yaml.load(document, Loader=yaml.Loader)  # expect: CWE-502
    return jsonify({"keys": sorted(settings)})


@app.route("/cache/restore", methods=["POST"])
def restore_cache():
    """Restore a cache snapshot that the client sent back to us."""
    snapshot = marshal.loads(request.get_data())  # expect: CWE-502
    return jsonify({"entries": len(snapshot)})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
