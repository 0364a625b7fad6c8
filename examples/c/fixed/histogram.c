/*
 * histogram.c - read integers from stdin and print their mean and a text
 * histogram with buckets of the width given on the command line.
 *
 * Usage: histogram BUCKET_WIDTH < numbers.txt
 *
 * Fixed version: the running total is initialized, and the bucket width is
 * parsed strictly and must be a positive number before anything divides by it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#define BUCKETS 20

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s BUCKET_WIDTH\n", argv[0]);
        return 2;
    }
    char *end = NULL;
    errno = 0;
    long width = strtol(argv[1], &end, 10);
    if (errno != 0 || end == argv[1] || *end != '\0' || width <= 0 || width > LONG_MAX / BUCKETS) {
        fprintf(stderr, "bucket width must be a positive integer\n");
        return 2;
    }

    unsigned counts[BUCKETS] = {0};
    double total = 0.0;
    long count = 0;
    long value;

    while (scanf("%ld", &value) == 1) {
        if (value < 0) {
            continue;
        }
        total += (double)value;
        count++;
        long bucket = value / width;
        if (bucket >= BUCKETS) {
            bucket = BUCKETS - 1;
        }
        counts[bucket]++;
    }

    if (count == 0) {
        printf("no values\n");
        return 0;
    }
    printf("n = %ld, mean = %.2f\n", count, total / (double)count);
    for (int i = 0; i < BUCKETS; i++) {
        printf("%6ld | ", (long)i * width);
        for (unsigned j = 0; j < counts[i] && j < 60; j++) {
            putchar('#');
        }
        putchar('\n');
    }
    return 0;
}
