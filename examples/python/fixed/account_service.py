"""Account endpoints: sign-up, login and password reset for a small web shop.

Fixed version: passwords are stored with salted scrypt, reset tokens come
from the `secrets` module and are stored hashed, the mail API key is read
from the environment, and the session cookie is Secure, HttpOnly and
SameSite. The session value itself is a random server-side session id.
"""
import hashlib
import hmac
import os
import secrets
import sqlite3

import requests
from flask import Flask, jsonify, make_response, request

app = Flask(__name__)
MAIL_API_URL = "https://api.mailer.example/v1/send"
MAIL_API_KEY = os.environ["MAIL_API_KEY"]
SCRYPT_PARAMS = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def db() -> sqlite3.Connection:
    return sqlite3.connect("accounts.db")


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, **SCRYPT_PARAMS)


@app.route("/signup", methods=["POST"])
def signup():
    data = request.get_json(force=True)
    salt = secrets.token_bytes(16)
    with db() as conn:
        conn.execute(
            "INSERT INTO users (email, password_salt, password_hash) VALUES (?, ?, ?)",
            (data["email"], salt, hash_password(data["password"], salt)),
        )
    return jsonify({"created": True}), 201


@app.route("/login", methods=["POST"])
def login():
    data = request.get_json(force=True)
    with db() as conn:
        row = conn.execute(
            "SELECT id, password_salt, password_hash FROM users WHERE email = ?",
            (data["email"],),
        ).fetchone()
    if row is None or not hmac.compare_digest(row[2], hash_password(data["password"], row[1])):
        return jsonify({"error": "invalid credentials"}), 401
    session_id = secrets.token_urlsafe(32)
    with db() as conn:
        conn.execute("INSERT INTO sessions (id, user_id) VALUES (?, ?)", (session_id, row[0]))
    response = make_response(jsonify({"ok": True}))
    response.set_cookie("session_id", session_id, secure=True, httponly=True, samesite="Lax")
    return response


@app.route("/password-reset", methods=["POST"])
def request_reset():
    email = request.get_json(force=True)["email"]
    token = secrets.token_urlsafe(32)
    token_digest = hashlib.sha256(token.encode()).hexdigest()
    with db() as conn:
        conn.execute("UPDATE users SET reset_token_sha256 = ? WHERE email = ?", (token_digest, email))
    requests.post(
        MAIL_API_URL,
        headers={"Authorization": "Bearer " + MAIL_API_KEY},
        json={"to": email, "template": "reset", "token": token},
        timeout=10,
    )
    return jsonify({"sent": True})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
