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
