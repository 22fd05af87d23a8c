//! Serving a provider to Terraform: handshake, AutoMTLS, the gRPC services,
//! and the process lifecycle.
//!
//! Lifecycle rules (managed mode, i.e. started by Terraform):
//! - `GRPCController.Shutdown` → graceful stop, exit 0.
//! - SIGTERM → cancel in-flight provider work, graceful stop, exit 0.
//! - SIGINT → cancel in-flight provider work but keep serving: Ctrl-C in a
//!   terminal reaches the whole process group, and Terraform still needs the
//!   answers of the interrupted calls (the partial state of an apply) and
//!   ends the plugin itself afterwards. A second SIGINT stops the server.
//!   (go-plugin ignores SIGINT altogether.)
//! - The parent process going away (Terraform killed hard) → stop, so no
//!   orphan outlives it.
//!
//! A graceful stop waits at most [`SHUTDOWN_GRACE`] for in-flight calls. The
//! private socket directory is removed on every exit path that returns.
//!
//! Debug mode (`--debug`): no cookie, plaintext, and a `TF_REATTACH_PROVIDERS`
//! value is printed for the user; Shutdown is ignored and Ctrl-C (SIGINT) or
//! SIGTERM ends the process.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonic::service::RoutesBuilder;

use super::goplugin::{Broker, Controller, HealthService, ShutdownPolicy, Stdio};
use super::handshake::{self, HandshakeEnv, HandshakeError, ListenAddr};
use super::tls::{self, TlsError};
use super::traits::Provider;

/// Longest wait for in-flight calls once a stop has begun.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How often the parent process is checked for (managed mode).
pub const PARENT_POLL: Duration = Duration::from_millis(500);

/// The provider address used in the debug-mode reattach line.
pub const DEFAULT_PROVIDER_ADDRESS: &str = "registry.terraform.io/matillion/maia";

/// How the plugin was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Started by Terraform: cookie required, AutoMTLS when offered, handshake line.
    Managed,
    /// Started by a user for debugging: no cookie, plaintext, reattach line.
    Debug {
        /// The provider source address (e.g. `registry.terraform.io/matillion/maia`).
        provider_address: String,
    },
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The handshake environment was refused (wrong cookie, no protocol 6, bad ports).
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// AutoMTLS could not be set up.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// No listener could be bound.
    #[error(transparent)]
    Bind(#[from] handshake::BindError),
    /// Writing the handshake line failed (stdout closed).
    #[error("could not write the handshake to stdout: {0}")]
    Stdout(#[source] std::io::Error),
    /// The gRPC server failed.
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

impl ServeError {
    /// The process exit code for this error (1 for all, as go-plugin).
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(1)
    }
}

/// Cancels in-flight provider work (what `StopProvider` does).
pub type StopWork = Arc<dyn Fn() + Send + Sync>;

/// Adds the tfplugin6 `Provider` service for `provider` to `routes` and
/// returns the handle that cancels its in-flight calls.
fn mount_provider(routes: &mut RoutesBuilder, provider: Arc<dyn Provider>) -> StopWork {
    let service = super::grpc::ProviderService::new(provider);
    let stop = service.stop_handle();
    routes.add_service(service.into_server());
    Arc::new(move || stop.stop())
}

/// Serves `provider` to Terraform (managed mode) until Shutdown or a signal.
/// Handshake refusals are printed to stderr as plain sentences.
/// Returns the process exit code: 0 after a normal stop, 1 on any error.
pub async fn serve(provider: Arc<dyn Provider>) -> ExitCode {
    serve_mode(provider, Mode::Managed).await
}

/// Like [`serve`], in the given mode.
pub async fn serve_mode(provider: Arc<dyn Provider>, mode: Mode) -> ExitCode {
    match run(provider, mode, |k| std::env::var(k).ok()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "plugin stopped with an error");
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{e}");
            e.exit_code()
        }
    }
}

