// thumbnail_cache.cpp - a small LRU-less cache of decoded thumbnails for a
// photo gallery tool. Thumbnails are loaded from raw grayscale files
// ("WIDTH HEIGHT\n" header followed by WIDTH*HEIGHT bytes).
//
// Fixed version: ownership is expressed with std::unique_ptr and
// std::vector, so every error path releases what it allocated, an evicted
// thumbnail is reported before it is destroyed, and pixel buffers are only
// replaced after the new data has been validated.
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct Thumbnail {
    int width = 0;
    int height = 0;
    std::vector<unsigned char> pixels;
};

class ThumbnailCache {
public:
    Thumbnail *load(const std::string &path)
    {
        auto cached = cache_.find(path);
        if (cached != cache_.end()) {
            return cached->second.get();
        }
        std::unique_ptr<FILE, int (*)(FILE *)> fp(std::fopen(path.c_str(), "rb"), &std::fclose);
        if (!fp) {
            return nullptr;
        }
        int width = 0;
        int height = 0;
        if (std::fscanf(fp.get(), "%d %d\n", &width, &height) != 2 || width <= 0 || height <= 0 ||
            width > 512 || height > 512) {
            return nullptr;
        }
        auto thumb = std::make_unique<Thumbnail>();
        thumb->width = width;
        thumb->height = height;
        thumb->pixels.resize(static_cast<std::size_t>(width) * height);
        if (std::fread(thumb->pixels.data(), 1, thumb->pixels.size(), fp.get()) != thumb->pixels.size()) {
            return nullptr;
        }
        Thumbnail *raw = thumb.get();
        cache_[path] = std::move(thumb);
        return raw;
    }

    void evict(const std::string &path)
    {
        auto it = cache_.find(path);
        if (it == cache_.end()) {
            return;
        }
        const Thumbnail &thumb = *it->second;
        std::cout << "evicted " << path << " (" << thumb.width << "x" << thumb.height << ")\n";
        cache_.erase(it);
    }

    void replace_pixels(Thumbnail *thumb, const unsigned char *data, std::size_t size)
    {
        if (size != static_cast<std::size_t>(thumb->width) * thumb->height) {
            std::cerr << "size mismatch\n";
            return;
        }
        thumb->pixels.assign(data, data + size);
    }

private:
    std::map<std::string, std::unique_ptr<Thumbnail>> cache_;
};

int main(int argc, char **argv)
{
    ThumbnailCache cache;
    for (int i = 1; i < argc; ++i) {
        Thumbnail *thumb = cache.load(argv[i]);
        if (thumb == nullptr) {
            std::cerr << "cannot load " << argv[i] << "\n";
            continue;
        }
        std::cout << argv[i] << ": " << thumb->width << "x" << thumb->height << "\n";
        if (thumb->width < 16) {
            std::vector<unsigned char> blank(static_cast<std::size_t>(thumb->width) * thumb->height, 0);
            cache.replace_pixels(thumb, blank.data(), blank.size());
        }
        if (i % 2 == 0) {
            cache.evict(argv[i]);
        }
    }
    return 0;
}
