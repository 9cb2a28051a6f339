//! The JSON objects Discord sends: users, messages, the application,
//! attachments, members, interactions and MESSAGE_CREATE payloads, for the
//! fake's answers and for tests to dispatch.

use serde_json::{json, Value};

use super::{
    interaction_token, snowflake, snowflake_timestamp, Interaction, APPLICATION_ID,
    APP_PERMISSIONS, ATTACHMENT_SIZE_LIMIT, BOT_NAME, BOT_USER_ID,
};

/// The bot's user object (as in READY and message authors).
pub(super) fn bot_user_json() -> Value {
    json!({
        "id": BOT_USER_ID.to_string(),
        "username": BOT_NAME,
        "discriminator": "0000",
        "global_name": null,
        "avatar": null,
        "bot": true,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
    })
}

/// The username the fake gives a user a test did not describe.
pub(super) fn default_username(id: u64) -> String {
    format!("user{}", id % 100_000)
}

/// A user object as Discord sends it.
pub fn user_json(id: u64, name: &str, bot: bool) -> Value {
    let mut user = json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": if bot { "0000" } else { "0" },
        "global_name": if bot { Value::Null } else { Value::from(name) },
        "avatar": null,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
    });
    if bot {
        user["bot"] = json!(true);
    }
    user
}

/// A complete message object (type 0, no guild).
pub fn message_json(id: u64, channel_id: u64, author: Value, content: &str) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": content,
        "timestamp": snowflake_timestamp(id),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    })
}

/// The application object (`GET /applications/@me`).
pub(super) fn application_json() -> Value {
    json!({
        "id": APPLICATION_ID.to_string(),
        "name": BOT_NAME,
        "icon": null,
        "description": "",
        "summary": "",
        "type": null,
        "hook": true,
        "bot_public": true,
        "bot_require_code_grant": false,
        "verify_key": "1e0a356058d627ca38a5c8c9648818061d49e49bd9da9e3ab17d98ad4d6bg2u8",
        "flags": 0,
        "owner": user_json(1_187_000_000_000_000_100, "owner", false),
        "team": null,
        "bot": bot_user_json(),
        "rpc_origins": [],
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "tags": [],
        // Installable to servers and to people's own accounts.
        "integration_types_config": {"0": {}, "1": {}},
    })
}

/// An attachment object for an uploaded file.
pub(super) fn attachment_json(channel: u64, filename: &str, size: usize) -> Value {
    let id = snowflake();
    let lower = filename.to_ascii_lowercase();
    let content_type = match lower.rsplit('.').next() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("txt") => "text/plain; charset=utf-8",
        Some("json") => "application/json; charset=utf-8",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    };
    json!({
        "id": id.to_string(),
        "filename": filename,
        "size": size,
        "url": format!("https://cdn.discordapp.com/attachments/{channel}/{id}/{filename}"),
        "proxy_url": format!("https://media.discordapp.net/attachments/{channel}/{id}/{filename}"),
        "content_type": content_type,
    })
}

fn member_json(user: Value) -> Value {
    json!({
        "user": user,
        "roles": [],
        "premium_since": null,
        "permissions": "2248473465835073",
        "pending": false,
        "nick": null,
        "mute": false,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "flags": 0,
        "deaf": false,
        "communication_disabled_until": null,
        "avatar": null,
        "banner": null,
        "unusual_dm_activity_until": null,
    })
}

/// An interaction's guild fields: the guild, the member `user`, and the text
/// channel where the app has `permissions`.
fn in_guild(payload: &mut Value, user: Value, guild: u64, channel: u64, permissions: u64) {
    payload["guild_id"] = json!(guild.to_string());
    payload["guild"] = json!({"id": guild.to_string(), "locale": "en-US", "features": []});
    payload["guild_locale"] = json!("en-US");
    payload["member"] = member_json(user);
    payload["channel_id"] = json!(channel.to_string());
    payload["channel"] = json!({
        "id": channel.to_string(),
        "type": 0,
        "guild_id": guild.to_string(),
        "name": format!("channel-{}", channel % 10_000),
        "position": 0,
        "parent_id": null,
        "nsfw": false,
        "topic": null,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
        "permissions": permissions.to_string(),
    });
}

