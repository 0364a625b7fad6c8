"""Account endpoints: sign-up, login and password reset for a small web shop."""
import hashlib
import random
import secrets
import sqlite3
import string

import requests
from flask import Flask, jsonify, make_response, request

app = Flask(__name__)
MAIL_API_URL = "https://api.mailer.example/v1/send"
MAIL_API_KEY = "sk_live_51HvQm2xTq8Lr0aZpK3dE9wYb"  # expect: CWE-798


def db() -> sqlite3.Connection:
    return sqlite3.connect("accounts.db")


def hash_password(password: str) -> str:
    return hashlib.md5(password.encode()).hexdigest()  # expect: CWE-328, CWE-916, CWE-327


@app.route("/signup", methods=["POST"])
def signup():
    data = request.get_json(force=True)
    with db() as conn:
        conn.execute(
            "INSERT INTO users (email, password_hash) VALUES (?, ?)",
            (data["email"], hash_password(data["password"])),
        )
    return jsonify({"created": True}), 201


@app.route("/login", methods=["POST"])
def login():
    data = request.get_json(force=True)
    with db() as conn:
        row = conn.execute(
            "SELECT id, password_hash FROM users WHERE email = ?", (data["email"],)
        ).fetchone()
    if row is None or row[1] != hash_password(data["password"]):
        return jsonify({"error": "invalid credentials"}), 401
    session_id = secrets.token_urlsafe(32)
    with db() as conn:
        conn.execute("INSERT INTO sessions (id, user_id) VALUES (?, ?)", (session_id, row[0]))
    response = make_response(jsonify({"ok": True}))
    response.set_cookie("session_id", session_id)  # expect: CWE-614, CWE-1004
    return response


@app.route("/password-reset", methods=["POST"])
def request_reset():
    email = request.get_json(force=True)["email"]
    token = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(32))  # expect: CWE-338, CWE-330
    with db() as conn:
        conn.execute("UPDATE users SET reset_token = ? WHERE email = ?", (token, email))
    requests.post(
        MAIL_API_URL,
        headers={"Authorization": "Bearer " + MAIL_API_KEY},
        json={"to": email, "template": "reset", "token": token},
        timeout=10,
    )
    return jsonify({"sent": True})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
