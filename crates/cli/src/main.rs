//! `dam-staging`: HCL DX DAM staging mismatch and resync from the command line, with DXClient's
//! command names and flags (`dam-staging manage-dam-staging find-staging-mismatch -hostname …`).

mod args;
mod commands;
mod conn;
mod exit;
mod failure;
mod output;
mod register;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let argv = args::normalise_args(std::env::args());
    let cli = match args::Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    exit::OK
                }
                _ => exit::USAGE,
            });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dam-staging: cannot start: {e}");
            return ExitCode::from(exit::OTHER);
        }
    };
    let args::Group::ManageDamStaging { command } = cli.group;
    ExitCode::from(runtime.block_on(commands::run(command)))
}
