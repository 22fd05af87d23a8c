//! The go-plugin handshake, the way Terraform drives it.
//!
//! Terraform starts a provider with a magic cookie and a list of plugin
//! protocol versions in the environment. The provider checks the cookie,
//! picks protocol 6, binds a listener (a unix socket in a fresh private
//! directory, or TCP on loopback where unix sockets are unavailable) and
//! announces it with exactly one line on stdout:
//!
//! ```text
//! 1|6|unix|/tmp/plugin1234/plugin.sock|grpc|<server certificate DER, base64 std, no padding>
//! ```
//!
//! The parsing and formatting here are pure functions over the environment
//! values so they can be tested without touching the process environment.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use base64::Engine as _;

/// Environment variable carrying the magic cookie.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The magic cookie value Terraform (and OpenTofu) set.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// Environment variable listing the application protocol versions the client speaks.
pub const PROTOCOL_VERSIONS_KEY: &str = "PLUGIN_PROTOCOL_VERSIONS";
/// Lowest TCP port the plugin may listen on (TCP fallback only).
pub const MIN_PORT_KEY: &str = "PLUGIN_MIN_PORT";
/// Highest TCP port the plugin may listen on (TCP fallback only).
pub const MAX_PORT_KEY: &str = "PLUGIN_MAX_PORT";
/// Client certificate (PEM) for AutoMTLS; absent means plaintext.
pub const CLIENT_CERT_KEY: &str = "PLUGIN_CLIENT_CERT";
/// Optional parent directory for the socket directory (go-plugin convention).
pub const UNIX_SOCKET_DIR_KEY: &str = "PLUGIN_UNIX_SOCKET_DIR";

/// go-plugin's core protocol version (first field of the handshake line).
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The only application (Terraform plugin) protocol version this binary speaks.
pub const APP_PROTOCOL_VERSION: u32 = 6;

/// go-plugin's default port range when `PLUGIN_MIN_PORT`/`PLUGIN_MAX_PORT` are unset.
pub const DEFAULT_PORT_RANGE: RangeInclusive<u16> = 10000..=25000;

/// The message shown when someone runs the binary by hand without the cookie.
pub const NOT_A_PLUGIN_MESSAGE: &str = "\
This binary is a plugin: terraform-provider-maia, the Terraform/OpenTofu provider for Matillion Maia.
These are not meant to be executed directly. Please execute the program that consumes these
plugins (terraform or tofu), which will load any plugins automatically: declare
`matillion/maia` in a `required_providers` block and run `terraform init`.
To start it by hand for a debugging session, run it with --debug. --help lists all options.";

/// Why the handshake cannot proceed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    /// The magic cookie is missing or wrong: the binary was not started by Terraform.
    #[error("{NOT_A_PLUGIN_MESSAGE}")]
    NotAPlugin,
    /// Terraform offered protocol versions, none of which is 6.
    #[error(
        "this provider speaks Terraform plugin protocol {APP_PROTOCOL_VERSION} only, \
         but the client offered protocol version(s) {offered:?} (PLUGIN_PROTOCOL_VERSIONS); \
         use Terraform 1.0 or later, or OpenTofu"
    )]
    ProtocolUnsupported {
        /// The raw value of `PLUGIN_PROTOCOL_VERSIONS`.
        offered: String,
    },
    /// A port variable is not a number in 1..=65535.
    #[error("{key}={value:?} is not a valid TCP port")]
    BadPort {
        /// The variable name.
        key: &'static str,
        /// Its value.
        value: String,
    },
    /// `PLUGIN_MIN_PORT` is greater than `PLUGIN_MAX_PORT`.
    #[error("PLUGIN_MIN_PORT ({min}) is greater than PLUGIN_MAX_PORT ({max})")]
    EmptyPortRange {
        /// Lower bound.
        min: u16,
        /// Upper bound.
        max: u16,
    },
}

/// Checks the magic cookie. `value` is the value of `TF_PLUGIN_MAGIC_COOKIE`, if set.
pub fn check_cookie(value: Option<&str>) -> Result<(), HandshakeError> {
    match value {
        Some(v) if v == MAGIC_COOKIE_VALUE => Ok(()),
        _ => Err(HandshakeError::NotAPlugin),
    }
}

