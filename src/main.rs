//! `procsim`: the command line (see [`cli`]). A puppet of the kernel
//! harness that came back from `exec` is this same program, and never
//! reaches the command line.

mod cli;

fn main() -> std::process::ExitCode {
    procsim::harness::enter_puppet_if_requested();
    cli::main()
}
