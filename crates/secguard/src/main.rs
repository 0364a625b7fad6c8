//! The `secguard` binary: everything lives in the library, see [`secguard::run`].

fn main() -> std::process::ExitCode {
    secguard::run(std::env::args_os())
}
