// packet_parser.cpp - decode telemetry packets received over UDP.
//
// Packet layout: [u8 type][u8 channel][u16 payload_len][payload...]
// Each channel keeps the last payload and a counter of packets seen.
//
// Fixed version: the channel number is checked against the table size and
// the declared payload length against both the bytes actually received and
// the destination buffer before anything is copied.
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
constexpr std::size_t kHeaderSize = 4;

struct Channel {
    std::uint8_t last_payload[kMaxPayload];
    std::uint16_t last_len = 0;
    std::uint64_t packets = 0;
};

class Decoder {
public:
    bool decode(const std::uint8_t *data, std::size_t size)
    {
        if (size < kHeaderSize) {
            return false;
        }
        std::size_t channel = data[1];
        std::size_t payload_len = (static_cast<std::size_t>(data[2]) << 8) | data[3];

        if (channel >= kChannels) {
            return false;
        }
        if (payload_len > size - kHeaderSize || payload_len > sizeof(Channel::last_payload)) {
            return false;
        }
        Channel &ch = channels_[channel];
        std::memcpy(ch.last_payload, data + kHeaderSize, payload_len);
        ch.last_len = static_cast<std::uint16_t>(payload_len);
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
