/*
 * backup_cgi.c - CGI program behind the intranet "project backups" page.
 *
 * GET ?action=create&project=NAME   archive /srv/projects/NAME
 * GET ?action=size&project=NAME     report the size of the project
 * GET ?action=manifest&project=NAME show the manifest of the last backup
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROJECT_ROOT "/srv/projects"
#define BACKUP_ROOT "/var/backups/projects"

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

static void create_backup(const char *project)
{
    char command[512];
    snprintf(command, sizeof(command), "tar czf %s/%s.tgz -C %s %s", BACKUP_ROOT, project, PROJECT_ROOT, project);
    int status = system(command); /* expect: CWE-78 */
    printf("backup %s\n", status == 0 ? "created" : "failed");
}

static void project_size(const char *project)
{
    char command[512];
    char line[256];
    snprintf(command, sizeof(command), "du -sh %s/%s", PROJECT_ROOT, project);
    FILE *pipe = popen(command, "r"); /* expect: CWE-78 */
    if (pipe == NULL) {
        printf("cannot run du\n");
        return;
    }
    if (fgets(line, sizeof(line), pipe) != NULL) {
        printf("%s", line);
    }
    pclose(pipe);
}

static void show_manifest(const char *project)
{
    char path[512];
    char line[256];
    snprintf(path, sizeof(path), "%s/%s.manifest", BACKUP_ROOT, project);
    FILE *fp = fopen(path, "r"); /* expect: CWE-22 */
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
