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
    // Install signal handlers before announcing the URL: a SIGTERM sent right
    // after the first line must reach our handler, not the default action.
    let signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("maia-emulator: cannot listen for signals: {e}");
            return ExitCode::FAILURE;
        }
    };
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
    signals.wait().await;
    handle.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM listeners.
#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

/// Ctrl-C listener.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> std::io::Result<Self> {
        Ok(Signals)
    }

    async fn wait(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
