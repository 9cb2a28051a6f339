//! The Discord half of `footcoach check`: with the configured token, asks
//! Discord who the bot is, whether the slash commands are registered as this
//! build registers them, and how many shards to run.

use serde_json::{json, Map, Value};

use crate::check::line::{Line, TIMEOUT};
use crate::config::{Config, Secret};
use crate::store::Store;

const TOKEN_FIX: &str = "put the bot token from the developer portal in DISCORD_TOKEN";
const REACH_FIX: &str = "check the network, or DISCORD_API_URL when it is set";

/// Why a request to Discord gave nothing usable.
enum Failure {
    Refused { status: u16, message: String },
    Unreachable(String),
}

struct Api {
    client: reqwest::Client,
    base: String,
    authorization: Secret,
}

impl Api {
    async fn get(&self, path: &str) -> Result<Value, Failure> {
        let response = self
            .client
            .get(format!("{}/api/v10{path}", self.base))
            .header(reqwest::header::AUTHORIZATION, self.authorization.expose())
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status >= 300 {
            let message = body["message"].as_str().unwrap_or("no message").to_owned();
            return Err(Failure::Refused { status, message });
        }
        Ok(body)
    }

    fn unreachable(&self, e: reqwest::Error) -> Failure {
        if e.is_timeout() {
            return Failure::Unreachable(format!(
                "{} did not answer within {} s",
                self.base,
                TIMEOUT.as_secs()
            ));
        }
        // reqwest's own words are vague ("error sending request"): the causes say more.
        let e = e.without_url();
        let mut text = format!("cannot reach {}: {e}", self.base);
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        Failure::Unreachable(text)
    }
}

fn failure_line(subject: &'static str, asked: &str, failure: Failure) -> Line {
    match failure {
        Failure::Refused { status: 401, .. } => {
            Line::fail(subject, "Discord refused the token (401)", TOKEN_FIX)
        }
        Failure::Refused { status, message } => Line::fail(
            subject,
            format!("Discord answered {status} ({message}) to {asked}"),
            "try again in a minute; if it lasts, see https://discordstatus.com",
        ),
        Failure::Unreachable(text) => Line::fail(subject, text, REACH_FIX),
    }
}

/// Hands `emit` one line per Discord check. `store`, when the database
/// check passed, lets a stale registration be forgotten so `footcoach run`
/// registers again.
pub async fn run(
    config: &Config,
    token: &Secret,
    store: Option<&Store>,
    emit: &mut dyn FnMut(Line),
) {
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent(super::messenger::USER_AGENT)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return emit(Line::fail(
                "discord",
                format!("cannot build an HTTP client: {e}"),
                "report this as a bug",
            ))
        }
    };
    let api = Api {
        client,
        base: config
            .discord_api_url
            .clone()
            .unwrap_or_else(|| "https://discord.com".to_owned()),
        authorization: Secret::new(format!("Bot {}", token.expose())),
    };

    match api.get("/users/@me").await {
        Ok(me) => emit(Line::ok(
            "discord token",
            format!(
                "the bot is {} (user id {})",
                me["username"].as_str().unwrap_or("?"),
                me["id"].as_str().unwrap_or("?")
            ),
        )),
        Err(failure) => {
            emit(failure_line("discord token", "GET /users/@me", failure));
            return emit(Line::skipped(
                "discord commands and gateway",
                "not asked until the token works",
            ));
        }
    }
    emit(commands(&api, config.discord_guild_id, store).await);
    emit(gateway(&api).await);
}

