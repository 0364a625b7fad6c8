// packet_parser.cpp - decode telemetry packets received over UDP.
//
// Packet layout: [u8 type][u8 channel][u16 payload_len][payload...]
// Each channel keeps the last payload and a counter of packets seen.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace telemetry {

constexpr std::size_t kChannels = 8;
constexpr std::size_t kMaxPayload = 128;

struct Channel {
    std::uint8_t last_payload[kMaxPayload];
    std::uint16_t last_len = 0;
    std::uint64_t packets = 0;
};

class Decoder {
public:
    bool decode(const std::uint8_t *data, std::size_t size)
    {
        if (size < 4) {
            return false;
        }
        std::uint8_t channel = data[1];
        std::uint16_t payload_len = static_cast<std::uint16_t>((data[2] << 8) | data[3]);

        Channel &ch = channels_[channel]; // expect: CWE-129, CWE-787
        std::memcpy(ch.last_payload, data + 4, payload_len); // expect: CWE-787, CWE-805, CWE-120
        ch.last_len = payload_len;
        ch.packets++;
        return true;
    }

    void report() const
    {
        for (std::size_t i = 0; i < kChannels; ++i) {
            std::cout << "channel " << i << ": " << channels_[i].packets << " packets, last "
                      << channels_[i].last_len << " bytes\n";
        }
    }

private:
    Channel channels_[kChannels];
};

} // namespace telemetry

int main()
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        std::perror("socket");
        return 1;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(5555);
    if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
        std::perror("bind");
        close(fd);
        return 1;
    }

    telemetry::Decoder decoder;
    std::array<std::uint8_t, 1500> buffer{};
    for (int received = 0; received < 1000; ++received) {
        ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            break;
        }
        decoder.decode(buffer.data(), static_cast<std::size_t>(n));
    }
    decoder.report();
    close(fd);
    return 0;
}