/// Picks the application protocol from `PLUGIN_PROTOCOL_VERSIONS` (a comma list).
///
/// As in go-plugin, an unset or empty list means the client does not negotiate
/// and the plugin's own version (6) is used. Entries that are not numbers are
/// ignored. A list that does not contain 6 is refused.
pub fn negotiate_protocol(offered: Option<&str>) -> Result<u32, HandshakeError> {
    let Some(raw) = offered.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(APP_PROTOCOL_VERSION);
    };
    let speaks_ours = raw
        .split(',')
        .filter_map(|v| v.trim().parse::<u32>().ok())
        .any(|v| v == APP_PROTOCOL_VERSION);
    if speaks_ours {
        Ok(APP_PROTOCOL_VERSION)
    } else {
        Err(HandshakeError::ProtocolUnsupported {
            offered: raw.to_owned(),
        })
    }
}

/// The TCP port range from `PLUGIN_MIN_PORT`/`PLUGIN_MAX_PORT` (each defaults
/// to go-plugin's 10000/25000 when unset or empty).
pub fn port_range(
    min: Option<&str>,
    max: Option<&str>,
) -> Result<RangeInclusive<u16>, HandshakeError> {
    fn one(key: &'static str, v: Option<&str>, default: u16) -> Result<u16, HandshakeError> {
        match v.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => match s.parse::<u16>() {
                Ok(p) if p > 0 => Ok(p),
                _ => Err(HandshakeError::BadPort {
                    key,
                    value: s.to_owned(),
                }),
            },
        }
    }
    let lo = one(MIN_PORT_KEY, min, *DEFAULT_PORT_RANGE.start())?;
    let hi = one(MAX_PORT_KEY, max, *DEFAULT_PORT_RANGE.end())?;
    if lo > hi {
        return Err(HandshakeError::EmptyPortRange { min: lo, max: hi });
    }
    Ok(lo..=hi)
}

/// Everything the handshake reads from the environment, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeEnv {
    /// The negotiated application protocol (always 6).
    pub protocol: u32,
    /// TCP port range for the fallback listener.
    pub ports: RangeInclusive<u16>,
    /// The client certificate PEM for AutoMTLS; `None` means plaintext.
    pub client_cert_pem: Option<String>,
    /// Where to create the private socket directory; `None` means the system temp dir.
    pub socket_parent: Option<PathBuf>,
}

impl HandshakeEnv {
    /// Parses the handshake environment through `lookup` (e.g. `|k| std::env::var(k).ok()`).
    /// Checks the cookie first, then the protocol, then the ports.
    pub fn parse(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, HandshakeError> {
        check_cookie(lookup(MAGIC_COOKIE_KEY).as_deref())?;
        Self::parse_unmanaged(lookup)
    }

    /// Like [`HandshakeEnv::parse`] but without the cookie check (debug mode).
    pub fn parse_unmanaged(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, HandshakeError> {
        let protocol = negotiate_protocol(lookup(PROTOCOL_VERSIONS_KEY).as_deref())?;
        let ports = port_range(
            lookup(MIN_PORT_KEY).as_deref(),
            lookup(MAX_PORT_KEY).as_deref(),
        )?;
        let client_cert_pem = lookup(CLIENT_CERT_KEY).filter(|s| !s.trim().is_empty());
        let socket_parent = lookup(UNIX_SOCKET_DIR_KEY)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        Ok(Self {
            protocol,
            ports,
            client_cert_pem,
            socket_parent,
        })
    }
}

/// Where the plugin listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// A unix domain socket path.
    Unix(PathBuf),
    /// A TCP address on loopback.
    Tcp(SocketAddr),
}

impl ListenAddr {
    /// go-plugin's network name: `unix` or `tcp`.
    pub fn network(&self) -> &'static str {
        match self {
            ListenAddr::Unix(_) => "unix",
            ListenAddr::Tcp(_) => "tcp",
        }
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddr::Unix(p) => write!(f, "{}", p.display()),
            ListenAddr::Tcp(a) => write!(f, "{a}"),
        }
    }
}

/// Formats the handshake line (without the trailing newline).
///
/// `server_cert_der` is the AutoMTLS server certificate; `None` (plaintext)
/// leaves the last field empty, as go-plugin does.
pub fn handshake_line(protocol: u32, addr: &ListenAddr, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!(
        "{CORE_PROTOCOL_VERSION}|{protocol}|{}|{addr}|grpc|{cert}",
        addr.network()
    )
}

