// matrix_worker.cpp - worker that processes matrix jobs submitted through
// the web front end. Each job arrives on stdin as one line:
//   INPUT_NAME ROWS COLS DIVISOR
// The worker loads ROWS*COLS integers from the named input file, divides
// every cell by DIVISOR, and prints the row sums and (for square matrices)
// the trace.
//
// Fixed version: the input path is canonicalized and must stay inside the
// input directory, the dimensions are bounded so their product cannot
// overflow and the cells live in a std::vector, a zero divisor is rejected,
// and the trace is only computed and printed for square matrices.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace {

namespace fs = std::filesystem;

const char *const kInputDir = "/var/lib/matrix-worker/inputs";
const long kMaxCellMagnitude = 1000000000L;
const int kMaxDimension = 4096;

// Resolve `name` under the input directory; empty if it would escape it.
fs::path resolve_input(const std::string &name)
{
    std::error_code ec;
    const fs::path base = fs::canonical(kInputDir, ec);
    if (ec || name.empty()) {
        return {};
    }
    const fs::path candidate = fs::weakly_canonical(base / name, ec);
    if (ec) {
        return {};
    }
    const fs::path relative = candidate.lexically_relative(base);
    if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") {
        return {};
    }
    return candidate;
}

void process_job(const std::string &job)
{
    std::istringstream fields(job);
    std::string name;
    int rows = 0;
    int cols = 0;
    long divisor = 1;
    if (!(fields >> name >> rows >> cols >> divisor) || rows <= 0 || cols <= 0 || rows > kMaxDimension ||
        cols > kMaxDimension || divisor == 0) {
        std::cout << "bad job\n";
        return;
    }

    const fs::path path = resolve_input(name);
    if (path.empty()) {
        std::cout << "bad input name\n";
        return;
    }
    std::unique_ptr<FILE, int (*)(FILE *)> fp(std::fopen(path.c_str(), "r"), &std::fclose);
    if (!fp) {
        std::cout << "cannot open input\n";
        return;
    }

    std::vector<long> cells(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
    for (long &cell : cells) {
        long value = 0;
        if (std::fscanf(fp.get(), "%ld", &value) != 1 || value > kMaxCellMagnitude || value < -kMaxCellMagnitude) {
            value = 0;
        }
        cell = value / divisor;
    }

    for (int r = 0; r < rows; ++r) {
        long sum = 0;
        for (int c = 0; c < cols; ++c) {
            sum += cells[static_cast<std::size_t>(r) * cols + c];
        }
        std::cout << "row " << r << ": " << sum << "\n";
    }

    if (rows == cols) {
        long trace = 0;
        for (int d = 0; d < rows; ++d) {
            trace += cells[static_cast<std::size_t>(d) * cols + d];
        }
        std::cout << "trace: " << trace << "\n";
    } else {
        std::cout << "trace: n/a (not square)\n";
    }
}

} // namespace

int main()
{
    std::string job;
    while (std::getline(std::cin, job)) {
        process_job(job);
    }
    return 0;
}
