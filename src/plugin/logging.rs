//! Logging in the shape Terraform reads: hclog JSON lines on stderr.
//!
//! go-plugin's client parses each stderr line of a plugin as JSON; `@level`,
//! `@message` and `@timestamp` (layout `2006-01-02T15:04:05.000000Z07:00`,
//! exactly six fractional digits) are understood, every other key becomes a
//! field of the log entry. A line that does not parse is logged raw, so the
//! timestamp format matters.
//!
//! The level comes from `TF_LOG_PROVIDER`, else `TF_LOG` (`trace`, `debug`,
//! `info`, `warn`, `error`, `off`, case-insensitive; `json` means trace and,
//! as in Terraform, any other non-empty value means trace). With neither set,
//! nothing is logged.

use std::io::{self, Write};
use std::sync::Mutex;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// The `@module` every line carries by default.
pub const DEFAULT_MODULE: &str = "provider.terraform-provider-maia";

/// Provider-specific log level variable (takes precedence).
pub const TF_LOG_PROVIDER: &str = "TF_LOG_PROVIDER";
/// Terraform's global log level variable.
pub const TF_LOG: &str = "TF_LOG";

/// Parses one log level value as Terraform does. `None`/empty → `None` (unset).
pub fn parse_level(value: Option<&str>) -> Option<LevelFilter> {
    let v = value.map(str::trim).filter(|s| !s.is_empty())?;
    Some(match v.to_ascii_lowercase().as_str() {
        "off" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        // "trace", "json", and (as in Terraform) anything unrecognised.
        _ => LevelFilter::TRACE,
    })
}

/// The effective level: `TF_LOG_PROVIDER` if set and non-empty, else `TF_LOG`,
/// else off.
pub fn level_from(tf_log_provider: Option<&str>, tf_log: Option<&str>) -> LevelFilter {
    parse_level(tf_log_provider)
        .or_else(|| parse_level(tf_log))
        .unwrap_or(LevelFilter::OFF)
}

/// The effective level from the process environment.
pub fn level_from_env() -> LevelFilter {
    level_from(
        std::env::var(TF_LOG_PROVIDER).ok().as_deref(),
        std::env::var(TF_LOG).ok().as_deref(),
    )
}

/// hclog's name for a level.
pub fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// The current time in hclog's JSON layout (UTC, microseconds, `Z`).
pub fn timestamp_now() -> String {
    format_timestamp(chrono::Utc::now())
}

/// Formats a time in hclog's JSON layout: `2006-01-02T15:04:05.000000Z`.
pub fn format_timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Formats one hclog JSON line (with trailing newline). `fields` are extra
/// keys; a field named like a reserved `@` key is renamed with a leading `_`
/// rather than overwrite it.
pub fn format_line(
    level: &Level,
    message: &str,
    module: &str,
    timestamp: &str,
    fields: Map<String, Json>,
) -> String {
    let mut obj = Map::new();
    obj.insert("@level".into(), Json::from(level_name(level)));
    obj.insert("@message".into(), Json::from(message));
    obj.insert("@module".into(), Json::from(module));
    obj.insert("@timestamp".into(), Json::from(timestamp));
    for (k, v) in fields {
        let key = if obj.contains_key(&k) {
            format!("_{k}")
        } else {
            k
        };
        obj.insert(key, v);
    }
    let mut line = Json::Object(obj).to_string();
    line.push('\n');
    line
}

/// Collects tracing fields into a JSON map; `message` is kept apart.
#[derive(Default)]
struct JsonVisitor {
    message: Option<String>,
    fields: Map<String, Json>,
}

