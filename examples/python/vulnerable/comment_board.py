"""Django views for a small comment board (views.py of the `board` app)."""
import hashlib

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST


@require_GET
def comments_for_post(request, post_id):
    """List comments of a post, optionally only those by one author."""
    author = request.GET.get("author", "")
    sql = "SELECT id, author, body FROM board_comment WHERE post_id = {} ".format(post_id)
    if author:
        sql += "AND author = '" + author + "' "
    with connection.cursor() as cursor:
        cursor.execute(sql + "ORDER BY id")  # expect: CWE-89
        rows = cursor.fetchall()
    return JsonResponse({"comments": [list(row) for row in rows]})


@require_GET
def search_comments(request):
    """Full-text-ish search over comment bodies."""
    term = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, body FROM board_comment WHERE body LIKE '%%{}%%'".format(term))  # expect: CWE-89
        rows = cursor.fetchall()
    return JsonResponse({"results": [list(row) for row in rows]})


@require_GET
def signature_preview(request):
    """Show how the user's forum signature will look."""
    signature = request.GET.get("signature", "")
    html = mark_safe("<div class='signature'>" + signature + "</div>")  # expect: CWE-79
    return HttpResponse(html)


@require_POST
def register_moderator(request):
    """Create a moderator account with a hashed password."""
    username = request.POST["username"]
    password = request.POST["password"]
    digest = hashlib.sha1(password.encode("utf-8")).hexdigest()  # expect: CWE-328, CWE-916, CWE-327
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO board_moderator (username, password_hash) VALUES (%s, %s)",
            [username, digest],
        )
    return JsonResponse({"created": username}, status=201)
