// access_log_report.cpp - summarize a web server access log read from
// stdin. Each line looks like: "CLIENT_IP METHOD PATH STATUS BYTES".
// Prints one formatted line per request and a per-client summary.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

struct ClientStats {
    char last_path[64];
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
        std::strcpy(stats.last_path, path.c_str()); // expect: CWE-120, CWE-787

        char summary[80];
        std::sprintf(summary, "%-15s %-6s %s -> %d", ip.c_str(), method.c_str(), path.c_str(), status); // expect: CWE-787, CWE-120
        std::printf(summary); // expect: CWE-134
        std::printf("\n");
    }

    for (const auto &entry : clients) {
        std::printf("%s: %lu requests, %lu bytes, last %s\n", entry.first.c_str(), entry.second.requests,
                    entry.second.bytes, entry.second.last_path);
    }
    return 0;
}