async fn commands(api: &Api, guild: Option<u64>, store: Option<&Store>) -> Line {
    const SUBJECT: &str = "discord commands";
    let application = match api.get("/oauth2/applications/@me").await {
        Ok(app) => app["id"].as_str().unwrap_or_default().to_owned(),
        Err(f) => return failure_line(SUBJECT, "GET /oauth2/applications/@me", f),
    };
    let (path, scope) = match guild {
        Some(g) => (
            format!("/applications/{application}/guilds/{g}/commands"),
            format!("in server {g}"),
        ),
        None => (
            format!("/applications/{application}/commands"),
            "globally".to_owned(),
        ),
    };
    let registered = match api.get(&path).await {
        Ok(list) => list,
        Err(Failure::Refused { status: 403, .. }) if guild.is_some() => {
            return Line::fail(
                SUBJECT,
                format!("the bot may not register commands in server {}", guild.unwrap_or(0)),
                "install the bot in that server with the applications.commands scope, or fix DISCORD_GUILD_ID",
            )
        }
        Err(f) => return failure_line(SUBJECT, &format!("GET {path}"), f),
    };
    let built = poise::builtins::create_application_commands(&super::commands::all());
    let built = serde_json::to_value(&built).unwrap_or(Value::Null);
    let differences = compare(&built, &registered, guild.is_none());
    if differences.is_empty() {
        let n = built.as_array().map_or(0, Vec::len);
        return Line::ok(
            SUBJECT,
            format!("{n} registered {scope}, as this build registers them"),
        );
    }
    // `footcoach run` registers only when the command set differs from the
    // one it remembers registering: forgetting that makes it register again.
    let application = application.parse::<u64>().unwrap_or(0);
    let (key, _) = super::registration_key(application, guild);
    let forgot = match store {
        Some(store) => store.set_bot_state(&key, "").await.is_ok(),
        None => false,
    };
    let fix = if forgot {
        "start `footcoach run`, which registers them again (this check made it forget the last registration)"
    } else {
        "start `footcoach run` once the database check passes, to register them"
    };
    Line::fail(
        SUBJECT,
        format!(
            "registered {scope} differently from this build: {}",
            differences.join("; ")
        ),
        fix,
    )
}

async fn gateway(api: &Api) -> Line {
    const SUBJECT: &str = "discord gateway";
    let gateway = match api.get("/gateway/bot").await {
        Ok(g) => g,
        Err(f) => return failure_line(SUBJECT, "GET /gateway/bot", f),
    };
    let shards = gateway["shards"].as_u64().unwrap_or(0);
    let limit = &gateway["session_start_limit"];
    let remaining = limit["remaining"].as_u64().unwrap_or(0);
    if remaining == 0 {
        let minutes = limit["reset_after"].as_u64().unwrap_or(0).div_ceil(60_000);
        return Line::fail(
            SUBJECT,
            "no session starts are left today, so the bot cannot connect",
            &format!("wait {minutes} minute(s) until Discord resets the limit"),
        );
    }
    Line::ok(
        SUBJECT,
        format!("{shards} shard(s) recommended, {remaining} session starts left today"),
    )
}

/// What differs between the commands this build registers and those
/// Discord holds, as "missing /x", "not in this build: /y", "/z differs
/// (description)"; empty when they match.
fn compare(built: &Value, registered: &Value, global: bool) -> Vec<String> {
    let shapes = |list: &Value| -> Vec<(String, Map<String, Value>)> {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let shape = command_shape(c, global);
                (command_label(&shape), shape)
            })
            .collect()
    };
    let built = shapes(built);
    let registered = shapes(registered);
    let find = |list: &[(String, Map<String, Value>)], label: &str| {
        list.iter()
            .find(|(l, _)| l == label)
            .map(|(_, s)| s.clone())
    };
    let mut out = Vec::new();
    let missing: Vec<&str> = built
        .iter()
        .filter(|(l, _)| find(&registered, l).is_none())
        .map(|(l, _)| l.as_str())
        .collect();
    if !missing.is_empty() {
        out.push(format!("missing {}", missing.join(", ")));
    }
    let extra: Vec<&str> = registered
        .iter()
        .filter(|(l, _)| find(&built, l).is_none())
        .map(|(l, _)| l.as_str())
        .collect();
    if !extra.is_empty() {
        out.push(format!("not in this build: {}", extra.join(", ")));
    }
    for (label, want) in &built {
        let Some(have) = find(&registered, label) else {
            continue;
        };
        let fields: Vec<&str> = want
            .iter()
            .filter(|(k, v)| have.get(*k) != Some(v))
            .map(|(k, _)| k.as_str())
            .collect();
        if !fields.is_empty() {
            out.push(format!("{label} differs ({})", fields.join(", ")));
        }
    }
    out
}

