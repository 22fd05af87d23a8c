//! Endpoint validation: `https://` everywhere, `http://` only for loopback.

use std::net::IpAddr;

use url::{Host, Url};

use super::error::ApiError;

/// Parses and checks an endpoint URL (`what` names it in errors, e.g.
/// `"base_url"`). Accepts `https://` for any host and `http://` only for
/// loopback hosts (127.0.0.0/8, ::1, `localhost`). Rejects embedded
/// credentials, queries and fragments. A trailing `/` is removed.
pub fn validate_endpoint(raw: &str, what: &'static str) -> Result<Url, ApiError> {
    let invalid = |reason: String| ApiError::InvalidEndpoint {
        what,
        url: raw.chars().take(200).collect(),
        reason,
    };
    let mut url = Url::parse(raw.trim()).map_err(|e| invalid(format!("not a valid URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Do not echo the URL: it carries credentials.
        return Err(ApiError::InvalidEndpoint {
            what,
            url: "(redacted)".into(),
            reason: "credentials must not be embedded in the URL".into(),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("must not have a query or fragment".into()));
    }
    match url.scheme() {
        "https" => {
            if url.host().is_none() {
                return Err(invalid("has no host".into()));
            }
        }
        "http" => {
            if !url.host().is_some_and(|h| is_loopback(&h)) {
                return Err(invalid(
                    "plain http:// is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost); use https://"
                        .into(),
                ));
            }
        }
        other => {
            return Err(invalid(format!(
                "unsupported scheme {other:?}; use https://"
            )))
        }
    }
    if url.path().ends_with('/') && url.path() != "/" {
        let trimmed = url.path().trim_end_matches('/').to_owned();
        url.set_path(&trimmed);
    }
    Ok(url)
}

/// Whether `host` is a loopback address or `localhost`.
pub fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => {
            let d = d.strip_suffix('.').unwrap_or(d);
            d.eq_ignore_ascii_case("localhost")
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => {
            ip.is_loopback()
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| IpAddr::V4(v4).is_loopback())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        for ok in [
            "https://eu1.api.matillion.com/dpc",
            "https://eu1.api.matillion.com/dpc/",
            "http://127.0.0.1:8080/dpc",
            "http://127.1.2.3/dpc",
            "http://[::1]:9000/",
            "http://localhost:1234",
            "http://LOCALHOST./x",
        ] {
            assert!(validate_endpoint(ok, "base_url").is_ok(), "{ok}");
        }
        let u = validate_endpoint("https://h/dpc/", "base_url").unwrap();
        assert_eq!(u.path(), "/dpc");
    }

    #[test]
    fn rejects_non_loopback_http_and_odd_urls() {
        for bad in [
            "http://eu1.api.matillion.com/dpc",
            "http://localhost.evil.com/",
            "http://10.0.0.1/",
            "http://[::2]/",
            "ftp://localhost/",
            "https://user:pw@host/",
            "https://host/dpc?x=1",
            "not a url",
        ] {
            assert!(
                matches!(
                    validate_endpoint(bad, "base_url"),
                    Err(ApiError::InvalidEndpoint { .. })
                ),
                "{bad}"
            );
        }
        let err = validate_endpoint("https://user:pw@host/", "base_url").unwrap_err();
        assert!(!err.to_string().contains("pw"));
    }
}
