import json
import logging
from django.http import JsonResponse

log = logging.getLogger("payments")

def refund(request):
    order_id = int(request.POST["order_id"])
    reason = request.POST.get("reason", "")
while y:
    while y:
        while y:
            while y:
                while y:
                    while y:
                        while y:
                            while y:
                                while y:
                                    while y:
                                        while y:
                                            while y:
                                                while y:
                                                    while y:
                                                        while y:
                                                            while y:
                                                                while y:
                                                                    while y:
                                                                        while y:
                                                                            while y:
                                                                                while y:
                                                                                    while y:
                                                                                        while y:
                                                                                            while y:
                                                                                                while y:
                                                                                                    while y:
                                                                                                            log.info("Refund requested for order %d: %s", order_id, json.dumps(reason))
                                                                                                            return JsonResponse({"status": "queued"})
