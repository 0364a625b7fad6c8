// chat_bot_commands.cpp - command handler of an ops chat bot. Messages
// arrive on stdin, one per line, as "USER: TEXT"; commands start with '!'.
//
//   !whois DOMAIN   show the registrar of a domain
//   !logs SERVICE   show the last lines of a service's journal
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

namespace bot {

void handle_whois(const std::string &domain)
{
    std::string command = "whois " + domain + " | grep -i registrar";
    FILE *pipe = popen(command.c_str(), "r"); // expect: CWE-78
    if (pipe == nullptr) {
        std::cout << "whois failed\n";
        return;
    }
    char chunk[256];
    while (std::fgets(chunk, sizeof(chunk), pipe) != nullptr) {
        std::cout << chunk;
    }
    pclose(pipe);
}

void handle_logs(const std::string &service)
{
    std::string command = "journalctl -u " + service + " -n 20 --no-pager";
    int status = std::system(command.c_str()); // expect: CWE-78
    if (status != 0) {
        std::cout << "journalctl failed\n";
    }
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
