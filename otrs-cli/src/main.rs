//! The `otrs` binary; everything happens in the library.

fn main() -> std::process::ExitCode {
    otrs_cli::main()
}
