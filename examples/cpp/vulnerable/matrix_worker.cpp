// matrix_worker.cpp - worker that processes matrix jobs submitted through
// the web front end. Each job arrives on stdin as one line:
//   INPUT_NAME ROWS COLS DIVISOR
// The worker loads ROWS*COLS integers from the named input file, divides
// every cell by DIVISOR, and prints the row sums and (for square matrices)
// the trace.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

namespace {

const char *const kInputDir = "/var/lib/matrix-worker/inputs";
const long kMaxCellMagnitude = 1000000000L;

void process_job(const std::string &job)
{
    std::istringstream fields(job);
    std::string name;
    int rows = 0;
    int cols = 0;
    long divisor = 1;
    if (!(fields >> name >> rows >> cols >> divisor) || rows <= 0 || cols <= 0) {
        std::cout << "bad job\n";
        return;
    }

    std::string path = std::string(kInputDir) + "/" + name;
    FILE *fp = std::fopen(path.c_str(), "r"); // expect: CWE-22
    if (fp == nullptr) {
        std::cout << "cannot open input\n";
        return;
    }

    long *cells = static_cast<long *>(std::malloc(rows * cols * sizeof(long))); // expect: CWE-190, CWE-680
    if (cells == nullptr) {
        std::fclose(fp);
        std::cout << "out of memory\n";
        return;
    }
    for (long i = 0; i < static_cast<long>(rows) * cols; ++i) {
        long value = 0;
        if (std::fscanf(fp, "%ld", &value) != 1 || value > kMaxCellMagnitude || value < -kMaxCellMagnitude) {
            value = 0;
        }
        cells[i] = value / divisor; // expect: CWE-369
    }
    std::fclose(fp);

    for (int r = 0; r < rows; ++r) {
        long sum = 0;
        for (int c = 0; c < cols; ++c) {
            sum += cells[static_cast<long>(r) * cols + c];
        }
        std::cout << "row " << r << ": " << sum << "\n";
    }

    long trace;
    if (rows == cols) {
        trace = 0;
        for (int d = 0; d < rows; ++d) {
            trace += cells[static_cast<long>(d) * cols + d];
        }
    }
    std::cout << "trace: " << trace << "\n"; // expect: CWE-457
    std::free(cells);
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