/// "/name" for a slash command, the bare name for a context-menu one.
fn command_label(shape: &Map<String, Value>) -> String {
    let name = shape["name"].as_str().unwrap_or_default();
    if shape["type"] == json!(1) {
        format!("/{name}")
    } else {
        name.to_owned()
    }
}

/// The fields of a command that decide how Discord offers it, with
/// Discord's defaults filled in. `contexts` and `integration_types` apply
/// only to global commands, so a server's are not compared.
fn command_shape(c: &Value, global: bool) -> Map<String, Value> {
    let mut shape = Map::new();
    shape.insert("type".into(), json!(c["type"].as_u64().unwrap_or(1)));
    shape.insert("name".into(), c["name"].clone());
    shape.insert("description".into(), text_or_empty(&c["description"]));
    shape.insert("options".into(), options_shape(&c["options"]));
    let permissions = match &c["default_member_permissions"] {
        Value::Number(n) => json!(n.to_string()),
        other => other.clone(),
    };
    shape.insert("default_member_permissions".into(), permissions);
    if global {
        shape.insert(
            "contexts".into(),
            sorted_numbers(&c["contexts"], Value::Null),
        );
        shape.insert(
            "integration_types".into(),
            sorted_numbers(&c["integration_types"], json!([0])),
        );
    }
    shape
}

fn options_shape(options: &Value) -> Value {
    let list = options.as_array().into_iter().flatten().map(|o| {
        let mut shape = Map::new();
        for key in ["type", "name"] {
            shape.insert(key.into(), o[key].clone());
        }
        shape.insert("description".into(), text_or_empty(&o["description"]));
        for key in ["required", "autocomplete"] {
            shape.insert(key.into(), json!(o[key].as_bool().unwrap_or(false)));
        }
        let choices = o["choices"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| json!({"name": c["name"], "value": number_as_float(&c["value"])}));
        shape.insert("choices".into(), Value::Array(choices.collect()));
        shape.insert("options".into(), options_shape(&o["options"]));
        shape.insert(
            "channel_types".into(),
            sorted_numbers(&o["channel_types"], json!([])),
        );
        for key in ["min_value", "max_value", "min_length", "max_length"] {
            shape.insert(key.into(), number_as_float(&o[key]));
        }
        Value::Object(shape)
    });
    Value::Array(list.collect())
}

fn text_or_empty(v: &Value) -> Value {
    json!(v.as_str().unwrap_or_default())
}

/// Discord may answer 1.0 for the 1 it was given.
fn number_as_float(v: &Value) -> Value {
    v.as_f64().map_or_else(|| v.clone(), |f| json!(f))
}

/// A list of numbers in order, or `absent` (what Discord assumes) without one.
fn sorted_numbers(v: &Value, absent: Value) -> Value {
    match v.as_array() {
        Some(list) => {
            let mut numbers: Vec<u64> = list.iter().filter_map(Value::as_u64).collect();
            numbers.sort_unstable();
            json!(numbers)
        }
        None => absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built() -> Value {
        let commands = poise::builtins::create_application_commands(&super::super::commands::all());
        serde_json::to_value(&commands).unwrap()
    }

    #[test]
    fn this_build_matches_itself_with_discords_defaults_filled_in() {
        let mut registered = built();
        for c in registered.as_array_mut().unwrap() {
            let c = c.as_object_mut().unwrap();
            c.insert("id".into(), json!("1"));
            c.insert("version".into(), json!("1"));
            c.entry("type").or_insert(json!(1));
        }
        assert_eq!(compare(&built(), &registered, true), Vec::<String>::new());
    }

    #[test]
    fn missing_extra_and_changed_commands_are_named() {
        let mut registered = built();
        let list = registered.as_array_mut().unwrap();
        let routine = list.iter().position(|c| c["name"] == "routine").unwrap();
        list.remove(routine);
        list[0]["description"] = json!("an older description");
        let changed = list[0]["name"].as_str().unwrap().to_owned();
        list.push(json!({"name": "old", "description": "gone", "type": 1}));
        let found = compare(&built(), &registered, true);
        assert_eq!(found[0], "missing /routine");
        assert_eq!(found[1], "not in this build: /old");
        assert_eq!(found[2], format!("/{changed} differs (description)"));
    }
}
