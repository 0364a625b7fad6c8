"""Django views for a small comment board (views.py of the `board` app).

Fixed version: SQL values are passed as query parameters, HTML is built with
format_html (which escapes its arguments), and passwords are hashed with
Django's password hasher (PBKDF2 with a per-user salt by default).
"""
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST


@require_GET
def comments_for_post(request, post_id):
    """List comments of a post, optionally only those by one author."""
    author = request.GET.get("author", "")
    sql = "SELECT id, author, body FROM board_comment WHERE post_id = %s "
    params = [post_id]
    if author:
        sql += "AND author = %s "
        params.append(author)
    with connection.cursor() as cursor:
        cursor.execute(sql + "ORDER BY id", params)
        rows = cursor.fetchall()
    return JsonResponse({"comments": [list(row) for row in rows]})


@require_GET
def search_comments(request):
    """Full-text-ish search over comment bodies."""
    term = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, body FROM board_comment WHERE body LIKE %s", ["%" + term + "%"])
        rows = cursor.fetchall()
    return JsonResponse({"results": [list(row) for row in rows]})


@require_GET
def signature_preview(request):
    """Show how the user's forum signature will look."""
    signature = request.GET.get("signature", "")
    html = format_html("<div class='signature'>{}</div>", signature)
    return HttpResponse(html)


@require_POST
def register_moderator(request):
    """Create a moderator account with a hashed password."""
    username = request.POST["username"]
    password_hash = make_password(request.POST["password"])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO board_moderator (username, password_hash) VALUES (%s, %s)",
            [username, password_hash],
        )
    return JsonResponse({"created": username}, status=201)
