//! The TCP accept loop (counting connections, honouring dropped-connection
//! faults, graceful shutdown) and the [`EmulatorHandle`].

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use super::app::{self, DropConnection, Shared, ADMIN_PREFIX, TOKEN_PATH};
use super::config::EmulatorConfig;
use super::error::EmulatorError;
use super::faults::FaultConfig;
use super::model::{StoredConnection, StoredOverride};
use super::request_log::LoggedRequest;
use super::store::Store;

/// How long shutdown waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running emulator. Dropping the handle does not stop the server (it
/// runs until its runtime ends); call [`EmulatorHandle::shutdown`] to stop it.
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    scheme: &'static str,
    shared: Arc<Shared>,
    cancel: CancellationToken,
    join: Option<JoinHandle<()>>,
}

/// Error returned to hyper to make it close the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct DroppedByFault;

/// Starts an emulator on 127.0.0.1 (`config.port`, 0 = any free port),
/// loading `config.state_file` if it exists.
pub async fn spawn(config: EmulatorConfig) -> Result<EmulatorHandle, EmulatorError> {
    config.faults.validate().map_err(EmulatorError::Config)?;
    let tls = match &config.tls {
        Some((cert, key)) => Some(tls_acceptor(cert, key)?),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let store = Store::open(config.state_file.clone())?;
    let port = config.port;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| EmulatorError::Bind { port, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind { port, source })?;
    let shared = Arc::new(Shared::new(config, store));
    let router = app::router(shared.clone());
    let cancel = CancellationToken::new();
    let join = tokio::spawn(accept_loop(
        listener,
        tls,
        router,
        shared.clone(),
        cancel.clone(),
    ));
    Ok(EmulatorHandle {
        addr,
        scheme,
        shared,
        cancel,
        join: Some(join),
    })
}

/// A TLS acceptor for the PEM certificate chain `cert_pem` and key `key_pem`.
fn tls_acceptor(cert_pem: &str, key_pem: &str) -> Result<tokio_rustls::TlsAcceptor, EmulatorError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let bad =
        |what: &str, e: &dyn std::fmt::Display| EmulatorError::Config(format!("tls: {what}: {e}"));
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| bad("certificate PEM", &e))?;
    if certs.is_empty() {
        return Err(EmulatorError::Config(
            "tls: no certificate in the certificate PEM".to_string(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| bad("key PEM", &e))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("protocol versions", &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad("certificate and key", &e))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
    shared: Arc<Shared>,
    cancel: CancellationToken,
) {
    let tracker = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!("emulator accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        shared.connections_opened.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let cancel = cancel.clone();
        match &tls {
            None => {
                tracker.spawn(serve_connection(stream, router, cancel));
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                tracker.spawn(async move {
                    // A failed handshake (e.g. a client refusing the
                    // certificate) just ends this connection.
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(tls_stream)) => serve_connection(tls_stream, router, cancel).await,
                        Ok(Err(e)) => tracing::debug!("emulator TLS handshake failed: {e}"),
                        Err(_) => tracing::debug!("emulator TLS handshake timed out"),
                    }
                });
            }
        }
    }
    drop(listener);
    tracker.close();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait()).await;
}

async fn serve_connection<S>(stream: S, router: Router, cancel: CancellationToken)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let router = router.clone();
        async move {
            let resp = match router.oneshot(req.map(axum::body::Body::new)).await {
                Ok(resp) => resp,
                Err(never) => match never {},
            };
            if resp.extensions().get::<DropConnection>().is_some() {
                Err(DroppedByFault)
            } else {
                Ok(resp)
            }
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30));
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = cancel.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

impl EmulatorHandle {
    /// The socket address the emulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the emulator listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// API base URL, `http://127.0.0.1:PORT/dpc` (`https://` when serving
    /// TLS; paths like `/v1/projects/...` go after it).
    pub fn base_url(&self) -> String {
        format!("{}://127.0.0.1:{}/dpc", self.scheme, self.addr.port())
    }

    /// OAuth token URL, `http://127.0.0.1:PORT/oauth/dpc/token` (or `https://`).
    pub fn token_url(&self) -> String {
        format!(
            "{}://127.0.0.1:{}{TOKEN_PATH}",
            self.scheme,
            self.addr.port()
        )
    }

    /// Admin base URL, `http://127.0.0.1:PORT/_emulator` (or `https://`).
    pub fn admin_url(&self) -> String {
        format!(
            "{}://127.0.0.1:{}{ADMIN_PREFIX}",
            self.scheme,
            self.addr.port()
        )
    }

    /// The first configured static token, if any (handy for tests).
    pub fn static_token(&self) -> Option<String> {
        self.shared.config.tokens.first().cloned()
    }

    /// API requests logged since the last clear, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.entries()
    }

    /// Clears the request log.
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// Replaces the injected faults (counts restart).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.shared.faults.set(faults);
    }

    /// The current faults, with remaining counts.
    pub fn faults(&self) -> FaultConfig {
        self.shared.faults.get()
    }

    /// The project's connections as API response objects, sorted by name.
    pub fn connections(&self, project_id: &str) -> Vec<Value> {
        self.shared.store.read(|s| {
            s.projects
                .get(project_id)
                .map(|p| p.values().map(StoredConnection::to_response).collect())
                .unwrap_or_default()
        })
    }

    /// The project's environment overrides as API response objects,
    /// sorted by environment then connection name.
    pub fn overrides(&self, project_id: &str) -> Vec<Value> {
        self.shared.store.read(|s| {
            s.overrides
                .get(project_id)
                .map(|envs| {
                    envs.values()
                        .flat_map(|conns| conns.values())
                        .map(StoredOverride::to_response)
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// Requests received by the token endpoint.
    pub fn token_requests(&self) -> usize {
        usize::try_from(self.shared.token_requests.load(Ordering::Relaxed)).unwrap_or(usize::MAX)
    }

    /// TCP connections accepted since start.
    pub fn connections_opened(&self) -> usize {
        usize::try_from(self.shared.connections_opened.load(Ordering::Relaxed))
            .unwrap_or(usize::MAX)
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), and
    /// returns when the server has stopped. State is already on disk: every
    /// mutation is persisted before it is answered.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(join) = self.join.take() {
            let _ = join.await;
        }
    }
}
