//! The Terraform-side model of one connection: a wholly known planned or
//! stored value, read out of (and written back into) the cty object.

use std::collections::BTreeMap;

use crate::plugin::cty::{AttributePath, Value};
use crate::plugin::Diagnostic;
use crate::resources::attr::{self, opt_string, Attr};

use super::schema::names::*;

/// `secrets_location { ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretsLocationSpec {
    /// The vault type.
    pub r#type: String,
    /// AWS region.
    pub region: Option<String>,
    /// Azure vault name.
    pub vault_name: Option<String>,
    /// GCP project.
    pub gcp_project_id: Option<String>,
}

/// `connection_properties { ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionPropertiesSpec {
    /// Secret name (COMPONENT_BASIC).
    pub secret_name: Option<String>,
    /// Key within the secret (COMPONENT_BASIC).
    pub secret_key: Option<String>,
    /// Cloud credential secret name (CLOUD_PLATFORM_CREDENTIALS).
    pub credential_secret_name: Option<String>,
}

/// One connection with every configurable value known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionSpec {
    /// The project's UUID.
    pub project_id: String,
    /// The connection's name.
    pub name: String,
    /// `COMPONENT_BASIC` or `CLOUD_PLATFORM_CREDENTIALS`.
    pub platform_connection_type: String,
    /// The auth type.
    pub auth_type: String,
    /// The auth provider (`NONE` when none).
    pub auth_provider: String,
    /// Optional description.
    pub description: Option<String>,
    /// Optional vault location.
    pub secrets_location: Option<SecretsLocationSpec>,
    /// Optional connection properties.
    pub connection_properties: Option<ConnectionPropertiesSpec>,
}

/// What Maia records about a connection beyond its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerFields {
    /// `createdBy`.
    pub created_by: Option<String>,
    /// `createdDate`.
    pub created_date: Option<String>,
}

/// The Terraform ID of a connection: `<project_id>/<name>`.
pub fn connection_id(project_id: &str, name: &str) -> String {
    format!("{project_id}/{name}")
}

fn required_string(obj: &Value, name: &str, path: AttributePath) -> Result<String, Diagnostic> {
    match attr::string(obj, name) {
        Attr::Known(s) => Ok(s),
        Attr::Null => Err(Diagnostic::error(
            format!("Missing value for {name}"),
            "The provider needs this value to call the Maia API, but it is not set.",
        )
        .at(path)),
        Attr::Unknown => Err(Diagnostic::error(
            format!("Value of {name} is not known"),
            "The provider needs this value to call the Maia API, but it is still unknown at apply time.",
        )
        .at(path)),
    }
}

fn optional_string(
    obj: &Value,
    name: &str,
    path: AttributePath,
) -> Result<Option<String>, Diagnostic> {
    match attr::string(obj, name) {
        Attr::Known(s) => Ok(Some(s)),
        Attr::Null => Ok(None),
        Attr::Unknown => Err(Diagnostic::error(
            format!("Value of {name} is not known"),
            "The provider needs this value to call the Maia API, but it is still unknown at apply time.",
        )
        .at(path)),
    }
}

