//! Application commands: bulk overwrites (`PUT .../commands`) and the
//! registered commands per scope.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::rest::Reply;
use super::validate::{invalid_form, validate_commands};
use super::{snowflake, StateInner, APPLICATION_ID};

pub(super) fn registered(st: &StateInner, scope: Option<u64>) -> Vec<Value> {
    st.commands
        .get(&scope)
        .map(|v| v.iter().map(|(_, out)| out.clone()).collect())
        .unwrap_or_default()
}

pub(super) fn put_commands(st: &mut StateInner, scope: Option<u64>, body: &Value) -> Reply {
    let errors = validate_commands(body);
    if !errors.is_empty() {
        return invalid_form(errors);
    }
    let list = body.as_array().expect("validated as a list");

    let previous = st.commands.get(&scope).cloned().unwrap_or_default();
    let find_previous = |c: &Value| {
        previous
            .iter()
            .find(|(given, _)| {
                given["name"] == c["name"]
                    && given["type"].as_u64().unwrap_or(1) == c["type"].as_u64().unwrap_or(1)
            })
            .cloned()
    };
    let new_names = list.iter().filter(|c| find_previous(c).is_none()).count();
    let creates = st.command_creates.entry(scope).or_default();
    creates.retain(|t| t.elapsed() < Duration::from_secs(86_400));
    if creates.len() + new_names > 200 {
        return Reply::json(
            429,
            json!({
                "message": "Max number of daily application command creates has been reached (200)",
                "code": 30034,
                "retry_after": 86_400.0,
                "global": false,
            }),
        );
    }
    creates.extend(std::iter::repeat_n(Instant::now(), new_names));

    let mut stored = Vec::new();
    for c in list {
        let before = find_previous(c);
        let mut out = c.clone();
        let obj = out.as_object_mut().expect("command object");
        let (id, version) = match &before {
            Some((given, answered)) => {
                let version = if given == c {
                    answered["version"].clone()
                } else {
                    json!(snowflake().to_string())
                };
                (answered["id"].clone(), version)
            }
            None => {
                let id = json!(snowflake().to_string());
                (id.clone(), id)
            }
        };
        obj.insert("id".into(), id);
        obj.insert("application_id".into(), json!(APPLICATION_ID.to_string()));
        obj.insert("version".into(), version);
        obj.entry("type").or_insert(json!(1));
        obj.entry("description").or_insert(json!(""));
        obj.entry("default_member_permissions")
            .or_insert(Value::Null);
        obj.entry("nsfw").or_insert(json!(false));
        match scope {
            Some(guild) => {
                obj.insert("guild_id".into(), json!(guild.to_string()));
            }
            None => {
                obj.entry("dm_permission").or_insert(json!(true));
                obj.entry("integration_types").or_insert(json!([0]));
                obj.entry("contexts").or_insert(Value::Null);
            }
        }
        stored.push((c.clone(), out));
    }
    let answer: Vec<Value> = stored.iter().map(|(_, out)| out.clone()).collect();
    let gone = previous
        .into_iter()
        .filter(|(given, _)| !list.contains(given))
        .map(|(_, answered)| answered);
    let replaced = st.replaced_commands.entry(scope).or_default();
    for old in gone {
        replaced.insert(0, old);
    }
    st.commands.insert(scope, stored);
    Reply::ok(json!(answer))
}

impl super::FakeDiscord {
    /// Registers `commands` in `scope` (`None` = global) as an earlier
    /// version of the bot did, so that once the bot overwrites them,
    /// interactions for the old shapes can still be dispatched.
    pub fn register_commands(&self, scope: Option<u64>, commands: Value) {
        let reply = put_commands(&mut self.inner.lock(), scope, &commands);
        assert!(reply.status < 300, "not a valid command list: {commands}");
    }
}
