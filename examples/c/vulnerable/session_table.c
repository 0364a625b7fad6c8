/*
 * session_table.c - in-memory session table for a small login daemon.
 *
 * Commands on stdin:
 *   open USER      create a session and print its id
 *   close ID       end a session
 *   rename ID USER change the user of a session
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct session {
    unsigned id;
    char *user;
    struct session *next;
};

static struct session *sessions = NULL;
static unsigned next_id = 1;

static struct session *find_session(unsigned id)
{
    for (struct session *s = sessions; s != NULL; s = s->next) {
        if (s->id == id) {
            return s;
        }
    }
    return NULL;
}

static void open_session(const char *user)
{
    struct session *s = malloc(sizeof(*s));
    if (s == NULL) {
        return;
    }
    s->user = strdup(user);
    if (s->user == NULL) {
        free(s);
        return;
    }
    s->id = next_id++;
    s->next = sessions;
    sessions = s;
    printf("opened %u for %s\n", s->id, s->user);
}

static void close_session(unsigned id)
{
    struct session **link = &sessions;
    while (*link != NULL && (*link)->id != id) {
        link = &(*link)->next;
    }
    struct session *s = *link;
    if (s == NULL) {
        printf("no session %u\n", id);
        return;
    }
    *link = s->next;
    free(s->user);
    free(s);
    printf("closed %u (%s)\n", id, s->user); /* expect: CWE-416 */
}

static void rename_session(unsigned id, const char *user)
{
    struct session *s = find_session(id);
    if (s == NULL) {
        return;
    }
    char *old = s->user;
    s->user = strdup(user);
    free(old);
    if (s->user == NULL) {
        fprintf(stderr, "out of memory\n");
        free(old); /* expect: CWE-415 */
        return;
    }
    printf("session %u now belongs to %s\n", id, s->user);
}

int main(void)
{
    char line[256];
    char user[128];
    unsigned id;

    while (fgets(line, sizeof(line), stdin) != NULL) {
        if (sscanf(line, "open %127s", user) == 1) {
            open_session(user);
        } else if (sscanf(line, "close %u", &id) == 1) {
            close_session(id);
        } else if (sscanf(line, "rename %u %127s", &id, user) == 2) {
            rename_session(id, user);
        }
    }
    while (sessions != NULL) {
        struct session *next = sessions->next;
        free(sessions->user);
        free(sessions);
        sessions = next;
    }
    return 0;
}
