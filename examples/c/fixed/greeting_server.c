/*
 * greeting_server.c - tiny TCP server that greets clients by name.
 *
 * The client sends "NAME\n"; the server answers "Hello, NAME! You are
 * visitor #N." and logs the request on stdout.
 *
 * Fixed version: names longer than the buffer are rejected, the reply is
 * built with snprintf bounded by sizeof, and user text is always printed
 * through a "%s" format.
 *
 * Build: cc -o greeting_server greeting_server.c
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT 9090
#define NAME_LEN 32

static unsigned long visitor_count = 0;

static void send_text(int client_fd, const char *text)
{
    send(client_fd, text, strlen(text), 0);
}

static void handle_client(int client_fd)
{
    char request[512];
    char name[NAME_LEN];
    char reply[96]; /* 7 + 31 + 19 + 20 digits + 2 + NUL fits */

    ssize_t received = recv(client_fd, request, sizeof(request) - 1, 0);
    if (received <= 0) {
        return;
    }
    request[received] = '\0';
    request[strcspn(request, "\r\n")] = '\0';

    size_t name_len = strlen(request);
    if (name_len >= sizeof(name)) {
        send_text(client_fd, "Name too long.\n");
        return;
    }
    memcpy(name, request, name_len + 1);
    visitor_count++;

    int written = snprintf(reply, sizeof(reply), "Hello, %s! You are visitor #%lu.\n", name, visitor_count);
    if (written < 0) {
        return;
    }
    send_text(client_fd, reply);

    printf("greeted: %s\n", request);
}

int main(void)
{
    int server_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (server_fd < 0) {
        perror("socket");
        return 1;
    }

    int yes = 1;
    setsockopt(server_fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(PORT);

    if (bind(server_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(server_fd, 16) < 0) {
        perror("bind/listen");
        close(server_fd);
        return 1;
    }

    for (;;) {
        int client_fd = accept(server_fd, NULL, NULL);
        if (client_fd < 0) {
            perror("accept");
            continue;
        }
        handle_client(client_fd);
        close(client_fd);
    }
}
