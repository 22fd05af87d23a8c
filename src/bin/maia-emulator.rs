//! `maia-emulator`: runs the local Maia connections API emulator.
//!
//! Prints the base URL as the first stdout line, serves until SIGINT or
//! SIGTERM, then exits 0. See `--help` for flags.

use std::io::Write;
use std::process::ExitCode;

use terraform_provider_maia::emulator::{self, cli};

fn main() -> ExitCode {
    let cfg = match cli::parse_args(std::env::args().skip(1)) {
        Ok(cli::Command::Help) => {
            print!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(cli::Command::Run(cfg)) => *cfg,
        Err(msg) => {
            eprintln!("maia-emulator: {msg}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("maia-emulator: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cfg))
}

async fn run(cfg: emulator::EmulatorConfig) -> ExitCode {
    let handle = match emulator::spawn(cfg).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("maia-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{}", handle.base_url())
            .and_then(|_| out.flush())
            .is_err()
        {
            eprintln!("maia-emulator: cannot write to stdout");
        }
    }
    eprintln!(
        "maia-emulator: serving {} (token URL {}, admin {})",
        handle.base_url(),
        handle.token_url(),
        handle.admin_url()
    );
    if let Err(e) = wait_for_signal().await {
        eprintln!("maia-emulator: cannot listen for signals: {e}");
        handle.shutdown().await;
        return ExitCode::FAILURE;
    }
    handle.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(unix)]
async fn wait_for_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_signal() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
