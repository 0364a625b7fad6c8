import logging

logger = logging.getLogger(__name__)

def login(username, password):
    logger.debug("Login attempt for user=%s", username)
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
                                                                        return check_credential—(username, password)
