//! `terraform-provider-maia`: the Terraform/OpenTofu provider binary.
//!
//! Terraform starts it with the go-plugin handshake environment; a person can
//! run it with `--help`, `--version`, or `--debug` (to serve unmanaged and
//! attach Terraform with `TF_REATTACH_PROVIDERS`).

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use terraform_provider_maia::plugin::server::{self, Mode, DEFAULT_PROVIDER_ADDRESS};
use terraform_provider_maia::plugin::{handshake, logging};
use terraform_provider_maia::provider::MaiaProvider;

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve,
    Debug,
    Help,
    Version,
}

/// Parses the arguments (Go-style single-dash forms accepted too).
fn parse_args(args: &[String]) -> Result<Command, String> {
    let mut cmd = Command::Serve;
    for a in args {
        cmd = match a.as_str() {
            "-h" | "-help" | "--help" => return Ok(Command::Help),
            "-v" | "-version" | "--version" => return Ok(Command::Version),
            "-debug" | "--debug" => Command::Debug,
            other => return Err(format!("unknown argument {other:?}")),
        };
    }
    Ok(cmd)
}

fn usage() -> String {
    format!(
        "terraform-provider-maia {version}: the Terraform/OpenTofu provider for Matillion Maia.

This is a plugin: terraform or tofu starts it automatically. Declare the provider
`matillion/maia` in `required_providers` and run `terraform init`.

Usage:
  terraform-provider-maia [--debug]

Options:
  --debug     Serve without Terraform managing the process and print a
              TF_REATTACH_PROVIDERS value to paste into the shell that runs
              terraform; stop with Ctrl-C.
  --version   Print the version and the plugin protocol.
  --help      Print this help.

Logging: set TF_LOG_PROVIDER (or TF_LOG) to trace, debug, info, warn or error;
log lines are hclog JSON on stderr.",
        version = env!("CARGO_PKG_VERSION"),
    )
}

fn version() -> String {
    format!(
        "terraform-provider-maia {} (Terraform plugin protocol {})",
        env!("CARGO_PKG_VERSION"),
        handshake::APP_PROTOCOL_VERSION
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match parse_args(&args) {
        Ok(Command::Help) => return print_out(&usage()),
        Ok(Command::Version) => return print_out(&version()),
        Ok(Command::Serve) => Mode::Managed,
        Ok(Command::Debug) => Mode::Debug {
            provider_address: DEFAULT_PROVIDER_ADDRESS.to_owned(),
        },
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{e}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };

    // Refuse a hand-started managed run before spending anything on it.
    if mode == Mode::Managed {
        let cookie = std::env::var(handshake::MAGIC_COOKIE_KEY).ok();
        if let Err(e) = handshake::check_cookie(cookie.as_deref()) {
            let _ = writeln!(std::io::stderr(), "{e}");
            return ExitCode::from(1);
        }
    }

    logging::init_from_env();
    server::install_panic_hook();

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let provider = Arc::new(MaiaProvider::new());
    runtime.block_on(server::serve_mode(provider, mode))
}

fn print_out(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_flags() {
        assert_eq!(parse_args(&args(&[])), Ok(Command::Serve));
        assert_eq!(parse_args(&args(&["--debug"])), Ok(Command::Debug));
        assert_eq!(parse_args(&args(&["-debug"])), Ok(Command::Debug));
        assert_eq!(parse_args(&args(&["--version"])), Ok(Command::Version));
        assert_eq!(parse_args(&args(&["--debug", "--help"])), Ok(Command::Help));
        assert!(parse_args(&args(&["serve"])).is_err());
    }
}
