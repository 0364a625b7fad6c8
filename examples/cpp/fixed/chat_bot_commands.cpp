// chat_bot_commands.cpp - command handler of an ops chat bot. Messages
// arrive on stdin, one per line, as "USER: TEXT"; commands start with '!'.
//
//   !whois DOMAIN   show the registrar of a domain
//   !logs SERVICE   show the last lines of a service's journal
//
// Fixed version: arguments are validated against strict patterns, programs
// are started with fork/execv and an argument vector (no shell is
// involved), and the registrar filtering happens in C++ instead of grep.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace bot {

// Run a program with arguments (no shell) and return its standard output.
bool run_and_capture(const std::vector<std::string> &args, std::string &output)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return false;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        std::vector<char *> argv;
        for (const auto &arg : args) {
            argv.push_back(const_cast<char *>(arg.c_str()));
        }
        argv.push_back(nullptr);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(fds[1]);
    char chunk[256];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof(chunk))) > 0) {
        output.append(chunk, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool valid_domain(const std::string &domain)
{
    static const std::regex pattern("^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\\.)+[A-Za-z]{2,63}$");
    return domain.size() <= 253 && std::regex_match(domain, pattern);
}

bool valid_service(const std::string &service)
{
    static const std::regex pattern("^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$");
    return std::regex_match(service, pattern);
}

void handle_whois(const std::string &domain)
{
    if (!valid_domain(domain)) {
        std::cout << "invalid domain\n";
        return;
    }
    std::string output;
    if (!run_and_capture({"/usr/bin/whois", "--", domain}, output)) {
        std::cout << "whois failed\n";
        return;
    }
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        std::string lower = line;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower.find("registrar") != std::string::npos) {
            std::cout << line << "\n";
        }
    }
}

void handle_logs(const std::string &service)
{
    if (!valid_service(service)) {
        std::cout << "invalid service name\n";
        return;
    }
    std::string output;
    if (!run_and_capture({"/usr/bin/journalctl", "-u", service, "-n", "20", "--no-pager"}, output)) {
        std::cout << "journalctl failed\n";
        return;
    }
    std::cout << output;
}

void dispatch(const std::string &message)
{
    auto colon = message.find(": ");
    if (colon == std::string::npos) {
        return;
    }
    std::istringstream words(message.substr(colon + 2));
    std::string command;
    std::string argument;
    words >> command;
    std::getline(words >> std::ws, argument);
    if (command == "!whois") {
        handle_whois(argument);
    } else if (command == "!logs") {
        handle_logs(argument);
    }
}

} // namespace bot

int main()
{
    std::string line;
    while (std::getline(std::cin, line)) {
        bot::dispatch(line);
    }
    return 0;
}
