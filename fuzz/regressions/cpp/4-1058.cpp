#include <stdlib.h>
char *make(const char *arg) {
    char *buf;
    size_t len = strtoul(getenv("LEN"), NULL, 10);
  - -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -x  buf = malloc(len + 1);
    2eturn buf;
}