/// A parsed handshake line, for clients (tests, benchmarks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeLine {
    /// go-plugin core protocol version.
    pub core_version: u32,
    /// Application protocol version.
    pub app_version: u32,
    /// Listener address.
    pub addr: ListenAddr,
    /// Protocol type (`grpc`).
    pub protocol: String,
    /// The server certificate DER, if AutoMTLS is on.
    pub server_cert_der: Option<Vec<u8>>,
}

/// Why a handshake line could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("malformed handshake line {line:?}: {reason}")]
pub struct HandshakeLineError {
    /// The offending line.
    pub line: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Parses a handshake line as go-plugin's client does.
pub fn parse_handshake_line(line: &str) -> Result<HandshakeLine, HandshakeLineError> {
    let err = |reason| HandshakeLineError {
        line: line.to_owned(),
        reason,
    };
    let line_trim = line.trim_end_matches(['\r', '\n']);
    let parts: Vec<&str> = line_trim.split('|').collect();
    if parts.len() < 4 {
        return Err(err("fewer than 4 fields"));
    }
    let core_version = parts[0]
        .parse()
        .map_err(|_| err("core version is not a number"))?;
    let app_version = parts[1]
        .parse()
        .map_err(|_| err("app version is not a number"))?;
    let addr = match parts[2] {
        "unix" => ListenAddr::Unix(PathBuf::from(parts[3])),
        "tcp" => ListenAddr::Tcp(parts[3].parse().map_err(|_| err("bad tcp address"))?),
        _ => return Err(err("unknown network")),
    };
    let protocol = parts.get(4).copied().unwrap_or("netrpc").to_owned();
    let server_cert_der = match parts.get(5).copied().filter(|s| !s.is_empty()) {
        None => None,
        Some(b64) => Some(
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(b64.trim_end_matches('='))
                .map_err(|_| err("server certificate is not base64"))?,
        ),
    };
    Ok(HandshakeLine {
        core_version,
        app_version,
        addr,
        protocol,
        server_cert_der,
    })
}

/// A private directory (mode 0700) holding the plugin socket; removed on drop.
#[derive(Debug)]
pub struct SocketDir {
    path: PathBuf,
}

impl SocketDir {
    /// Creates a fresh, uniquely named private directory under `parent`
    /// (default: the system temp dir).
    pub fn create(parent: Option<&Path>) -> io::Result<Self> {
        let parent = parent.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let mut last_err = None;
        for _ in 0..16 {
            let name = format!("tf-maia-{:016x}", rand::random::<u64>());
            let path = parent.join(name);
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt as _;
                builder.mode(0o700);
            }
            match builder.create(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or_else(|| io::Error::other("could not create a socket directory")))
    }

