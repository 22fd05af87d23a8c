//! Command-line parsing for the `maia-emulator` binary (hand-rolled).

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::config::EmulatorConfig;

/// Usage text printed by `--help`.
pub const USAGE: &str = "\
maia-emulator: a local emulator of the Maia connections API

USAGE: maia-emulator [OPTIONS]

Prints its base URL (http://127.0.0.1:PORT/dpc) as the first line on stdout,
then serves until SIGINT/SIGTERM.

OPTIONS:
  --port N                 TCP port on 127.0.0.1 (0 = any free port) [default: 0]
  --state FILE             load state from FILE and save it after every change
  --token T                accepted static bearer token (repeatable)
                           [default: maia-emulator-token]
  --forbidden-token T      token that authenticates but gets 403 (repeatable)
  --client-id ID           OAuth client id [default: emulator-client]
  --client-secret S        OAuth client secret [default: emulator-secret]
  --token-ttl SECS         lifetime of issued tokens [default: 1800]
  --fail-status CODE       answer CODE instead of serving requests
  --fail-count N           ... for the next N requests only
  --fail-rate F            ... for a fraction F (0..1) of requests
  --retry-after SECS       add Retry-After: SECS to injected failures
  --latency-ms N           add N ms latency to each request
  --latency-jitter-ms N    add a random 0..=N ms on top
  --drop-rate F            close the connection without answer for a fraction F
  --drop-count N           close the connection without answer for the next N requests
  --faults-on-token        also apply faults to the token endpoint
  -h, --help               print this help
";

/// What the command line asks for.
#[derive(Debug, Clone)]
pub enum Command {
    /// Print usage and exit 0.
    Help,
    /// Run with this configuration.
    Run(Box<EmulatorConfig>),
}

fn parse_num<T: FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: invalid value {value:?}"))
}

/// Parses the arguments (without the program name).
pub fn parse_args<I>(args: I) -> Result<Command, String>
where
    I: IntoIterator<Item = String>,
{
    let mut cfg = EmulatorConfig::default();
    let mut tokens: Vec<String> = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(Command::Help);
        }
        if flag == "--faults-on-token" {
            cfg.faults.apply_to_token = true;
            continue;
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag}: missing value"))
        };
        match flag.as_str() {
            "--port" => cfg.port = parse_num(&flag, &value()?)?,
            "--state" => cfg.state_file = Some(PathBuf::from(value()?)),
            "--token" => tokens.push(value()?),
            "--forbidden-token" => cfg.forbidden_tokens.push(value()?),
            "--client-id" => cfg.client_id = value()?,
            "--client-secret" => cfg.client_secret = value()?,
            "--token-ttl" => cfg.token_ttl = Duration::from_secs(parse_num(&flag, &value()?)?),
            "--fail-status" => cfg.faults.status = Some(parse_num(&flag, &value()?)?),
            "--fail-count" => cfg.faults.count = Some(parse_num(&flag, &value()?)?),
            "--fail-rate" => cfg.faults.rate = Some(parse_num(&flag, &value()?)?),
            "--retry-after" => cfg.faults.retry_after_secs = Some(parse_num(&flag, &value()?)?),
            "--latency-ms" => cfg.faults.latency_ms = parse_num(&flag, &value()?)?,
            "--latency-jitter-ms" => cfg.faults.latency_jitter_ms = parse_num(&flag, &value()?)?,
            "--drop-rate" => cfg.faults.drop_rate = Some(parse_num(&flag, &value()?)?),
            "--drop-count" => cfg.faults.drop_count = Some(parse_num(&flag, &value()?)?),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if !tokens.is_empty() {
        cfg.tokens = tokens;
    }
    cfg.faults.validate()?;
    Ok(Command::Run(Box::new(cfg)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<EmulatorConfig, String> {
        match parse_args(args.iter().map(|s| s.to_string()))? {
            Command::Run(cfg) => Ok(*cfg),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn flags_fill_the_config() {
        let cfg = run(&[
            "--port=0",
            "--state",
            "/tmp/s.json",
            "--token",
            "a",
            "--token",
            "b",
            "--fail-status",
            "503",
            "--fail-count",
            "2",
            "--retry-after",
            "1",
            "--token-ttl",
            "5",
            "--drop-rate",
            "0.5",
            "--faults-on-token",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.tokens, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(cfg.state_file, Some(PathBuf::from("/tmp/s.json")));
        assert_eq!(cfg.faults.status, Some(503));
        assert_eq!(cfg.faults.count, Some(2));
        assert_eq!(cfg.faults.retry_after_secs, Some(1));
        assert_eq!(cfg.faults.drop_rate, Some(0.5));
        assert!(cfg.faults.apply_to_token);
        assert_eq!(cfg.token_ttl, Duration::from_secs(5));
    }

    #[test]
    fn bad_flags_are_errors() {
        assert!(run(&["--port", "x"]).is_err());
        assert!(run(&["--bogus"]).is_err());
        assert!(run(&["--port"]).is_err());
        assert!(run(&["--fail-count", "2"]).is_err());
        assert_eq!(run(&["--help"]).err().as_deref(), Some("help"));
        assert_eq!(
            run(&[]).map(|c| c.tokens).ok(),
            Some(vec!["maia-emulator-token".to_string()])
        );
    }
}
