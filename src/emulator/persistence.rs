//! Loading and atomically saving the emulator state file.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::error::EmulatorError;
use super::store::State;

/// Reads the state file; a missing file is an empty state.
pub fn load(path: &Path) -> Result<State, EmulatorError> {
    let text = match fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
        Err(source) => {
            return Err(EmulatorError::ReadState {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(State::default());
    }
    serde_json::from_slice(&text).map_err(|source| EmulatorError::ParseState {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes the state to a temporary file beside `path` and renames it over
/// `path`, so readers and a killed process see the old or the new state,
/// never half of it. (No fsync: an emulator needs to survive being killed,
/// not power loss, and fsync per mutation costs ~10x throughput.)
pub fn save(path: &Path, state: &State) -> Result<(), EmulatorError> {
    let json = serde_json::to_vec_pretty(state).map_err(EmulatorError::SerializeState)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state.json".to_string());
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let write_err = |source| EmulatorError::WriteState {
        path: path.to_path_buf(),
        source,
    };
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&json)?;
        f.write_all(b"\n")?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::model::StoredConnection;

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("state.json");
        assert_eq!(load(&path).ok(), Some(State::default()));
        let mut state = State::default();
        state.projects.entry("p".into()).or_default().insert(
            "c".into(),
            StoredConnection {
                name: "c".into(),
                project_id: "p".into(),
                platform_connection_type: "COMPONENT_BASIC".into(),
                auth_provider: "NONE".into(),
                auth_type: "GENERIC_SECRET".into(),
                connection_details: None,
                created_by: "u".into(),
                created_date: "2026-01-01T00:00:00Z".into(),
            },
        );
        save(&path, &state).unwrap_or_else(|e| panic!("save: {e}"));
        assert_eq!(load(&path).ok(), Some(state));
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap_or_else(|e| panic!("read_dir: {e}"))
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
    }

    #[test]
    fn garbage_state_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("state.json");
        fs::write(&path, "not json").unwrap_or_else(|e| panic!("write: {e}"));
        assert!(matches!(load(&path), Err(EmulatorError::ParseState { .. })));
    }
}
