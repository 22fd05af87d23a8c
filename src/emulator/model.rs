//! The emulator's own representation of a stored connection.
//!
//! Deliberately independent of the client's types in `crate::api`: the
//! emulator must catch client mistakes, not share them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One connection as stored (and as answered, see [`StoredConnection::to_response`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredConnection {
    /// Connection name, unique within the project.
    pub name: String,
    /// Owning project.
    pub project_id: String,
    /// `COMPONENT_BASIC` or `CLOUD_PLATFORM_CREDENTIALS`.
    pub platform_connection_type: String,
    /// Fixed at create.
    pub auth_provider: String,
    /// One of the seed's authType values.
    pub auth_type: String,
    /// Validated, null-free `connectionDetails` object, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_details: Option<Map<String, Value>>,
    /// Who created it (client id, or the static-token user).
    pub created_by: String,
    /// RFC 3339 creation time.
    pub created_date: String,
}

impl StoredConnection {
    /// The seed's `ProjectConnectionResponse` JSON: absent fields omitted, never null.
    pub fn to_response(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("name".into(), Value::String(self.name.clone()));
        obj.insert("projectId".into(), Value::String(self.project_id.clone()));
        obj.insert(
            "platformConnectionType".into(),
            Value::String(self.platform_connection_type.clone()),
        );
        obj.insert(
            "authProvider".into(),
            Value::String(self.auth_provider.clone()),
        );
        obj.insert("authType".into(), Value::String(self.auth_type.clone()));
        if let Some(details) = &self.connection_details {
            obj.insert("connectionDetails".into(), Value::Object(details.clone()));
        }
        obj.insert("createdBy".into(), Value::String(self.created_by.clone()));
        obj.insert(
            "createdDate".into(),
            Value::String(self.created_date.clone()),
        );
        Value::Object(obj)
    }
}

/// An environment-level override of a connection's secret location and properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredOverride {
    /// Environment the override applies to.
    pub environment_name: String,
    /// Parent connection.
    pub connection_name: String,
    /// Owning project.
    pub project_id: String,
    /// Equal to the parent connection's authType.
    pub auth_type: String,
    /// Validated, null-free `connectionOverrides`, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_overrides: Option<Map<String, Value>>,
}

impl StoredOverride {
    /// The response JSON: absent fields omitted, never null.
    pub fn to_response(&self) -> Value {
        let mut obj = Map::new();
        obj.insert(
            "environmentName".into(),
            Value::String(self.environment_name.clone()),
        );
        obj.insert(
            "connectionName".into(),
            Value::String(self.connection_name.clone()),
        );
        obj.insert("projectId".into(), Value::String(self.project_id.clone()));
        obj.insert("authType".into(), Value::String(self.auth_type.clone()));
        if let Some(o) = &self.connection_overrides {
            obj.insert("connectionOverrides".into(), Value::Object(o.clone()));
        }
        Value::Object(obj)
    }
}