    /// The directory path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The socket path inside the directory.
    pub fn socket_path(&self) -> PathBuf {
        self.path.join("plugin.sock")
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        // Best effort: nothing useful can be done about a failure at exit.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A bound listening socket.
#[derive(Debug)]
pub enum Listener {
    /// A unix domain socket.
    #[cfg(unix)]
    Unix(tokio::net::UnixListener),
    /// A loopback TCP socket.
    Tcp(tokio::net::TcpListener),
}

/// A bound listener, its announced address, and the private socket directory
/// (unix only) that must outlive it: dropping `socket_dir` removes it.
#[derive(Debug)]
pub struct PluginListener {
    /// The listening socket.
    pub listener: Listener,
    /// The address to announce in the handshake line.
    pub addr: ListenAddr,
    /// The private directory holding the unix socket; `None` for TCP.
    pub socket_dir: Option<SocketDir>,
}

/// Why no listener could be bound.
#[derive(Debug, thiserror::Error)]
#[error("could not listen on a unix socket ({unix}) nor on 127.0.0.1 ports {ports:?} ({tcp})")]
pub struct BindError {
    /// The unix socket failure (or "unsupported").
    pub unix: String,
    /// The TCP failure.
    pub tcp: String,
    /// The port range tried.
    pub ports: RangeInclusive<u16>,
}

/// Binds the plugin listener: a unix socket in a fresh private directory, or,
/// when that is impossible, TCP on 127.0.0.1 at the first free port in `ports`.
/// Must be called inside a tokio runtime.
pub fn bind(
    socket_parent: Option<&Path>,
    ports: RangeInclusive<u16>,
) -> Result<PluginListener, BindError> {
    #[cfg(unix)]
    let unix_err = match bind_unix(socket_parent) {
        Ok(l) => return Ok(l),
        Err(e) => {
            tracing::warn!(error = %e, "unix socket unavailable, falling back to TCP");
            e.to_string()
        }
    };
    #[cfg(not(unix))]
    let unix_err = {
        let _ = socket_parent;
        "unix sockets are not supported on this platform".to_owned()
    };
    bind_tcp(ports.clone())
        .and_then(|l| {
            let addr = ListenAddr::Tcp(l.local_addr()?);
            Ok(PluginListener {
                listener: Listener::Tcp(l),
                addr,
                socket_dir: None,
            })
        })
        .map_err(|e| BindError {
            unix: unix_err,
            tcp: e.to_string(),
            ports,
        })
}

#[cfg(unix)]
fn bind_unix(socket_parent: Option<&Path>) -> io::Result<PluginListener> {
    let dir = SocketDir::create(socket_parent)?;
    let path = dir.socket_path();
    let listener = tokio::net::UnixListener::bind(&path)?;
    Ok(PluginListener {
        listener: Listener::Unix(listener),
        addr: ListenAddr::Unix(path),
        socket_dir: Some(dir),
    })
}

fn bind_tcp(ports: RangeInclusive<u16>) -> io::Result<tokio::net::TcpListener> {
    let mut last = None;
    for port in ports {
        let std_listener = match std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            Ok(l) => l,
            Err(e) => {
                last = Some(e);
                continue;
            }
        };
        std_listener.set_nonblocking(true)?;
        return tokio::net::TcpListener::from_std(std_listener);
    }
    Err(last.unwrap_or_else(|| io::Error::other("empty port range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_match_exactly() {
        assert_eq!(check_cookie(Some(MAGIC_COOKIE_VALUE)), Ok(()));
        assert_eq!(check_cookie(None), Err(HandshakeError::NotAPlugin));
        assert_eq!(check_cookie(Some("")), Err(HandshakeError::NotAPlugin));
        assert_eq!(
            check_cookie(Some(&MAGIC_COOKIE_VALUE[1..])),
            Err(HandshakeError::NotAPlugin)
        );
        let msg = HandshakeError::NotAPlugin.to_string();
        assert!(msg.contains("This binary is a plugin"));
        assert!(msg.contains("not meant to be executed directly"));
    }

    #[test]
    fn protocol_six_is_picked_from_any_order() {
        assert_eq!(negotiate_protocol(Some("6,5")), Ok(6));
        assert_eq!(negotiate_protocol(Some("5,6")), Ok(6));
        assert_eq!(negotiate_protocol(Some(" 5 , 6 ")), Ok(6));
        assert_eq!(negotiate_protocol(Some("6")), Ok(6));
        assert_eq!(negotiate_protocol(Some("x,6")), Ok(6));
    }

    #[test]
    fn protocol_unset_means_ours() {
        assert_eq!(negotiate_protocol(None), Ok(6));
        assert_eq!(negotiate_protocol(Some("  ")), Ok(6));
    }

    #[test]
    fn protocol_without_six_is_refused_clearly() {
        let err = negotiate_protocol(Some("5")).unwrap_err();
        assert_eq!(
            err,
            HandshakeError::ProtocolUnsupported {
                offered: "5".into()
            }
        );
        let msg = err.to_string();
        assert!(msg.contains("protocol 6"), "{msg}");
        assert!(msg.contains("\"5\""), "{msg}");
        assert!(negotiate_protocol(Some("4,5,60")).is_err());
    }

    #[test]
    fn port_range_defaults_and_validation() {
        assert_eq!(port_range(None, None), Ok(10000..=25000));
        assert_eq!(port_range(Some("20000"), Some("20010")), Ok(20000..=20010));
        assert_eq!(port_range(Some(""), Some("30000")), Ok(10000..=30000));
        assert!(matches!(
            port_range(Some("abc"), None),
            Err(HandshakeError::BadPort {
                key: MIN_PORT_KEY,
                ..
            })
        ));
        assert!(matches!(
            port_range(None, Some("70000")),
            Err(HandshakeError::BadPort {
                key: MAX_PORT_KEY,
                ..
            })
        ));
        assert!(matches!(
            port_range(Some("0"), None),
            Err(HandshakeError::BadPort { .. })
        ));
        assert_eq!(
            port_range(Some("3000"), Some("2000")),
            Err(HandshakeError::EmptyPortRange {
                min: 3000,
                max: 2000
            })
        );
    }

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn env_parse_checks_cookie_first() {
        let e = HandshakeEnv::parse(env(&[(PROTOCOL_VERSIONS_KEY, "5")]));
        assert_eq!(e, Err(HandshakeError::NotAPlugin));
    }

    #[test]
    fn env_parse_full() {
        let pairs = [
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            (PROTOCOL_VERSIONS_KEY, "5,6"),
            (MIN_PORT_KEY, "11000"),
            (MAX_PORT_KEY, "11005"),
            (CLIENT_CERT_KEY, "-----BEGIN CERTIFICATE-----\n..."),
        ];
        let e = HandshakeEnv::parse(env(&pairs)).unwrap();
        assert_eq!(e.protocol, 6);
        assert_eq!(e.ports, 11000..=11005);
        assert!(e.client_cert_pem.is_some());
        assert_eq!(e.socket_parent, None);
    }

    #[test]
    fn env_empty_client_cert_means_plaintext() {
        let pairs = [
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            (CLIENT_CERT_KEY, ""),
        ];
        let e = HandshakeEnv::parse(env(&pairs)).unwrap();
        assert_eq!(e.client_cert_pem, None);
    }

    #[test]
    fn unmanaged_parse_needs_no_cookie() {
        let e = HandshakeEnv::parse_unmanaged(env(&[])).unwrap();
        assert_eq!(e.protocol, 6);
    }

    #[test]
    fn line_format_unix_with_cert() {
        let addr = ListenAddr::Unix(PathBuf::from("/tmp/d/plugin.sock"));
        let line = handshake_line(6, &addr, Some(&[0xde, 0xad, 0xbe, 0xef, 0x01]));
        // base64 std without padding: "3q2+7wE" (would be "3q2+7wE=" padded)
        assert_eq!(line, "1|6|unix|/tmp/d/plugin.sock|grpc|3q2+7wE");
    }

    #[test]
    fn line_format_tcp_plaintext() {
        let addr = ListenAddr::Tcp("127.0.0.1:10001".parse().unwrap());
        assert_eq!(
            handshake_line(6, &addr, None),
            "1|6|tcp|127.0.0.1:10001|grpc|"
        );
    }

    #[test]
    fn line_roundtrip() {
        let addr = ListenAddr::Unix(PathBuf::from("/x/y.sock"));
        let der = vec![1u8, 2, 3, 4, 5, 6, 7];
        let line = handshake_line(6, &addr, Some(&der));
        let parsed = parse_handshake_line(&format!("{line}\n")).unwrap();
        assert_eq!(
            parsed,
            HandshakeLine {
                core_version: 1,
                app_version: 6,
                addr,
                protocol: "grpc".into(),
                server_cert_der: Some(der),
            }
        );
        let plain = parse_handshake_line("1|6|tcp|127.0.0.1:9|grpc|").unwrap();
        assert_eq!(plain.server_cert_der, None);
    }

    #[test]
    fn line_parse_rejects_garbage() {
        assert!(parse_handshake_line("hello").is_err());
        assert!(parse_handshake_line("x|6|unix|/a|grpc|").is_err());
        assert!(parse_handshake_line("1|6|pipe|/a|grpc|").is_err());
        assert!(parse_handshake_line("1|6|unix|/a|grpc|***").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn socket_dir_is_private_and_removed() {
        use std::os::unix::fs::PermissionsExt as _;
        let parent = std::env::temp_dir();
        let dir = SocketDir::create(Some(&parent)).unwrap();
        let path = dir.path().to_path_buf();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(dir.socket_path().starts_with(&path));
        drop(dir);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn bind_prefers_unix_and_falls_back_to_tcp() {
        let l = bind(None, 20000..=20100).unwrap();
        #[cfg(unix)]
        assert_eq!(l.addr.network(), "unix");
        // A parent that does not exist makes the unix socket impossible.
        let l = bind(
            Some(Path::new("/nonexistent/definitely/not")),
            20000..=20100,
        )
        .unwrap();
        match l.addr {
            ListenAddr::Tcp(a) => {
                assert!(a.ip().is_loopback());
                assert!((20000..=20100).contains(&a.port()));
            }
            other => panic!("expected tcp, got {other:?}"),
        }
    }
}