/// The fields every interaction has; `guild` is (guild id, channel id).
fn interaction_base(
    kind: u64,
    user_id: u64,
    guild: Option<(u64, u64)>,
    dm_channel_id: u64,
) -> Interaction {
    let id = snowflake();
    let token = interaction_token();
    let user = user_json(user_id, &default_username(user_id), false);
    let mut payload = json!({
        "id": id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "type": kind,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "app_permissions": APP_PERMISSIONS.to_string(),
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    });
    match guild {
        Some((guild_id, channel_id)) => {
            in_guild(&mut payload, user, guild_id, channel_id, APP_PERMISSIONS);
            payload["context"] = json!(0);
            payload["authorizing_integration_owners"] = json!({"0": guild_id.to_string()});
        }
        None => {
            payload["user"] = user.clone();
            payload["channel_id"] = json!(dm_channel_id.to_string());
            payload["channel"] = json!({
                "id": dm_channel_id.to_string(),
                "type": 1,
                "last_message_id": null,
                "flags": 0,
                "recipients": [user],
            });
            payload["context"] = json!(1);
            // Guild-installed app used in its bot DM: the guild id is "0".
            payload["authorizing_integration_owners"] = json!({"0": "0"});
        }
    }
    Interaction { id, token, payload }
}

fn command_data(name: &str, options: Value) -> Value {
    let mut data = json!({"id": snowflake().to_string(), "name": name, "type": 1});
    if options.as_array().is_some_and(|o| !o.is_empty()) {
        data["options"] = options;
    }
    data
}

/// A slash command (`type: 2`). `guild` is (guild id, channel id); without
/// it the command comes from the DM channel `dm_channel_id`. `options` is
/// Discord's array, e.g. `[{"name": "set", "type": 1, "options":
/// [{"name": "time", "type": 3, "value": "07:30"}]}]` (`json!([])` for none).
pub fn slash_command(
    user_id: u64,
    guild: Option<(u64, u64)>,
    dm_channel_id: u64,
    name: &str,
    options: Value,
) -> Interaction {
    let mut ix = interaction_base(2, user_id, guild, dm_channel_id);
    ix.payload["data"] = command_data(name, options);
    ix
}

/// An autocomplete request (`type: 4`, otherwise as [`slash_command`]);
/// mark the option being typed with `"focused": true` (its `value` is the
/// partial text).
pub fn autocomplete(
    user_id: u64,
    guild: Option<(u64, u64)>,
    dm_channel_id: u64,
    name: &str,
    options: Value,
) -> Interaction {
    let mut ix = slash_command(user_id, guild, dm_channel_id, name, options);
    ix.payload["type"] = json!(4);
    ix
}

/// A button press (`type: 3`) on `message` (a message object, normally one
/// from [`FakeDiscord::messages`]) in `channel_id`, in `guild` or a DM.
pub fn button_press(
    user_id: u64,
    guild: Option<u64>,
    channel_id: u64,
    message: Value,
    custom_id: &str,
) -> Interaction {
    let mut ix = interaction_base(3, user_id, guild.map(|g| (g, channel_id)), channel_id);
    ix.payload["data"] = json!({"custom_id": custom_id, "component_type": 2});
    ix.payload["message"] = message;
    ix
}

/// A MESSAGE_CREATE payload. A DM has no `guild_id` key at all; a guild
/// message has `guild_id` and `member`. With `referenced_message` it is a
/// reply (type 19, `message_reference`) that pings the replied-to author
/// (Discord's client default: the author is in `mentions`); remove them from
/// `mentions` for a reply with the ping switched off.
pub fn message_create(
    channel_id: u64,
    guild_id: Option<u64>,
    author_id: u64,
    author_is_bot: bool,
    content: &str,
    referenced_message: Option<Value>,
) -> Value {
    let id = snowflake();
    let author = if author_id == BOT_USER_ID {
        bot_user_json()
    } else {
        user_json(author_id, &default_username(author_id), author_is_bot)
    };
    let mut msg = message_json(id, channel_id, author, content);
    msg["nonce"] = json!(snowflake().to_string());
    if let Some(referenced) = referenced_message {
        msg["type"] = json!(19);
        let mut reference = json!({
            "type": 0,
            "channel_id": referenced["channel_id"].clone(),
            "message_id": referenced["id"].clone(),
        });
        if let Some(g) = guild_id {
            reference["guild_id"] = json!(g.to_string());
        }
        msg["message_reference"] = reference;
        msg["mentions"] = json!([referenced["author"].clone()]);
        msg["referenced_message"] = referenced;
    }
    if let Some(g) = guild_id {
        msg["guild_id"] = json!(g.to_string());
        let mut member = member_json(Value::Null);
        if let Some(map) = member.as_object_mut() {
            map.remove("user");
            map.remove("permissions");
        }
        msg["member"] = member;
    }
    msg
}

