//! A test client that starts the provider binary exactly as Terraform does
//! and talks gRPC to it over the announced socket with AutoMTLS.
//!
//! ```ignore
//! mod support;
//! use support::plugin_client::PluginProcess;
//!
//! let plugin = PluginProcess::spawn(env!("CARGO_BIN_EXE_terraform-provider-maia"), &[]);
//! let channel = plugin.channel().await.unwrap();
//! ```
#![allow(dead_code)]

use std::future::Future;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use terraform_provider_maia::plugin::handshake::{
    parse_handshake_line, HandshakeLine, ListenAddr, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tonic::codegen::http::Uri;
use tonic::codegen::Service;
use tonic::transport::{Channel, Endpoint};

/// The provider binary under test: `$MAIA_PROVIDER_BIN` if set (useful when
/// several worktrees share one target directory and overwrite each other's
/// `target/debug/terraform-provider-maia`), else the one cargo built.
pub fn provider_bin() -> String {
    std::env::var("MAIA_PROVIDER_BIN")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_terraform-provider-maia").to_owned())
}

/// How long to wait for the handshake line.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);

/// A client certificate like Terraform's: self-signed, CA-flagged ECDSA P-521.
#[derive(Debug, Clone)]
pub struct ClientCert {
    /// PEM, as put in `PLUGIN_CLIENT_CERT`.
    pub cert_pem: String,
    /// DER of the certificate.
    pub cert_der: CertificateDer<'static>,
    /// PKCS#8 DER of the private key.
    pub key_der: Vec<u8>,
}

impl ClientCert {
    /// Generates a fresh certificate.
    pub fn generate() -> Self {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512)
            .expect("P-521 key generation");
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .expect("certificate params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "HashiCorp");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key).expect("self-signed certificate");
        Self {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }
}

/// What to change in the environment Terraform would give the plugin.
#[derive(Debug, Clone, Default)]
pub struct SpawnOptions {
    /// Extra or overriding variables.
    pub env: Vec<(String, String)>,
    /// Variables to remove (e.g. `PLUGIN_CLIENT_CERT` for plaintext).
    pub remove: Vec<String>,
    /// Command-line arguments.
    pub args: Vec<String>,
}

/// A running provider process, handshake done.
pub struct PluginProcess {
    child: Option<Child>,
    /// The parsed handshake line.
    pub handshake: HandshakeLine,
    /// The raw handshake line.
    pub handshake_raw: String,
    /// The client certificate given in `PLUGIN_CLIENT_CERT` (if any).
    pub client_cert: Option<ClientCert>,
    /// Time from spawn to the handshake line.
    pub startup: Duration,
    stderr: Arc<Mutex<String>>,
}

/// Collects a pipe into a shared string on a thread.
fn collect(mut r: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let buf = Arc::new(Mutex::new(String::new()));
    let out = buf.clone();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            if let Ok(mut g) = out.lock() {
                g.push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        }
    });
    buf
}

/// The environment Terraform sets for a plugin (plus a fresh client cert).
pub fn terraform_env(cert: Option<&ClientCert>) -> Vec<(String, String)> {
    let mut env = vec![
        (MAGIC_COOKIE_KEY.to_owned(), MAGIC_COOKIE_VALUE.to_owned()),
        ("PLUGIN_PROTOCOL_VERSIONS".to_owned(), "6,5".to_owned()),
        ("PLUGIN_MIN_PORT".to_owned(), "10000".to_owned()),
        ("PLUGIN_MAX_PORT".to_owned(), "25000".to_owned()),
    ];
    if let Some(c) = cert {
        env.push(("PLUGIN_CLIENT_CERT".to_owned(), c.cert_pem.clone()));
    }
    env
}

/// Builds the command Terraform would run (stdio piped, env cleared of TF_LOG).
pub fn terraform_command(bin: &str, cert: Option<&ClientCert>, opts: &SpawnOptions) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(&opts.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER");
    for (k, v) in terraform_env(cert) {
        cmd.env(k, v);
    }
    for (k, v) in &opts.env {
        cmd.env(k, v);
    }
    for k in &opts.remove {
        cmd.env_remove(k);
    }
    cmd
}

impl PluginProcess {
    /// Starts `bin` like Terraform, with a fresh P-521 client certificate and
    /// `extra_env` on top; waits for and parses the handshake line. Panics
    /// (test failure) if the plugin does not hand-shake.
    pub fn spawn(bin: &str, extra_env: &[(&str, &str)]) -> Self {
        let opts = SpawnOptions {
            env: extra_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..SpawnOptions::default()
        };
        Self::spawn_with(bin, opts)
    }

