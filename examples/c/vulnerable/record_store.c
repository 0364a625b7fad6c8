/*
 * record_store.c - load sensor readings from a binary file and print one.
 *
 * File format: uint64 count, then `count` records of struct reading.
 * Usage: record_store FILE INDEX
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reading {
    uint32_t sensor_id;
    int32_t millidegrees;
    uint64_t timestamp;
};

struct table {
    uint64_t count;
    struct reading *rows;
};

static struct table *load_table(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }

    uint64_t count = 0;
    if (fread(&count, sizeof(count), 1, fp) != 1) {
        fclose(fp);
        return NULL;
    }

    struct table *table = malloc(sizeof(*table));
    table->count = count; /* expect: CWE-476, CWE-690 */
    table->rows = malloc(count * sizeof(struct reading)); /* expect: CWE-190, CWE-680 */
    if (table->rows == NULL) {
        free(table);
        fclose(fp);
        return NULL;
    }

    if (fread(table->rows, sizeof(struct reading), count, fp) != count) {
        fprintf(stderr, "%s: truncated file\n", path);
        fclose(fp);
        return NULL; /* expect: CWE-401 */
    }

    fclose(fp);
    return table;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE INDEX\n", argv[0]);
        return 2;
    }

    struct table *table = load_table(argv[1]);
    if (table == NULL) {
        return 1;
    }

    int index = atoi(argv[2]);
    if (index < 0) {
        fprintf(stderr, "index must not be negative\n");
        free(table->rows);
        free(table);
        return 2;
    }

    struct reading row = table->rows[index]; /* expect: CWE-125, CWE-129 */
    printf("sensor %u: %.3f C at %llu\n", row.sensor_id, row.millidegrees / 1000.0, (unsigned long long)row.timestamp);

    free(table->rows);
    free(table);
    return 0;
}
