/*
 * kv_import.c - import "key=value" settings from stdin into a settings
 * table, and decode length-prefixed binary blobs ("blob LEN HEX...").
 *
 * Example input:
 *   title=Quarterly report
 *   owner=finance
 *   blob 4 deadbeef
 *
 * Fixed version: lines are read with fgets, over-long keys and values are
 * rejected and the rest copied with snprintf bounded by the destination
 * size, and the declared blob length is checked against both the decoded
 * data and the destination buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SETTINGS 16
#define KEY_LEN 32
#define VALUE_LEN 96
#define BLOB_LEN 64

struct setting {
    char key[KEY_LEN];
    char value[VALUE_LEN];
};

static struct setting settings[MAX_SETTINGS];
static int setting_count = 0;

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void import_blob(const char *args)
{
    unsigned char decoded[512];
    unsigned char blob[BLOB_LEN];
    unsigned long declared = strtoul(args, NULL, 10);
    const char *hex = strchr(args, ' ');
    size_t n = 0;

    if (hex == NULL) {
        return;
    }
    hex++;
    while (n < sizeof(decoded) && hex_value(hex[0]) >= 0 && hex_value(hex[1]) >= 0) {
        decoded[n++] = (unsigned char)(hex_value(hex[0]) * 16 + hex_value(hex[1]));
        hex += 2;
    }
    if (declared == 0 || declared > n || declared > sizeof(blob)) {
        fprintf(stderr, "blob length %lu rejected\n", declared);
        return;
    }
    memcpy(blob, decoded, declared);
    printf("blob of %lu bytes, first byte %02x\n", declared, blob[0]);
}

static void add_setting(char *line)
{
    char *eq = strchr(line, '=');
    if (eq == NULL || setting_count >= MAX_SETTINGS) {
        return;
    }
    *eq = '\0';
    const char *value = eq + 1;
    if (strlen(line) >= KEY_LEN || strlen(value) >= VALUE_LEN) {
        fprintf(stderr, "setting too long, skipped\n");
        return;
    }
    struct setting *s = &settings[setting_count++];
    snprintf(s->key, sizeof(s->key), "%s", line);
    snprintf(s->value, sizeof(s->value), "%s", value);
}

int main(void)
{
    char line[256];

    while (fgets(line, sizeof(line), stdin) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "blob ", 5) == 0) {
            import_blob(line + 5);
        } else {
            add_setting(line);
        }
    }

    for (int i = 0; i < setting_count; i++) {
        printf("%s = %s\n", settings[i].key, settings[i].value);
    }
    return 0;
}
