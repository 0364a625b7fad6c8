/*
 * backup_cgi.c - CGI program behind the intranet "project backups" page.
 *
 * GET ?action=create&project=NAME   archive /srv/projects/NAME
 * GET ?action=size&project=NAME     report the size of the project
 * GET ?action=manifest&project=NAME show the manifest of the last backup
 *
 * Fixed version: the project name must be a plain identifier (letters,
 * digits, '_' and '-', not starting with '-'), external programs are started
 * with fork/execv and an argument vector (no shell), and the manifest path
 * is resolved and checked to stay inside the backup directory.
 */
#define _XOPEN_SOURCE 700
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROJECT_ROOT "/srv/projects"
#define BACKUP_ROOT "/var/backups/projects"
#define MAX_PROJECT_NAME 64

/* Copy the value of `key` from a query string like "a=1&b=2" into out. */
static int query_param(const char *query, const char *key, char *out, size_t out_size)
{
    size_t key_len = strlen(key);
    const char *p = query;
    while (p != NULL && *p != '\0') {
        if (strncmp(p, key, key_len) == 0 && p[key_len] == '=') {
            const char *value = p + key_len + 1;
            size_t len = strcspn(value, "&");
            if (len >= out_size) {
                return -1;
            }
            memcpy(out, value, len);
            out[len] = '\0';
            return 0;
        }
        p = strchr(p, '&');
        if (p != NULL) {
            p++;
        }
    }
    return -1;
}

static int valid_project_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > MAX_PROJECT_NAME || name[0] == '-') {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '_' && c != '-') {
            return 0;
        }
    }
    return 1;
}

/* Run argv[0] with the given arguments, without a shell. If out_fd >= 0 the
 * child's stdout goes there. Returns the exit status, or -1. */
static int run_program(char *const argv[], int out_fd)
{
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        if (out_fd >= 0) {
            dup2(out_fd, STDOUT_FILENO);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

static void create_backup(const char *project)
{
    char archive[PATH_MAX];
    snprintf(archive, sizeof(archive), "%s/%s.tgz", BACKUP_ROOT, project);
    char *const argv[] = {"/bin/tar", "czf", archive, "-C", PROJECT_ROOT, "--", (char *)project, NULL};
    fflush(stdout);
    int status = run_program(argv, -1);
    printf("backup %s\n", status == 0 ? "created" : "failed");
}

static void project_size(const char *project)
{
    char directory[PATH_MAX];
    snprintf(directory, sizeof(directory), "%s/%s", PROJECT_ROOT, project);
    char *const argv[] = {"/usr/bin/du", "-sh", "--", directory, NULL};
    fflush(stdout);
    if (run_program(argv, STDOUT_FILENO) != 0) {
        printf("cannot measure project\n");
    }
}

static void show_manifest(const char *project)
{
    char path[PATH_MAX];
    char resolved[PATH_MAX];
    char line[256];
    snprintf(path, sizeof(path), "%s/%s.manifest", BACKUP_ROOT, project);
    if (realpath(path, resolved) == NULL ||
        strncmp(resolved, BACKUP_ROOT "/", strlen(BACKUP_ROOT) + 1) != 0) {
        printf("no manifest\n");
        return;
    }
    FILE *fp = fopen(resolved, "r");
    if (fp == NULL) {
        printf("no manifest\n");
        return;
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
        fputs(line, stdout);
    }
    fclose(fp);
}

int main(void)
{
    const char *query = getenv("QUERY_STRING");
    char action[32];
    char project[128];

    printf("Content-Type: text/plain\r\n\r\n");
    if (query == NULL || query_param(query, "action", action, sizeof(action)) != 0 ||
        query_param(query, "project", project, sizeof(project)) != 0) {
        printf("missing parameters\n");
        return 0;
    }
    if (!valid_project_name(project)) {
        printf("invalid project name\n");
        return 0;
    }

    if (strcmp(action, "create") == 0) {
        create_backup(project);
    } else if (strcmp(action, "size") == 0) {
        project_size(project);
    } else if (strcmp(action, "manifest") == 0) {
        show_manifest(project);
    } else {
        printf("unknown action\n");
    }
    return 0;
}
