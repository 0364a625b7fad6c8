// thumbnail_cache.cpp - a small LRU-less cache of decoded thumbnails for a
// photo gallery tool. Thumbnails are loaded from raw grayscale files
// ("WIDTH HEIGHT\n" header followed by WIDTH*HEIGHT bytes).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

struct Thumbnail {
    int width = 0;
    int height = 0;
    unsigned char *pixels = nullptr;
};

class ThumbnailCache {
public:
    ~ThumbnailCache()
    {
        for (auto &entry : cache_) {
            delete[] entry.second->pixels;
            delete entry.second;
        }
    }

    Thumbnail *load(const std::string &path)
    {
        auto cached = cache_.find(path);
        if (cached != cache_.end()) {
            return cached->second;
        }
        FILE *fp = std::fopen(path.c_str(), "rb");
        if (fp == nullptr) {
            return nullptr;
        }
        int width = 0;
        int height = 0;
        if (std::fscanf(fp, "%d %d\n", &width, &height) != 2 || width <= 0 || height <= 0 ||
            width > 512 || height > 512) {
            std::fclose(fp);
            return nullptr;
        }
        auto *pixels = new unsigned char[static_cast<std::size_t>(width) * height];
        if (std::fread(pixels, 1, static_cast<std::size_t>(width) * height, fp) !=
            static_cast<std::size_t>(width) * height) {
            std::fclose(fp);
            return nullptr; // expect: CWE-401
        }
        std::fclose(fp);

        auto *thumb = new Thumbnail{width, height, pixels};
        cache_[path] = thumb;
        return thumb;
    }

    void evict(const std::string &path)
    {
        auto it = cache_.find(path);
        if (it == cache_.end()) {
            return;
        }
        Thumbnail *thumb = it->second;
        cache_.erase(it);
        delete[] thumb->pixels;
        delete thumb;
        std::cout << "evicted " << path << " (" << thumb->width << "x" << thumb->height << ")\n"; // expect: CWE-416
    }

    void replace_pixels(Thumbnail *thumb, const unsigned char *data, std::size_t size)
    {
        delete[] thumb->pixels;
        if (size != static_cast<std::size_t>(thumb->width) * thumb->height) {
            std::cerr << "size mismatch\n";
            delete[] thumb->pixels; // expect: CWE-415
            thumb->pixels = nullptr;
            return;
        }
        thumb->pixels = new unsigned char[size];
        std::memcpy(thumb->pixels, data, size);
    }

private:
    std::map<std::string, Thumbnail *> cache_;
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
            unsigned char blank[16 * 512] = {0};
            cache.replace_pixels(thumb, blank, static_cast<std::size_t>(thumb->width) * thumb->height);
        }
        if (i % 2 == 0) {
            cache.evict(argv[i]);
        }
    }
    return 0;
}
