//! A live emulator for tests that run synchronous code (such as Terraform
//! command lines): it runs on its own runtime for as long as the value lives.

use terraform_provider_maia::emulator::{
    self, EmulatorConfig, EmulatorHandle, FaultConfig, LoggedRequest,
};

/// An emulator serving on 127.0.0.1 from a private runtime.
pub struct LiveEmulator {
    runtime: tokio::runtime::Runtime,
    handle: Option<EmulatorHandle>,
}

impl LiveEmulator {
    /// Starts an emulator with the default configuration.
    pub fn start() -> LiveEmulator {
        Self::start_with(EmulatorConfig::default())
    }

    /// Starts an emulator with `config`.
    pub fn start_with(config: EmulatorConfig) -> LiveEmulator {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start a runtime for the emulator: {e}"));
        let handle = runtime
            .block_on(emulator::spawn(config))
            .unwrap_or_else(|e| panic!("the emulator did not start: {e}"));
        LiveEmulator {
            runtime,
            handle: Some(handle),
        }
    }

    fn handle(&self) -> &EmulatorHandle {
        self.handle
            .as_ref()
            .expect("emulator handle present until drop")
    }

    /// `http://127.0.0.1:PORT/dpc`
    pub fn base_url(&self) -> String {
        self.handle().base_url()
    }

    /// The API requests received so far (admin routes excluded).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.handle().requests()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.handle().clear_requests()
    }

    /// Replaces the injected faults.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.handle().set_faults(faults)
    }

    /// The connections of `project_id` as stored.
    pub fn connections(&self, project_id: &str) -> Vec<serde_json::Value> {
        self.handle().connections(project_id)
    }

    /// Token requests served.
    pub fn token_requests(&self) -> usize {
        self.handle().token_requests()
    }

    /// Sends a request to the API with the default static token, as a user
    /// changing Maia outside Terraform would. Returns the status.
    pub fn outside_change(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<serde_json::Value>,
    ) -> u16 {
        let url = format!("{}{}", self.base_url(), path_and_query);
        self.runtime.block_on(async move {
            let mut req = reqwest::Client::new()
                .request(method, &url)
                .bearer_auth(emulator::DEFAULT_TOKEN);
            if let Some(b) = body {
                req = req.json(&b);
            }
            req.send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or_else(|e| panic!("outside change to {url} failed: {e}"))
        })
    }
}

impl Drop for LiveEmulator {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.runtime.block_on(h.shutdown());
        }
    }
}

/// A port on 127.0.0.1 that was free a moment ago (for an emulator that must
/// come back on the same port after a restart).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot find a free port: {e}"))
}

/// The `maia-emulator` binary run as its own process (so it can be killed and
/// restarted); SIGKILLed on drop if still running.
pub struct ProcessEmulator {
    child: Option<std::process::Child>,
    args: Vec<String>,
    base_url: String,
}

impl ProcessEmulator {
    /// Starts `maia-emulator ARGS...` and waits (up to 20 s) for its base URL line.
    pub fn start(args: &[String]) -> ProcessEmulator {
        let mut emu = ProcessEmulator {
            child: None,
            args: args.to_vec(),
            base_url: String::new(),
        };
        emu.launch();
        emu
    }

    fn launch(&mut self) {
        use std::io::BufRead;
        let bin = env!("CARGO_BIN_EXE_maia-emulator");
        // The port may still be held for a moment after a kill: retry briefly.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let mut child = std::process::Command::new(bin)
                .args(&self.args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
            let stdout = child.stdout.take().expect("piped stdout");
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = std::io::BufReader::new(stdout).read_line(&mut line);
                let _ = tx.send(line);
            });
            let line = rx
                .recv_timeout(std::time::Duration::from_secs(20))
                .unwrap_or_default();
            if line.trim().starts_with("http") {
                self.base_url = line.trim().to_string();
                self.child = Some(child);
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
            if std::time::Instant::now() >= deadline {
                panic!("maia-emulator {:?} did not start", self.args);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:PORT/dpc`
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// SIGKILLs the process (no graceful shutdown) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again with the same arguments (same port, same state file).
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}{}", self.base_url.trim_end_matches("/dpc"), path);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        runtime.block_on(async move {
            let mut req = reqwest::Client::new().request(method, &url);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req
                .send()
                .await
                .unwrap_or_else(|e| panic!("admin request {url} failed: {e}"));
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            assert!(status.is_success(), "admin {url}: {status} {text}");
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
        })
    }

    /// Replaces the injected faults through `POST /_emulator/faults`.
    pub fn set_faults(&self, faults: &FaultConfig) {
        let body = serde_json::to_value(faults).unwrap_or_else(|e| panic!("faults: {e}"));
        self.admin(reqwest::Method::POST, "/_emulator/faults", Some(body));
    }

    /// The connections of `project_id` as stored.
    pub fn connections(&self, project_id: &str) -> Vec<serde_json::Value> {
        let all = self.admin(reqwest::Method::GET, "/_emulator/connections", None);
        all.get(project_id)
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default()
    }

    /// The API requests logged since this process started.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        let v = self.admin(reqwest::Method::GET, "/_emulator/requests", None);
        serde_json::from_value(v).unwrap_or_else(|e| panic!("request log: {e}"))
    }
}

impl Drop for ProcessEmulator {
    fn drop(&mut self) {
        self.kill();
    }
}