impl JsonVisitor {
    fn put(&mut self, field: &Field, value: Json) {
        if field.name() == "message" {
            self.message = Some(match value {
                Json::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.fields.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for JsonVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Json::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Json::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Json::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Json::from(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Json::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, Json::from(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, Json::from(format!("{value:?}")));
    }
}

/// Span fields stored in the span's extensions.
struct SpanFields(Map<String, Json>);

/// A `tracing` layer writing hclog JSON lines to a writer (stderr in the binary).
/// Fields of enclosing spans are included, inner spans and the event winning.
pub struct HclogLayer<W> {
    module: String,
    make_writer: W,
}

impl<W> HclogLayer<W> {
    /// A layer tagging lines with `module`, writing through `make_writer`.
    pub fn new(module: impl Into<String>, make_writer: W) -> Self {
        Self {
            module: module.into(),
            make_writer,
        }
    }
}

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut v = JsonVisitor::default();
        attrs.record(&mut v);
        if let Some(m) = v.message {
            v.fields.insert("message".into(), Json::from(m));
        }
        span.extensions_mut().insert(SpanFields(v.fields));
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut v = JsonVisitor::default();
        values.record(&mut v);
        let mut ext = span.extensions_mut();
        if let Some(SpanFields(map)) = ext.get_mut::<SpanFields>() {
            map.extend(v.fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(map)) = span.extensions().get::<SpanFields>() {
                    fields.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        let mut v = JsonVisitor::default();
        event.record(&mut v);
        fields.extend(v.fields);
        let line = format_line(
            event.metadata().level(),
            v.message.as_deref().unwrap_or(""),
            &self.module,
            &timestamp_now(),
            fields,
        );
        let mut w = self.make_writer.make_writer();
        // A failed log write must never take the provider down.
        let _ = w.write_all(line.as_bytes());
        let _ = w.flush();
    }
}

/// `MakeWriter` for stderr that writes each line with the stderr lock held.
#[derive(Debug, Default, Clone, Copy)]
pub struct StderrLines;

impl<'a> MakeWriter<'a> for StderrLines {
    type Writer = io::StderrLock<'static>;
    fn make_writer(&'a self) -> Self::Writer {
        io::stderr().lock()
    }
}

/// A `MakeWriter` into a shared buffer (tests).
#[derive(Debug, Default, Clone)]
pub struct BufferWriter(pub std::sync::Arc<Mutex<Vec<u8>>>);

impl Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut g = self
            .0
            .lock()
            .map_err(|_| io::Error::other("log buffer poisoned"))?;
        g.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BufferWriter {
    type Writer = BufferWriter;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The crate whose events are logged at the chosen level.
const OWN_TARGET: &str = "terraform_provider_maia";

/// The filter: this crate at `level`; libraries (h2, hyper, rustls, tonic...)
/// at most at `warn`, so `TF_LOG=trace` shows the provider rather than every
/// HTTP/2 frame.
pub fn targets(level: LevelFilter) -> Targets {
    Targets::new()
        .with_default(level.min(LevelFilter::WARN))
        .with_target(OWN_TARGET, level)
}

/// Installs the global subscriber at `level` writing hclog JSON to stderr.
/// With `LevelFilter::OFF` nothing is installed (zero cost). Returns whether
/// a subscriber was installed (false also if one already was).
pub fn init(level: LevelFilter) -> bool {
    if level == LevelFilter::OFF {
        return false;
    }
    let layer = HclogLayer::new(DEFAULT_MODULE, StderrLines).with_filter(targets(level));
    tracing_subscriber::registry()
        .with(layer)
        .try_init()
        .is_ok()
}

/// Installs the global subscriber with the level from `TF_LOG_PROVIDER`/`TF_LOG`.
pub fn init_from_env() -> bool {
    init(level_from_env())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_case_insensitively() {
        assert_eq!(parse_level(Some("TRACE")), Some(LevelFilter::TRACE));
        assert_eq!(parse_level(Some("Debug")), Some(LevelFilter::DEBUG));
        assert_eq!(parse_level(Some("info")), Some(LevelFilter::INFO));
        assert_eq!(parse_level(Some("WARN")), Some(LevelFilter::WARN));
        assert_eq!(parse_level(Some("error")), Some(LevelFilter::ERROR));
        assert_eq!(parse_level(Some("OFF")), Some(LevelFilter::OFF));
        assert_eq!(parse_level(Some("json")), Some(LevelFilter::TRACE));
        assert_eq!(parse_level(Some("bogus")), Some(LevelFilter::TRACE));
        assert_eq!(parse_level(Some("")), None);
        assert_eq!(parse_level(None), None);
    }

    #[test]
    fn provider_level_wins_over_global() {
        assert_eq!(level_from(Some("error"), Some("trace")), LevelFilter::ERROR);
        assert_eq!(level_from(None, Some("debug")), LevelFilter::DEBUG);
        assert_eq!(level_from(Some(""), Some("info")), LevelFilter::INFO);
        assert_eq!(level_from(Some("off"), Some("trace")), LevelFilter::OFF);
        assert_eq!(level_from(None, None), LevelFilter::OFF);
    }

    #[test]
    fn timestamp_has_go_layout() {
        use chrono::TimeZone as _;
        let t = chrono::Utc
            .with_ymd_and_hms(2006, 1, 2, 15, 4, 5)
            .single()
            .unwrap()
            + chrono::Duration::microseconds(7);
        assert_eq!(format_timestamp(t), "2006-01-02T15:04:05.000007Z");
        let now = timestamp_now();
        assert_eq!(now.len(), "2006-01-02T15:04:05.000000Z".len(), "{now}");
        assert!(now.ends_with('Z'));
    }

    #[test]
    fn line_has_reserved_keys_and_fields() {
        let mut f = Map::new();
        f.insert("tf_rpc".into(), Json::from("ApplyResourceChange"));
        f.insert("count".into(), Json::from(3));
        f.insert("@level".into(), Json::from("sneaky"));
        let line = format_line(
            &Level::WARN,
            "hello \"world\"",
            "provider.test",
            "2006-01-02T15:04:05.000000Z",
            f,
        );
        assert!(line.ends_with('\n'));
        assert_eq!(line.matches('\n').count(), 1);
        let v: Json = serde_json::from_str(&line).unwrap();
        assert_eq!(v["@level"], "warn");
        assert_eq!(v["@message"], "hello \"world\"");
        assert_eq!(v["@module"], "provider.test");
        assert_eq!(v["@timestamp"], "2006-01-02T15:04:05.000000Z");
        assert_eq!(v["tf_rpc"], "ApplyResourceChange");
        assert_eq!(v["count"], 3);
        assert_eq!(v["_@level"], "sneaky");
    }

    #[test]
    fn layer_writes_events_with_span_fields_and_filters_level() {
        let buf = BufferWriter::default();
        let layer = HclogLayer::new("provider.x", buf.clone()).with_filter(LevelFilter::INFO);
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("rpc", tf_rpc = "ReadResource", n = 1u64);
            let _g = span.enter();
            tracing::info!(ok = true, ratio = 0.5, "read {}", "done");
            tracing::debug!("filtered out");
            tracing::error!(error = %io::Error::other("boom"), "failed");
        });
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<Json> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert_eq!(lines[0]["@level"], "info");
        assert_eq!(lines[0]["@message"], "read done");
        assert_eq!(lines[0]["@module"], "provider.x");
        assert_eq!(lines[0]["tf_rpc"], "ReadResource");
        assert_eq!(lines[0]["n"], 1);
        assert_eq!(lines[0]["ok"], true);
        assert_eq!(lines[0]["ratio"], 0.5);
        assert_eq!(lines[1]["@level"], "error");
        assert_eq!(lines[1]["error"], "boom");
    }

    #[test]
    fn libraries_are_capped_at_warn() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let buf = BufferWriter::default();
        let layer = HclogLayer::new("m", buf.clone()).with_filter(targets(LevelFilter::TRACE));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "h2::codec", "frame");
            tracing::warn!(target: "h2::codec", "library warning");
            tracing::trace!("own trace");
        });
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(!out.contains("\"frame\""), "{out}");
        assert!(out.contains("library warning"), "{out}");
        assert!(out.contains("own trace"), "{out}");
        assert!(!targets(LevelFilter::ERROR).would_enable("h2", &Level::WARN));
    }

    #[test]
    fn off_installs_nothing() {
        assert!(!init(LevelFilter::OFF));
    }
}