impl ConnectionSpec {
    /// Reads a wholly known planned (or stored) object. `auth_provider` null
    /// reads as `NONE`.
    pub fn from_value(v: &Value) -> Result<Self, Diagnostic> {
        let root = AttributePath::root;
        let secrets_location = match attr::single_block(v, SECRETS_LOCATION) {
            Attr::Null => None,
            Attr::Unknown => {
                return Err(Diagnostic::error(
                    "Value of secrets_location is not known",
                    "The secrets_location block is still unknown at apply time.",
                )
                .at(root().then_attr(SECRETS_LOCATION)))
            }
            Attr::Known(b) => {
                let p = || root().then_attr(SECRETS_LOCATION).then_index(0);
                Some(SecretsLocationSpec {
                    r#type: required_string(b, TYPE, p().then_attr(TYPE))?,
                    region: optional_string(b, REGION, p().then_attr(REGION))?,
                    vault_name: optional_string(b, VAULT_NAME, p().then_attr(VAULT_NAME))?,
                    gcp_project_id: optional_string(
                        b,
                        GCP_PROJECT_ID,
                        p().then_attr(GCP_PROJECT_ID),
                    )?,
                })
            }
        };
        let connection_properties = match attr::single_block(v, CONNECTION_PROPERTIES) {
            Attr::Null => None,
            Attr::Unknown => {
                return Err(Diagnostic::error(
                    "Value of connection_properties is not known",
                    "The connection_properties block is still unknown at apply time.",
                )
                .at(root().then_attr(CONNECTION_PROPERTIES)))
            }
            Attr::Known(b) => {
                let p = || root().then_attr(CONNECTION_PROPERTIES).then_index(0);
                Some(ConnectionPropertiesSpec {
                    secret_name: optional_string(b, SECRET_NAME, p().then_attr(SECRET_NAME))?,
                    secret_key: optional_string(b, SECRET_KEY, p().then_attr(SECRET_KEY))?,
                    credential_secret_name: optional_string(
                        b,
                        CREDENTIAL_SECRET_NAME,
                        p().then_attr(CREDENTIAL_SECRET_NAME),
                    )?,
                })
            }
        };
        Ok(Self {
            project_id: required_string(v, PROJECT_ID, root().then_attr(PROJECT_ID))?,
            name: required_string(v, NAME, root().then_attr(NAME))?,
            platform_connection_type: required_string(
                v,
                PLATFORM_CONNECTION_TYPE,
                root().then_attr(PLATFORM_CONNECTION_TYPE),
            )?,
            auth_type: required_string(v, AUTH_TYPE, root().then_attr(AUTH_TYPE))?,
            auth_provider: optional_string(v, AUTH_PROVIDER, root().then_attr(AUTH_PROVIDER))?
                .unwrap_or_else(|| super::validate::NO_AUTH_PROVIDER.to_string()),
            description: optional_string(v, DESCRIPTION, root().then_attr(DESCRIPTION))?,
            secrets_location,
            connection_properties,
        })
    }

    /// The Terraform ID.
    pub fn id(&self) -> String {
        connection_id(&self.project_id, &self.name)
    }

    /// The full state object.
    pub fn to_state(&self, server: &ServerFields) -> Value {
        let secrets_location = match &self.secrets_location {
            None => Value::List(vec![]),
            Some(s) => Value::List(vec![Value::object([
                (TYPE, Value::string(&s.r#type)),
                (REGION, opt_string(s.region.as_deref())),
                (VAULT_NAME, opt_string(s.vault_name.as_deref())),
                (GCP_PROJECT_ID, opt_string(s.gcp_project_id.as_deref())),
            ])]),
        };
        let connection_properties = match &self.connection_properties {
            None => Value::List(vec![]),
            Some(p) => Value::List(vec![Value::object([
                (SECRET_NAME, opt_string(p.secret_name.as_deref())),
                (SECRET_KEY, opt_string(p.secret_key.as_deref())),
                (
                    CREDENTIAL_SECRET_NAME,
                    opt_string(p.credential_secret_name.as_deref()),
                ),
            ])]),
        };
        let mut m = BTreeMap::new();
        m.insert(ID.to_string(), Value::string(self.id()));
        m.insert(PROJECT_ID.to_string(), Value::string(&self.project_id));
        m.insert(NAME.to_string(), Value::string(&self.name));
        m.insert(
            PLATFORM_CONNECTION_TYPE.to_string(),
            Value::string(&self.platform_connection_type),
        );
        m.insert(AUTH_TYPE.to_string(), Value::string(&self.auth_type));
        m.insert(
            AUTH_PROVIDER.to_string(),
            Value::string(&self.auth_provider),
        );
        m.insert(
            DESCRIPTION.to_string(),
            opt_string(self.description.as_deref()),
        );
        m.insert(
            CREATED_BY.to_string(),
            opt_string(server.created_by.as_deref()),
        );
        m.insert(
            CREATED_DATE.to_string(),
            opt_string(server.created_date.as_deref()),
        );
        m.insert(SECRETS_LOCATION.to_string(), secrets_location);
        m.insert(CONNECTION_PROPERTIES.to_string(), connection_properties);
        Value::Object(m)
    }
}

impl ServerFields {
    /// Reads the computed server fields out of a stored state object.
    pub fn from_state(v: &Value) -> Self {
        Self {
            created_by: attr::string(v, CREATED_BY).to_option(),
            created_date: attr::string(v, CREATED_DATE).to_option(),
        }
    }
}
