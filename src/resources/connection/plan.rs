//! Planning a `maia_connection` change: computed values, replacement, and
//! keeping known what stays known.

use crate::plugin::cty::{AttributePath, Value};
use crate::plugin::traits::{PlanRequest, PlanResponse};
use crate::resources::attr::{self, Attr};

use super::model::connection_id;
use super::schema::names::*;
use super::validate::NO_AUTH_PROVIDER;

/// The attributes whose change replaces the connection.
pub const REPLACING_ATTRIBUTES: &[&str] = &[PROJECT_ID, NAME, AUTH_PROVIDER];

/// Plans one change. Pure: no network calls.
pub fn plan(req: &PlanRequest) -> PlanResponse {
    let Value::Object(mut planned) = req.proposed_new_state.clone() else {
        // Destroy (or a value that is not an object: nothing to plan).
        return PlanResponse {
            planned_state: req.proposed_new_state.clone(),
            ..PlanResponse::default()
        };
    };

    // Omitted auth_provider means NONE (validation makes sure that only
    // happens with GENERIC_SECRET).
    if req.config.get_attr(AUTH_PROVIDER).is_null() {
        planned.insert(AUTH_PROVIDER.into(), Value::string(NO_AUTH_PROVIDER));
    }

    let planned_value = Value::Object(planned.clone());
    let mut requires_replace = Vec::new();
    let creating = req.prior_state.is_null();
    if !creating {
        for name in REPLACING_ATTRIBUTES {
            if req.prior_state.get_attr(name) != planned_value.get_attr(name) {
                requires_replace.push(AttributePath::attr(*name));
            }
        }
    }
    let replacing = !requires_replace.is_empty();

    let id = match (
        attr::string(&planned_value, PROJECT_ID),
        attr::string(&planned_value, NAME),
    ) {
        (Attr::Known(p), Attr::Known(n)) => Value::string(connection_id(&p, &n)),
        _ => Value::unknown(),
    };
    planned.insert(ID.into(), id);
    if creating || replacing {
        planned.insert(CREATED_BY.into(), Value::unknown());
        planned.insert(CREATED_DATE.into(), Value::unknown());
    } else {
        for name in [CREATED_BY, CREATED_DATE] {
            planned.insert(name.into(), req.prior_state.get_attr(name).clone());
        }
    }

    let planned_state = Value::Object(planned);
    PlanResponse {
        planned_identity: identity_of(&planned_state),
        planned_state,
        requires_replace,
        planned_private: req.prior_private.clone(),
        ..PlanResponse::default()
    }
}

/// The identity `{project_id, name}` of a state or planned object, when both are known.
pub fn identity_of(state: &Value) -> Option<Value> {
    match (attr::string(state, PROJECT_ID), attr::string(state, NAME)) {
        (Attr::Known(p), Attr::Known(n)) => Some(Value::object([
            (PROJECT_ID, Value::String(p)),
            (NAME, Value::String(n)),
        ])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::connection::model::{ConnectionSpec, ServerFields};

    fn spec() -> ConnectionSpec {
        ConnectionSpec {
            project_id: "550e8400-e29b-41d4-a716-446655440002".into(),
            name: "c1".into(),
            platform_connection_type: "COMPONENT_BASIC".into(),
            auth_type: "GENERIC_SECRET".into(),
            auth_provider: "NONE".into(),
            ..ConnectionSpec::default()
        }
    }

    fn config_of(state: &Value, auth_provider: Value) -> Value {
        let mut m = state.as_object().cloned().unwrap_or_default();
        for computed in [ID, CREATED_BY, CREATED_DATE] {
            m.insert(computed.into(), Value::Null);
        }
        m.insert(AUTH_PROVIDER.into(), auth_provider);
        Value::Object(m)
    }

    fn server() -> ServerFields {
        ServerFields {
            created_by: Some("me".into()),
            created_date: Some("2026-01-01T00:00:00Z".into()),
        }
    }

    #[test]
    fn create_fills_id_and_none_provider_and_leaves_server_fields_unknown() {
        let config = config_of(&spec().to_state(&ServerFields::default()), Value::Null);
        let resp = plan(&PlanRequest {
            prior_state: Value::Null,
            proposed_new_state: config.clone(),
            config,
            prior_private: vec![],
            prior_identity: None,
        });
        let p = &resp.planned_state;
        assert_eq!(
            p.get_attr(ID),
            &Value::string("550e8400-e29b-41d4-a716-446655440002/c1")
        );
        assert_eq!(p.get_attr(AUTH_PROVIDER), &Value::string("NONE"));
        assert!(p.get_attr(CREATED_BY).is_unknown());
        assert!(resp.requires_replace.is_empty());
        assert!(resp.planned_identity.is_some());
    }

    #[test]
    fn unchanged_config_plans_exactly_the_prior_state() {
        let prior = spec().to_state(&server());
        let config = config_of(&prior, Value::Null);
        // Terraform's proposed state: config plus prior computed values.
        let resp = plan(&PlanRequest {
            prior_state: prior.clone(),
            proposed_new_state: prior.clone(),
            config,
            prior_private: vec![],
            prior_identity: None,
        });
        assert_eq!(resp.planned_state, prior);
        assert!(resp.requires_replace.is_empty());
    }

    #[test]
    fn name_change_requires_replacement_and_unknown_server_fields() {
        let prior = spec().to_state(&server());
        let mut changed = spec();
        changed.name = "c2".into();
        let proposed = changed.to_state(&server());
        let resp = plan(&PlanRequest {
            prior_state: prior,
            proposed_new_state: proposed.clone(),
            config: config_of(&proposed, Value::Null),
            prior_private: vec![],
            prior_identity: None,
        });
        assert_eq!(resp.requires_replace, vec![AttributePath::attr(NAME)]);
        assert!(resp.planned_state.get_attr(CREATED_DATE).is_unknown());
        assert_eq!(
            resp.planned_state.get_attr(ID),
            &Value::string("550e8400-e29b-41d4-a716-446655440002/c2")
        );
    }

    #[test]
    fn description_change_is_in_place() {
        let prior = spec().to_state(&server());
        let mut changed = spec();
        changed.description = Some("new".into());
        let proposed = changed.to_state(&server());
        let resp = plan(&PlanRequest {
            prior_state: prior,
            proposed_new_state: proposed.clone(),
            config: config_of(&proposed, Value::Null),
            prior_private: vec![],
            prior_identity: None,
        });
        assert!(resp.requires_replace.is_empty());
        assert_eq!(resp.planned_state, proposed);
    }

    #[test]
    fn unknown_name_gives_unknown_id() {
        let mut proposed = spec().to_state(&ServerFields::default());
        if let Value::Object(m) = &mut proposed {
            m.insert(NAME.into(), Value::unknown());
        }
        let resp = plan(&PlanRequest {
            prior_state: Value::Null,
            proposed_new_state: proposed.clone(),
            config: config_of(&proposed, Value::Null),
            prior_private: vec![],
            prior_identity: None,
        });
        assert!(resp.planned_state.get_attr(ID).is_unknown());
        assert!(resp.planned_identity.is_none());
    }

    #[test]
    fn destroy_plans_null() {
        let resp = plan(&PlanRequest {
            prior_state: spec().to_state(&server()),
            proposed_new_state: Value::Null,
            config: Value::Null,
            prior_private: vec![],
            prior_identity: None,
        });
        assert!(resp.planned_state.is_null());
    }
}