/// The whole plugin run, with the environment read through `env`.
pub async fn run(
    provider: Arc<dyn Provider>,
    mode: Mode,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(), ServeError> {
    let managed = mode == Mode::Managed;
    let hs = if managed {
        HandshakeEnv::parse(&env)?
    } else {
        HandshakeEnv {
            client_cert_pem: None,
            ..HandshakeEnv::parse_unmanaged(&env)?
        }
    };
    let mtls = tls::auto_mtls(hs.client_cert_pem.as_deref())?;
    let bound = handshake::bind(hs.socket_parent.as_deref(), hs.ports.clone())?;

    let shutdown = CancellationToken::new();
    let mut routes = RoutesBuilder::default();
    let stop_work = mount_provider(&mut routes, provider);
    let policy = if managed {
        ShutdownPolicy::Exit(shutdown.clone())
    } else {
        ShutdownPolicy::Ignore
    };
    routes
        .add_service(Controller::new(policy).into_service())
        .add_service(Stdio::new(shutdown.clone()).into_service())
        .add_service(Broker::new(shutdown.clone()).into_service())
        .add_service(HealthService::new(shutdown.clone()).into_service());

    // Watch signals before announcing, so a signal sent right after the
    // handshake line is handled rather than killing the process.
    let signals = Signals::install();
    let parent = parent_pid();
    let announce = match &mode {
        Mode::Managed => handshake::handshake_line(
            hs.protocol,
            &bound.addr,
            mtls.as_ref().map(|m| m.server_cert_der.as_ref()),
        ),
        Mode::Debug { provider_address } => {
            debug_banner(provider_address, hs.protocol, &bound.addr)
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let written = out
            .write_all(format!("{announce}\n").as_bytes())
            .and_then(|()| out.flush());
        match written {
            Ok(()) => {}
            // Terraform reads the handshake line: without it there is no plugin.
            Err(e) if managed => return Err(ServeError::Stdout(e)),
            // The debug banner is for a person; a closed stdout is no reason to stop.
            Err(e) => tracing::warn!(error = %e, "could not print the debug banner"),
        }
    }
    tracing::debug!(address = %bound.addr, tls = mtls.is_some(), "plugin serving");

    tokio::spawn(signals.watch(shutdown.clone(), stop_work.clone(), managed));
    if managed {
        tokio::spawn(watch_parent(parent, shutdown.clone(), stop_work.clone()));
    }

    let incoming = tls::incoming(bound.listener, mtls.map(|m| m.acceptor), shutdown.clone());
    let server = tonic::transport::Server::builder()
        .add_routes(routes.routes())
        .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());
    tokio::pin!(server);
    let grace = {
        let shutdown = shutdown.clone();
        async move {
            shutdown.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        }
    };
    let result = tokio::select! {
        r = &mut server => r.map_err(ServeError::from),
        () = grace => {
            tracing::warn!("in-flight calls did not finish within the grace period; exiting");
            Ok(())
        }
    };
    // Whatever ended the server, make sure provider work sees cancellation.
    stop_work();
    shutdown.cancel();
    drop(bound.socket_dir);
    tracing::debug!("plugin stopped");
    result
}

/// The reattach value and the text printed in debug mode.
pub fn reattach_json(provider_address: &str, protocol: u32, pid: u32, addr: &ListenAddr) -> String {
    let value = serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": protocol,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": addr.network(), "String": addr.to_string() },
        }
    });
    value.to_string()
}

fn debug_banner(provider_address: &str, protocol: u32, addr: &ListenAddr) -> String {
    let json = reattach_json(provider_address, protocol, std::process::id(), addr);
    format!(
        "Provider started in debug mode. To attach Terraform, set this in the shell that runs it:\n\n\
         \tTF_REATTACH_PROVIDERS='{json}'\n\n\
         Press Ctrl-C to stop the provider."
    )
}

