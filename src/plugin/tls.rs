//! go-plugin AutoMTLS, done strictly.
//!
//! Terraform puts its client certificate (PEM) in `PLUGIN_CLIENT_CERT`. The
//! plugin generates a fresh server certificate on every start, announces its
//! DER in the handshake line, and accepts TLS connections only from a client
//! presenting exactly the certificate Terraform gave it.
//!
//! Terraform's certificate is a self-signed, CA-flagged ECDSA P-521
//! certificate. WebPKI chain validation refuses a CA certificate as an end
//! entity, and rustls' ring backend cannot verify P-521 at all, so this module
//! pins the certificate by its exact DER and checks handshake signatures with
//! the aws-lc-rs provider's algorithms (which include P-521). Any other client,
//! or a client with no certificate, fails the TLS handshake.
//!
//! The accepted streams (TLS or plaintext) are fed to tonic as
//! [`PluginConn`]s through [`incoming`].

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::handshake::Listener;

/// How long a client gets to complete the TLS handshake.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// TLS setup failures.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `PLUGIN_CLIENT_CERT` holds no parseable PEM certificate.
    #[error("PLUGIN_CLIENT_CERT does not contain a PEM certificate: {0}")]
    BadClientCert(String),
    /// The server certificate could not be generated.
    #[error("could not generate the server certificate: {0}")]
    CertGeneration(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("could not configure TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// The aws-lc-rs crypto provider used on both sides.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A freshly generated server identity: certificate and private key.
pub struct ServerIdentity {
    /// The certificate DER (announced in the handshake line).
    pub cert_der: CertificateDer<'static>,
    /// The PKCS#8 private key.
    pub key_der: PrivateKeyDer<'static>,
}

impl fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("cert_der_len", &self.cert_der.len())
            .finish_non_exhaustive()
    }
}

/// Generates a server certificate for this process: ECDSA P-256 (fast to make),
/// self-signed, SAN `localhost`, usable for server and client auth.
///
/// It is deliberately not CA-flagged: Go accepts a leaf that is itself in the
/// root pool, and rustls/WebPKI clients (our tests) can use it as a trust anchor
/// for itself.
pub fn generate_server_identity() -> Result<ServerIdentity, TlsError> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.not_before = rcgen::date_time_ymd(2000, 1, 1);
    params.not_after = rcgen::date_time_ymd(2099, 12, 31);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(&key)?;
    Ok(ServerIdentity {
        cert_der: cert.der().clone(),
        key_der: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// Parses the first certificate from a PEM string (`PLUGIN_CLIENT_CERT`).
pub fn parse_client_cert_pem(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| TlsError::BadClientCert(e.to_string()))
}

/// Accepts exactly one client certificate, byte for byte, and checks the
/// handshake signatures made with its key. Client authentication is mandatory.
pub struct PinnedClientCertVerifier {
    pinned: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCertVerifier {
    /// Pins `cert`; signatures are checked with `provider`'s algorithms.
    pub fn new(cert: CertificateDer<'static>, provider: &CryptoProvider) -> Self {
        Self {
            pinned: cert,
            algorithms: provider.signature_verification_algorithms,
        }
    }

    fn check_pinned(&self, cert: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        if cert.as_ref() == self.pinned.as_ref() {
            Ok(())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }
}

impl fmt::Debug for PinnedClientCertVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinnedClientCertVerifier")
            .field("pinned_len", &self.pinned.len())
            .finish_non_exhaustive()
    }
}

impl ClientCertVerifier for PinnedClientCertVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: Go's client then offers its (only) certificate.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // Terraform sends its single self-signed certificate; anything else
        // in the chain is not what it would send.
        if !intermediates.is_empty() {
            tracing::debug!(
                count = intermediates.len(),
                "client sent intermediates; ignoring them"
            );
        }
        self.check_pinned(end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.check_pinned(cert)?;
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.check_pinned(cert)?;
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The server-side TLS material for one plugin run.
#[derive(Clone)]
pub struct AutoMtls {
    /// The acceptor for incoming connections.
    pub acceptor: TlsAcceptor,
    /// The server certificate DER (for the handshake line).
    pub server_cert_der: CertificateDer<'static>,
}

impl fmt::Debug for AutoMtls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutoMtls").finish_non_exhaustive()
    }
}

