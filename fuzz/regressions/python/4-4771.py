import lxml.etree

def read_feed(path):
    events = lxml.etree.iterparse(path, events=("end",), resolve_entities=True, load_dtd=True)
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
                                                                                                        while y:
                                                                                                                return [el.text for _, el in events if el.tag == "title"]