    /// Like [`PluginProcess::spawn`] with full control. If `opts.remove`
    /// contains `PLUGIN_CLIENT_CERT`, no client certificate is generated.
    pub fn spawn_with(bin: &str, opts: SpawnOptions) -> Self {
        let plaintext = opts.remove.iter().any(|k| k == "PLUGIN_CLIENT_CERT");
        let cert = (!plaintext).then(ClientCert::generate);
        let start = Instant::now();
        let mut child = terraform_command(bin, cert.as_ref(), &opts)
            .spawn()
            .expect("spawn provider binary");
        let stdout = child.stdout.take().expect("stdout piped");
        let stderr = collect(child.stderr.take().expect("stderr piped"));
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            if reader.read_line(&mut line).is_ok() {
                let _ = tx.send(line);
            }
            // Keep draining so the plugin never blocks on a full pipe.
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        let line = match rx.recv_timeout(HANDSHAKE_TIMEOUT) {
            Ok(l) if !l.is_empty() => l,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                let err = stderr.lock().map(|s| s.clone()).unwrap_or_default();
                panic!("no handshake line ({other:?}); stderr: {err}");
            }
        };
        let startup = start.elapsed();
        let handshake = parse_handshake_line(&line).expect("parse handshake line");
        Self {
            child: Some(child),
            handshake,
            handshake_raw: line.trim_end().to_owned(),
            client_cert: cert,
            startup,
            stderr,
        }
    }

    /// A client-only view of a plugin started elsewhere (e.g. in debug mode):
    /// no process is owned, no client certificate is presented.
    pub fn view(handshake: HandshakeLine) -> Self {
        Self {
            child: None,
            handshake_raw: String::new(),
            handshake,
            client_cert: None,
            startup: Duration::ZERO,
            stderr: Arc::new(Mutex::new(String::new())),
        }
    }

    /// The plugin's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The unix socket path, if the plugin listens on one.
    pub fn socket_path(&self) -> Option<&Path> {
        match &self.handshake.addr {
            ListenAddr::Unix(p) => Some(p),
            ListenAddr::Tcp(_) => None,
        }
    }

    /// The private directory holding the socket.
    pub fn socket_dir(&self) -> Option<PathBuf> {
        self.socket_path()
            .and_then(|p| p.parent().map(Path::to_path_buf))
    }

    /// Everything the plugin wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// A channel authenticated with the certificate given to the plugin.
    pub async fn channel(&self) -> Result<Channel, tonic::transport::Error> {
        self.channel_as(self.client_cert.as_ref()).await
    }

    /// A channel presenting `cert` (or no certificate), trusting only the
    /// handshake's server certificate for the name `localhost`. If the
    /// handshake announced no certificate, the channel is plaintext.
    pub async fn channel_as(
        &self,
        cert: Option<&ClientCert>,
    ) -> Result<Channel, tonic::transport::Error> {
        let tls = self.handshake.server_cert_der.as_ref().map(|server| {
            tokio_rustls::TlsConnector::from(Arc::new(client_tls_config(
                &CertificateDer::from(server.clone()),
                cert,
            )))
        });
        let connector = PluginConnector {
            addr: self.handshake.addr.clone(),
            tls,
        };
        Endpoint::from_static("http://localhost")
            .connect_timeout(Duration::from_secs(10))
            .connect_with_connector(connector)
            .await
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                _ => return None,
            }
        }
    }

    /// Sends a signal by name (`TERM`, `INT`, ...) with the `kill` utility.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }
}

impl Drop for PluginProcess {
    /// Stops the plugin: SIGTERM, then SIGKILL if it is still running after a
    /// short wait (a test's own runtime may be blocked here and unable to
    /// answer the server's graceful-shutdown ping), then removes a socket
    /// directory the kill left behind.
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_millis(300);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = child.kill();
        }
        let _ = child.wait();
        if let Some(dir) = self.socket_dir() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// rustls client config like go-plugin's: the server certificate as the only
/// root, and the given client certificate (if any).
pub fn client_tls_config(
    server_cert: &CertificateDer<'static>,
    cert: Option<&ClientCert>,
) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(server_cert.clone())
        .expect("server certificate usable as root");
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots);
    let mut config = match cert {
        Some(c) => builder
            .with_client_auth_cert(
                vec![c.cert_der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(c.key_der.clone())),
            )
            .expect("client certificate"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    config
}

/// Any stream the connector returns.
pub trait ClientIo: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> ClientIo for T {}

/// Connects to the announced address, with TLS if configured.
#[derive(Clone)]
struct PluginConnector {
    addr: ListenAddr,
    tls: Option<tokio_rustls::TlsConnector>,
}

type ConnectFuture =
    Pin<Box<dyn Future<Output = std::io::Result<TokioIo<Box<dyn ClientIo>>>> + Send>>;

impl Service<Uri> for PluginConnector {
    type Response = TokioIo<Box<dyn ClientIo>>;
    type Error = std::io::Error;
    type Future = ConnectFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        let addr = self.addr.clone();
        let tls = self.tls.clone();
        Box::pin(async move {
            let raw: Box<dyn ClientIo> = match &addr {
                ListenAddr::Unix(p) => Box::new(tokio::net::UnixStream::connect(p).await?),
                ListenAddr::Tcp(a) => Box::new(tokio::net::TcpStream::connect(a).await?),
            };
            let io: Box<dyn ClientIo> = match tls {
                None => raw,
                Some(connector) => {
                    let name = ServerName::try_from("localhost")
                        .map_err(|e| std::io::Error::other(e.to_string()))?;
                    Box::new(connector.connect(name, raw).await?)
                }
            };
            Ok(TokioIo::new(io))
        })
    }
}
