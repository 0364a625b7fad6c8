"""Small Flask API that looks up users and their orders in SQLite.

Typical assistant-written CRUD endpoint: it works, but builds SQL by string
formatting and ships with the debugger switched on.
"""
import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)
DATABASE = "shop.db"


def get_db() -> sqlite3.Connection:
    conn = sqlite3.connect(DATABASE)
    conn.row_factory = sqlite3.Row
    return conn


@app.route("/users/search")
def search_users():
    """Return users whose name starts with the `q` query parameter."""
    name = request.args.get("q", "")
    conn = get_db()
    cursor = conn.cursor()
    query = f"SELECT id, name, email FROM users WHERE name LIKE '{name}%'"
    cursor.execute(query)  # expect: CWE-89
    rows = [dict(row) for row in cursor.fetchall()]
    conn.close()
    return jsonify(rows)


@app.route("/users/<user_id>/orders")
def user_orders(user_id):
    """Return the orders of one user, optionally filtered by status."""
    status = request.args.get("status", "open")
    conn = get_db()
    cursor = conn.cursor()
    sql = "SELECT id, total, status FROM orders WHERE user_id = %s AND status = '%s'" % (user_id, status)
    cursor.execute(sql)  # expect: CWE-89
    orders = [dict(row) for row in cursor.fetchall()]
    conn.close()
    return jsonify({"user_id": user_id, "orders": orders})


if __name__ == "__main__":
    app.run(debug=True)  # expect: CWE-489, CWE-215
