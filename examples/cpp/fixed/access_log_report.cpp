// access_log_report.cpp - summarize a web server access log read from
// stdin. Each line looks like: "CLIENT_IP METHOD PATH STATUS BYTES".
// Prints one formatted line per request and a per-client summary.
//
// Fixed version: the last path is kept in a std::string, the request line
// is formatted with snprintf bounded by sizeof (truncating long paths), and
// formatted text is always printed through a "%s" format.
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

struct ClientStats {
    std::string last_path;
    unsigned long requests = 0;
    unsigned long bytes = 0;
};

int main()
{
    std::map<std::string, ClientStats> clients;
    std::string line;

    while (std::getline(std::cin, line)) {
        std::istringstream fields(line);
        std::string ip, method, path;
        int status = 0;
        unsigned long bytes = 0;
        if (!(fields >> ip >> method >> path >> status >> bytes)) {
            std::fprintf(stderr, "skipping malformed line\n");
            continue;
        }

        ClientStats &stats = clients[ip];
        stats.requests++;
        stats.bytes += bytes;
        stats.last_path = path;

        char summary[80];
        std::snprintf(summary, sizeof(summary), "%-15s %-6s %s -> %d", ip.c_str(), method.c_str(), path.c_str(), status);
        std::printf("%s\n", summary);
    }

    for (const auto &entry : clients) {
        std::printf("%s: %lu requests, %lu bytes, last %s\n", entry.first.c_str(), entry.second.requests,
                    entry.second.bytes, entry.second.last_path.c_str());
    }
    return 0;
}
