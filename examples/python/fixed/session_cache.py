"""Flask app that keeps user preferences in a cookie and imports settings files.

Fixed version: data from the client is only ever parsed as JSON or with
yaml.safe_load, and the preferences cookie is signed with HMAC so that it
cannot be forged.
"""
import base64
import hashlib
import hmac
import json
import os

import yaml
from flask import Flask, abort, jsonify, make_response, request

app = Flask(__name__)
COOKIE_KEY = os.environ["PREFS_COOKIE_KEY"].encode()


def _sign(payload: bytes) -> str:
    mac = hmac.new(COOKIE_KEY, payload, hashlib.sha256).hexdigest()
    return base64.urlsafe_b64encode(payload).decode() + "." + mac


def _verify(cookie: str) -> bytes:
    encoded, _, mac = cookie.rpartition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded.encode())
    except ValueError:
        abort(400)
    wanted_mac = hmac.new(COOKIE_KEY, payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, wanted_mac):
        abort(400)
    return payload


@app.route("/preferences")
def load_preferences():
    """Restore the preferences stored in the signed `prefs` cookie."""
    raw = request.cookies.get("prefs")
    if raw is None:
        return jsonify({})
    prefs = json.loads(_verify(raw))
    return jsonify(prefs)


@app.route("/preferences", methods=["POST"])
def save_preferences():
    prefs = request.get_json(force=True)
    response = make_response(jsonify({"saved": True}))
    cookie = _sign(json.dumps(prefs).encode())
    response.set_cookie("prefs", cookie, secure=True, httponly=True, samesite="Lax")
    return response


@app.route("/settings/import", methods=["POST"])
def import_settings():
    """Accept a YAML settings document uploaded by the user."""
    document = request.files["settings"].read()
    try:
        settings = yaml.safe_load(document)
    except yaml.YAMLError:
        abort(400, "invalid YAML")
    if not isinstance(settings, dict):
        abort(400, "settings must be a mapping")
    return jsonify({"keys": sorted(str(key) for key in settings)})


@app.route("/cache/restore", methods=["POST"])
def restore_cache():
    """Restore a cache snapshot (a JSON object) that the client sent back to us."""
    try:
        snapshot = json.loads(request.get_data())
    except ValueError:
        abort(400, "invalid snapshot")
    if not isinstance(snapshot, dict):
        abort(400, "snapshot must be an object")
    return jsonify({"entries": len(snapshot)})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
