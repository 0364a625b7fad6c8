"""Small Flask API that looks up users and their orders in SQLite.

Fixed version: every query is parameterized and the debugger is off.
"""
import os
import sqlite3

from flask import Flask, abort, jsonify, request

app = Flask(__name__)
DATABASE = "shop.db"
ALLOWED_STATUSES = {"open", "shipped", "cancelled"}


def get_db() -> sqlite3.Connection:
    conn = sqlite3.connect(DATABASE)
    conn.row_factory = sqlite3.Row
    return conn


@app.route("/users/search")
def search_users():
    """Return users whose name starts with the `q` query parameter."""
    name = request.args.get("q", "")
    # Escape LIKE wildcards so the user's text is matched literally.
    pattern = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    conn = get_db()
    cursor = conn.cursor()
    cursor.execute(
        "SELECT id, name, email FROM users WHERE name LIKE ? ESCAPE '\\'",
        (pattern,),
    )
    rows = [dict(row) for row in cursor.fetchall()]
    conn.close()
    return jsonify(rows)


@app.route("/users/<int:user_id>/orders")
def user_orders(user_id: int):
    """Return the orders of one user, optionally filtered by status."""
    status = request.args.get("status", "open")
    if status not in ALLOWED_STATUSES:
        abort(400)
    conn = get_db()
    cursor = conn.cursor()
    cursor.execute(
        "SELECT id, total, status FROM orders WHERE user_id = ? AND status = ?",
        (user_id, status),
    )
    orders = [dict(row) for row in cursor.fetchall()]
    conn.close()
    return jsonify({"user_id": user_id, "orders": orders})


if __name__ == "__main__":
    # Bind to localhost; a production deployment runs behind a WSGI server.
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