/// Builds the rustls server config: TLS 1.2/1.3, ALPN `h2` (grpc-go insists on
/// it), the given identity, and the pinned client certificate required.
pub fn server_config(
    identity: ServerIdentity,
    client_cert: CertificateDer<'static>,
) -> Result<rustls::ServerConfig, TlsError> {
    let provider = crypto_provider();
    let verifier = Arc::new(PinnedClientCertVerifier::new(client_cert, &provider));
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![identity.cert_der], identity.key_der)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Sets up AutoMTLS from `PLUGIN_CLIENT_CERT`'s value: `None` means plaintext
/// (as in go-plugin); a certificate means a fresh server identity and a
/// pinned, mandatory client certificate.
pub fn auto_mtls(client_cert_pem: Option<&str>) -> Result<Option<AutoMtls>, TlsError> {
    let Some(pem) = client_cert_pem else {
        return Ok(None);
    };
    let client_cert = parse_client_cert_pem(pem)?;
    let identity = generate_server_identity()?;
    let server_cert_der = identity.cert_der.clone();
    let config = server_config(identity, client_cert)?;
    Ok(Some(AutoMtls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        server_cert_der,
    }))
}

/// Any bidirectional byte stream tonic can serve.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// One accepted connection (TLS or plaintext, unix or TCP), ready for tonic.
pub struct PluginConn(Box<dyn Io>);

impl PluginConn {
    /// Wraps a stream.
    pub fn new(io: impl Io) -> Self {
        Self(Box::new(io))
    }
}

impl fmt::Debug for PluginConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PluginConn")
    }
}

impl AsyncRead for PluginConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for PluginConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