/// The signals the plugin reacts to, registered up front.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    #[cfg(unix)]
    fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        let streams = match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(t), Ok(i)) => Some((t, i)),
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "cannot watch signals");
                None
            }
        };
        Self { streams }
    }

    #[cfg(not(unix))]
    fn install() -> Self {
        Self {}
    }

    /// SIGTERM stops; SIGINT cancels work and, unless managed and first, stops.
    #[cfg(unix)]
    async fn watch(self, shutdown: CancellationToken, stop_work: StopWork, managed: bool) {
        let Some((mut term, mut int)) = self.streams else {
            return;
        };
        let mut interrupts = 0u32;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = term.recv() => {
                    tracing::info!("SIGTERM: stopping");
                    stop_work();
                    shutdown.cancel();
                    return;
                }
                _ = int.recv() => {
                    interrupts += 1;
                    stop_work();
                    if !managed || interrupts > 1 {
                        tracing::info!("SIGINT: stopping");
                        shutdown.cancel();
                        return;
                    }
                    tracing::info!("SIGINT: cancelling in-flight work; Terraform ends the plugin");
                }
            }
        }
    }

    #[cfg(not(unix))]
    async fn watch(self, shutdown: CancellationToken, stop_work: StopWork, managed: bool) {
        let mut interrupts = 0u32;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                r = tokio::signal::ctrl_c() => {
                    if r.is_err() {
                        return;
                    }
                    interrupts += 1;
                    stop_work();
                    if !managed || interrupts > 1 {
                        shutdown.cancel();
                        return;
                    }
                }
            }
        }
    }
}

/// The parent process id, read before the handshake so a parent that dies
/// right after it is still noticed.
fn parent_pid() -> u32 {
    #[cfg(unix)]
    {
        std::os::unix::process::parent_id()
    }
    #[cfg(not(unix))]
    {
        0
    }
}

#[cfg(unix)]
async fn watch_parent(parent: u32, shutdown: CancellationToken, stop_work: StopWork) {
    let mut tick = tokio::time::interval(PARENT_POLL);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {
                if std::os::unix::process::parent_id() != parent {
                    tracing::warn!("parent process is gone: stopping");
                    stop_work();
                    shutdown.cancel();
                    return;
                }
            }
        }
    }
}

#[cfg(not(unix))]
async fn watch_parent(_parent: u32, shutdown: CancellationToken, _stop_work: StopWork) {
    shutdown.cancelled().await;
}

/// Installs a panic hook that never prints panic text or backtraces to
/// stderr (where Terraform would show them, and where they could carry
/// secrets); it logs a short error with the location instead.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(location = %location, "internal error (panic); the call was aborted");
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reattach_json_shape() {
        let addr = ListenAddr::Unix("/tmp/x/plugin.sock".into());
        let s = reattach_json(DEFAULT_PROVIDER_ADDRESS, 6, 4242, &addr);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        let p = &v["registry.terraform.io/matillion/maia"];
        assert_eq!(p["Protocol"], "grpc");
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Pid"], 4242);
        assert_eq!(p["Test"], true);
        assert_eq!(p["Addr"]["Network"], "unix");
        assert_eq!(p["Addr"]["String"], "/tmp/x/plugin.sock");
    }

    #[test]
    fn debug_banner_has_one_pasteable_line() {
        let addr = ListenAddr::Tcp("127.0.0.1:12345".parse().unwrap());
        let b = debug_banner("example.com/a/b", 6, &addr);
        let lines: Vec<&str> = b
            .lines()
            .filter(|l| l.contains("TF_REATTACH_PROVIDERS="))
            .collect();
        assert_eq!(lines.len(), 1);
        let json = lines[0]
            .trim()
            .strip_prefix("TF_REATTACH_PROVIDERS='")
            .and_then(|s| s.strip_suffix('\''))
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["example.com/a/b"]["Addr"]["Network"], "tcp");
    }
}
