//! `maia_connection`: one connection of a Maia project.
//!
//! Create is `POST /v1/projects/{projectId}/connections`, update is the seed's
//! `PUT ...?connectionName=` (full replacement), read is the list call filtered
//! by name, delete is `DELETE ...?connectionName=`.

pub mod import_id;
pub mod model;
pub mod plan;
pub mod schema;
pub mod translate;
pub mod validate;
pub mod violations;