/// Where a person uses the app they installed to their own account.
#[derive(Debug, Clone, Copy)]
pub enum UserPlace {
    /// A server channel, in a server the bot is not in (context 0).
    Server { guild: u64, channel: u64 },
    /// Their DM with the bot (context 1).
    BotDm,
    /// A DM with someone else, or a group DM (context 2).
    OtherDm { channel: u64, group: bool },
}

/// Permissions a user-installed app has where the bot is not: it can only
/// answer through the interaction (embeds, files, external emoji).
const USER_INSTALL_PERMISSIONS: u64 = 16384 | 32768 | 262_144;

/// `ix` (a slash command or button press by `user_id`, built for their DM)
/// as Discord sends it from the user's own install used in `place`:
/// `authorizing_integration_owners` holds only the user key.
pub fn user_installed(mut ix: Interaction, user_id: u64, place: UserPlace) -> Interaction {
    let p = &mut ix.payload;
    let user = user_json(user_id, &default_username(user_id), false);
    p["authorizing_integration_owners"] = json!({"1": user_id.to_string()});
    match place {
        UserPlace::Server { guild, channel } => {
            let map = p.as_object_mut().expect("an interaction object");
            map.remove("user");
            in_guild(p, user, guild, channel, USER_INSTALL_PERMISSIONS);
            p["context"] = json!(0);
            p["app_permissions"] = json!(USER_INSTALL_PERMISSIONS.to_string());
        }
        UserPlace::BotDm => {
            p["context"] = json!(1);
        }
        UserPlace::OtherDm { channel, group } => {
            let friend = user_json(user_id + 1, &default_username(user_id + 1), false);
            p["channel_id"] = json!(channel.to_string());
            p["channel"] = if group {
                json!({
                    "id": channel.to_string(),
                    "type": 3,
                    "name": "foot friends",
                    "owner_id": user_id.to_string(),
                    "last_message_id": null,
                    "flags": 0,
                    "recipients": [user, friend],
                })
            } else {
                json!({
                    "id": channel.to_string(),
                    "type": 1,
                    "last_message_id": null,
                    "flags": 0,
                    "recipients": [friend],
                })
            };
            p["context"] = json!(2);
            p["app_permissions"] = json!(USER_INSTALL_PERMISSIONS.to_string());
        }
    }
    ix
}

/// `user_id` choosing `values` in the string select `custom_id` on
/// `message` (in `channel` of `guild`, or a DM).
pub fn string_select(
    user_id: u64,
    guild: Option<u64>,
    channel_id: u64,
    message: Value,
    custom_id: &str,
    values: &[&str],
) -> Interaction {
    let mut ix = button_press(user_id, guild, channel_id, message, custom_id);
    ix.payload["data"] = json!({"custom_id": custom_id, "component_type": 3, "values": values});
    ix
}

/// `user_id` submitting the form `custom_id` the bot opened from a
/// component on `message`, with `fields` (text input id, what they typed).
pub fn form_submit(
    user_id: u64,
    guild: Option<u64>,
    channel_id: u64,
    message: Value,
    custom_id: &str,
    fields: &[(&str, &str)],
) -> Interaction {
    let mut ix = interaction_base(5, user_id, guild.map(|g| (g, channel_id)), channel_id);
    let rows: Vec<Value> = fields
        .iter()
        .map(|(id, value)| {
            json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]})
        })
        .collect();
    ix.payload["data"] = json!({"custom_id": custom_id, "components": rows});
    ix.payload["message"] = message;
    ix
}
