//! The import ID of a connection: `<project_id>/<name>`.

use super::validate::is_project_id;

/// Why an import ID was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportIdError {
    /// No `/` at all.
    #[error("the import ID \"{0}\" has no \"/\"; expected <project_id>/<name>, e.g. 550e8400-e29b-41d4-a716-446655440002/my-connection")]
    MissingSeparator(String),
    /// The part before the first `/` is not a lowercase UUID.
    #[error("the import ID's project part \"{0}\" is not a lowercase UUID; expected <project_id>/<name>")]
    BadProjectId(String),
    /// Nothing after the `/`.
    #[error("the import ID has an empty connection name; expected <project_id>/<name>")]
    EmptyName,
}

/// Splits `<project_id>/<name>` at the first `/` (names may contain `/`).
pub fn parse(id: &str) -> Result<(String, String), ImportIdError> {
    let id = id.trim();
    let (project, name) = id
        .split_once('/')
        .ok_or_else(|| ImportIdError::MissingSeparator(excerpt(id)))?;
    if !is_project_id(project) {
        return Err(ImportIdError::BadProjectId(excerpt(project)));
    }
    if name.is_empty() {
        return Err(ImportIdError::EmptyName);
    }
    Ok((project.to_string(), name.to_string()))
}

fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "550e8400-e29b-41d4-a716-446655440002";

    #[test]
    fn splits_at_the_first_slash() {
        assert_eq!(
            parse(&format!("{P}/a/b")),
            Ok((P.to_string(), "a/b".to_string()))
        );
    }

    #[test]
    fn refuses_ids_without_separator_bad_uuid_or_empty_name() {
        assert!(matches!(
            parse("nothing"),
            Err(ImportIdError::MissingSeparator(_))
        ));
        assert!(matches!(
            parse("550E8400-E29B-41D4-A716-446655440002/x"),
            Err(ImportIdError::BadProjectId(_))
        ));
        assert!(matches!(
            parse(&format!("{P}/")),
            Err(ImportIdError::EmptyName)
        ));
        assert!(matches!(parse("/x"), Err(ImportIdError::BadProjectId(_))));
    }
}
