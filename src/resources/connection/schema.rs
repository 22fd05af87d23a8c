//! The `maia_connection` schema and its identity schema.

use crate::plugin::cty::Type;
use crate::plugin::schema::{
    Attribute, Block, IdentityAttribute, IdentitySchema, NestedBlock, NestingMode, Schema,
    StringKind,
};

/// Attribute names, as users write them.
pub mod names {
    /// `id`
    pub const ID: &str = "id";
    /// `project_id`
    pub const PROJECT_ID: &str = "project_id";
    /// `name`
    pub const NAME: &str = "name";
    /// `platform_connection_type`
    pub const PLATFORM_CONNECTION_TYPE: &str = "platform_connection_type";
    /// `auth_type`
    pub const AUTH_TYPE: &str = "auth_type";
    /// `auth_provider`
    pub const AUTH_PROVIDER: &str = "auth_provider";
    /// `description`
    pub const DESCRIPTION: &str = "description";
    /// `created_by`
    pub const CREATED_BY: &str = "created_by";
    /// `created_date`
    pub const CREATED_DATE: &str = "created_date";
    /// `secrets_location` block
    pub const SECRETS_LOCATION: &str = "secrets_location";
    /// `secrets_location.type`
    pub const TYPE: &str = "type";
    /// `secrets_location.region`
    pub const REGION: &str = "region";
    /// `secrets_location.vault_name`
    pub const VAULT_NAME: &str = "vault_name";
    /// `secrets_location.gcp_project_id`
    pub const GCP_PROJECT_ID: &str = "gcp_project_id";
    /// `connection_properties` block
    pub const CONNECTION_PROPERTIES: &str = "connection_properties";
    /// `connection_properties.secret_name`
    pub const SECRET_NAME: &str = "secret_name";
    /// `connection_properties.secret_key`
    pub const SECRET_KEY: &str = "secret_key";
    /// `connection_properties.credential_secret_name`
    pub const CREDENTIAL_SECRET_NAME: &str = "credential_secret_name";
}

use names::*;

/// The state schema version of `maia_connection`.
pub const SCHEMA_VERSION: i64 = 0;

fn string_attr(name: &str, description: &str) -> Attribute {
    Attribute::new(name, Type::String).description(description)
}

/// The resource schema.
pub fn schema() -> Schema {
    let secrets_location = NestedBlock {
        type_name: SECRETS_LOCATION.into(),
        nesting: NestingMode::List,
        min_items: 0,
        max_items: 1,
        block: Block {
            description: "Where the secret the connection refers to is stored. Without this block the agent's configured vault is used.".into(),
            description_kind: StringKind::Markdown,
            attributes: vec![
                string_attr(TYPE, "The vault type: `AWS_SECRET_MANAGER`, `AZURE_SECRET_MANAGER`, `GCP_SECRET_MANAGER`, `MATILLION_CUSTOMER_VAULT` or `DEFAULT_SECRET_VAULT`.").required(),
                string_attr(REGION, "The AWS region of the secret (only with `AWS_SECRET_MANAGER`).").optional(),
                string_attr(VAULT_NAME, "The Azure Key Vault name (only with `AZURE_SECRET_MANAGER`).").optional(),
                string_attr(GCP_PROJECT_ID, "The GCP project holding the secret (only with `GCP_SECRET_MANAGER`).").optional(),
            ],
            ..Block::default()
        },
    };
    let connection_properties = NestedBlock {
        type_name: CONNECTION_PROPERTIES.into(),
        nesting: NestingMode::List,
        min_items: 0,
        max_items: 1,
        block: Block {
            description: "Which secret the connection uses. The secret's value never passes through Terraform: only its name and key.".into(),
            description_kind: StringKind::Markdown,
            attributes: vec![
                string_attr(SECRET_NAME, "The name of the secret (`COMPONENT_BASIC` only; required there, non-empty).").optional(),
                string_attr(SECRET_KEY, "The key within the secret (`COMPONENT_BASIC` only).").optional(),
                string_attr(CREDENTIAL_SECRET_NAME, "The name of the secret holding the cloud platform credentials (`CLOUD_PLATFORM_CREDENTIALS` only; required there).").optional(),
            ],
            ..Block::default()
        },
    };
    Schema {
        version: SCHEMA_VERSION,
        block: Block {
            description: "A connection of a Maia (Matillion Data Productivity Cloud) project: which secret a component or the project's cloud platform access uses, and where that secret is stored.".into(),
            description_kind: StringKind::Markdown,
            attributes: vec![
                string_attr(ID, "The connection's ID in Terraform: `<project_id>/<name>`. Also the import ID.").computed(),
                string_attr(PROJECT_ID, "The ID (a lowercase UUID) of the project holding the connection. Changing it replaces the connection.").required(),
                string_attr(NAME, "The connection's name, unique in the project. Changing it replaces the connection.").required(),
                string_attr(PLATFORM_CONNECTION_TYPE, "`COMPONENT_BASIC` (a component's connection to a data source, API or SaaS application) or `CLOUD_PLATFORM_CREDENTIALS` (the project's access to AWS, Azure or GCP).").required(),
                string_attr(AUTH_TYPE, "The kind of secret referenced: `GENERIC_SECRET`, `CLOUD_PROVIDER_SECRET`, `OAUTH_USER_TOKENS`, `OAUTH_AUTHORIZATION_CODE`, `OAUTH_CLIENT_CRED`, `COMPOSITE_TOKEN` or `OAUTH_1_0_X_ADS`. Must fit `platform_connection_type` and `auth_provider`.").required(),
                string_attr(AUTH_PROVIDER, "The authentication provider: `NONE` with `GENERIC_SECRET` (the default when omitted), a connector such as `salesforce` with the OAuth types, `netsuite` with `COMPOSITE_TOKEN`, `x-ads` with `OAUTH_1_0_X_ADS`, or `aws`, `gcp`, `azure` with `CLOUD_PROVIDER_SECRET`. Fixed at creation: changing it replaces the connection.").optional().computed(),
                string_attr(DESCRIPTION, "A description of the connection.").optional(),
                string_attr(CREATED_BY, "Who created the connection, as Maia records it.").computed(),
                string_attr(CREATED_DATE, "When the connection was created (RFC 3339), as Maia records it.").computed(),
            ],
            blocks: vec![secrets_location, connection_properties],
            ..Block::default()
        },
    }
}

/// The identity schema: a connection is identified by its project and name.
pub fn identity_schema() -> IdentitySchema {
    IdentitySchema {
        version: 0,
        attributes: vec![
            IdentityAttribute {
                name: PROJECT_ID.into(),
                ty: Type::String,
                required_for_import: true,
                optional_for_import: false,
                description: "The ID of the project holding the connection.".into(),
            },
            IdentityAttribute {
                name: NAME.into(),
                ty: Type::String,
                required_for_import: true,
                optional_for_import: false,
                description: "The connection's name.".into(),
            },
        ],
    }
}