impl tonic::transport::server::Connected for PluginConn {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

async fn accept_raw(listener: &Listener) -> io::Result<PluginConn> {
    match listener {
        #[cfg(unix)]
        Listener::Unix(l) => {
            let (s, _) = l.accept().await?;
            Ok(PluginConn::new(s))
        }
        Listener::Tcp(l) => {
            let (s, _) = l.accept().await?;
            // Small gRPC frames: do not wait for Nagle.
            let _ = s.set_nodelay(true);
            Ok(PluginConn::new(s))
        }
    }
}

/// Accepts connections on `listener` until `stop` is cancelled, runs the TLS
/// handshake on each (concurrently, with a timeout) when `tls` is set, and
/// yields the ones that succeed. Failed handshakes are logged and dropped;
/// they never end the stream. The listener is closed when `stop` fires.
pub fn incoming(
    listener: Listener,
    tls: Option<TlsAcceptor>,
    stop: CancellationToken,
) -> ReceiverStream<io::Result<PluginConn>> {
    let (tx, rx) = mpsc::channel::<io::Result<PluginConn>>(8);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = stop.cancelled() => break,
                r = accept_raw(&listener) => r,
            };
            let conn = match accepted {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    // Avoid a hot loop on e.g. EMFILE.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match &tls {
                None => {
                    if tx.send(Ok(conn)).await.is_err() {
                        break;
                    }
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let handshake =
                            tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(conn));
                        match handshake.await {
                            Ok(Ok(stream)) => {
                                let _ = tx.send(Ok(PluginConn::new(stream))).await;
                            }
                            Ok(Err(e)) => {
                                tracing::warn!(error = %e, "TLS handshake refused");
                            }
                            Err(_) => tracing::warn!("TLS handshake timed out"),
                        }
                    });
                }
            }
        }
        drop(listener);
    });
    ReceiverStream::new(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p521_ca_cert() -> (rcgen::Certificate, rcgen::KeyPair) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        (params.self_signed(&key).unwrap(), key)
    }

    #[test]
    fn server_identity_is_fresh_each_time() {
        let a = generate_server_identity().unwrap();
        let b = generate_server_identity().unwrap();
        assert_ne!(a.cert_der.as_ref(), b.cert_der.as_ref());
        assert!(a.cert_der.len() > 100);
    }

    #[test]
    fn pem_parse_accepts_cert_and_rejects_junk() {
        let (cert, _) = p521_ca_cert();
        let der = parse_client_cert_pem(&cert.pem()).unwrap();
        assert_eq!(der.as_ref(), cert.der().as_ref());
        assert!(matches!(
            parse_client_cert_pem("not a pem"),
            Err(TlsError::BadClientCert(_))
        ));
    }

    #[test]
    fn verifier_pins_exact_der() {
        let (cert, _) = p521_ca_cert();
        let (other, _) = p521_ca_cert();
        let v = PinnedClientCertVerifier::new(cert.der().clone(), &crypto_provider());
        assert!(v.client_auth_mandatory());
        assert!(v.offer_client_auth());
        let now = UnixTime::now();
        assert!(v.verify_client_cert(cert.der(), &[], now).is_ok());
        assert!(v.verify_client_cert(other.der(), &[], now).is_err());
        // Same cert with one flipped byte is refused too.
        let mut tampered = cert.der().to_vec();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(v
            .verify_client_cert(&CertificateDer::from(tampered), &[], now)
            .is_err());
    }

    #[test]
    fn verifier_supports_p521() {
        let v = PinnedClientCertVerifier::new(CertificateDer::from(vec![1]), &crypto_provider());
        assert!(v
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }

    /// A rustls client like Terraform's: trusts only the server cert, name
    /// `localhost`, presents `client` (or nothing).
    fn client_config(
        server_cert: &CertificateDer<'static>,
        client: Option<(&rcgen::Certificate, &rcgen::KeyPair)>,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(server_cert.clone()).unwrap();
        let builder = rustls::ClientConfig::builder_with_provider(crypto_provider())
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots);
        let mut cfg = match client {
            // A resolver rather than `with_client_auth_cert`, which would
            // refuse a key that does not match the certificate.
            Some((cert, key)) => {
                let signing = crypto_provider()
                    .key_provider
                    .load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                        key.serialize_der(),
                    )))
                    .unwrap();
                let ck = rustls::sign::CertifiedKey::new(vec![cert.der().clone()], signing);
                builder.with_client_cert_resolver(Arc::new(FixedClientCert(Arc::new(ck))))
            }
            None => builder.with_no_client_auth(),
        };
        cfg.alpn_protocols = vec![b"h2".to_vec()];
        cfg
    }

    #[derive(Debug)]
    struct FixedClientCert(Arc<rustls::sign::CertifiedKey>);

    impl rustls::client::ResolvesClientCert for FixedClientCert {
        fn resolve(
            &self,
            _hints: &[&[u8]],
            _schemes: &[SignatureScheme],
        ) -> Option<Arc<rustls::sign::CertifiedKey>> {
            Some(self.0.clone())
        }
        fn has_certs(&self) -> bool {
            true
        }
    }

    /// Runs one handshake over an in-memory pipe; returns the server's verdict.
    async fn handshake(
        pinned: &rcgen::Certificate,
        client: Option<(&rcgen::Certificate, &rcgen::KeyPair)>,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Result<(), String> {
        let mtls = auto_mtls(Some(&pinned.pem())).unwrap().unwrap();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(
            &mtls.server_cert_der,
            client,
            versions,
        )));
        let (c, s) = tokio::io::duplex(64 * 1024);
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let client_side = async move {
            use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
            let mut tls = connector
                .connect(name, c)
                .await
                .map_err(|e| e.to_string())?;
            // TLS 1.3 client auth failures surface on first read.
            tls.write_all(b"ping").await.map_err(|e| e.to_string())?;
            let mut buf = [0u8; 4];
            tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
            Ok::<_, String>(buf)
        };
        let server_side = async move {
            use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
            let mut tls = mtls.acceptor.accept(s).await.map_err(|e| e.to_string())?;
            assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
            let mut buf = [0u8; 4];
            tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
            tls.write_all(b"pong").await.map_err(|e| e.to_string())?;
            tls.flush().await.map_err(|e| e.to_string())?;
            Ok::<_, String>(())
        };
        let (cr, sr) = tokio::join!(client_side, server_side);
        sr?;
        assert_eq!(&cr?, b"pong");
        Ok(())
    }

    const TLS13: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
    const TLS12: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];

    #[tokio::test]
    async fn pinned_p521_ca_client_cert_is_accepted_tls13_and_tls12() {
        let (cert, key) = p521_ca_cert();
        handshake(&cert, Some((&cert, &key)), TLS13).await.unwrap();
        handshake(&cert, Some((&cert, &key)), TLS12).await.unwrap();
    }

    #[tokio::test]
    async fn other_client_cert_is_refused() {
        let (cert, _) = p521_ca_cert();
        let (other, other_key) = p521_ca_cert();
        assert!(handshake(&cert, Some((&other, &other_key)), TLS13)
            .await
            .is_err());
        assert!(handshake(&cert, Some((&other, &other_key)), TLS12)
            .await
            .is_err());
    }

    #[tokio::test]
    async fn missing_client_cert_is_refused() {
        let (cert, _) = p521_ca_cert();
        assert!(handshake(&cert, None, TLS13).await.is_err());
        assert!(handshake(&cert, None, TLS12).await.is_err());
    }

    #[tokio::test]
    async fn pinned_cert_with_wrong_key_is_refused() {
        // A client presenting the pinned certificate but signing with another
        // key (it cannot have the real one) fails the signature check.
        let (cert, _) = p521_ca_cert();
        let wrong_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let err = handshake(&cert, Some((&cert, &wrong_key)), TLS13)
            .await
            .unwrap_err();
        assert!(err.contains("ecrypt") || err.contains("ignature"), "{err}");
        let err = handshake(&cert, Some((&cert, &wrong_key)), TLS12)
            .await
            .unwrap_err();
        assert!(err.contains("ecrypt") || err.contains("ignature"), "{err}");
    }

    #[test]
    fn auto_mtls_off_without_client_cert() {
        assert!(auto_mtls(None).unwrap().is_none());
        let (cert, _) = p521_ca_cert();
        let on = auto_mtls(Some(&cert.pem())).unwrap().unwrap();
        assert!(!on.server_cert_der.is_empty());
        assert!(auto_mtls(Some("garbage")).is_err());
    }
}
