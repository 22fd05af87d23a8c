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
