//! Who may do what where: the guild channels the fake knows, the bot's
//! permissions in them, members' permissions and commands' default member
//! permissions.

use serde_json::{json, Map, Value};

use super::rest::Reply;
use super::{id_str, ChannelKind, FakeDiscord, Interaction, StateInner, PERMISSION_ADMINISTRATOR};

impl FakeDiscord {
    /// Make `channel_id` a text channel of `guild_id` (channels are also
    /// learnt from dispatched events).
    pub fn add_guild_channel(&self, guild_id: u64, channel_id: u64) {
        self.inner
            .lock()
            .channels
            .insert(channel_id, ChannelKind::Guild { guild_id });
    }

    /// A server admin lets every member use `/name` (Server Settings,
    /// Integrations), overriding its default member permissions.
    pub fn open_command_to_everyone(&self, guild_id: u64, name: &str) {
        self.inner
            .lock()
            .opened_commands
            .push((guild_id, name.to_owned()));
    }

    /// Take the bot's Send Messages away in `channel_id` (403 50013 on a
    /// post), or with `hidden` its View Channel too (403 50001).
    pub fn deny_bot_in_channel(&self, channel_id: u64, hidden: bool) {
        self.inner.lock().bot_denied.insert(channel_id, hidden);
    }
}

/// `ix` from a member with these permissions (the default member has
/// neither Administrator nor Manage Server).
pub fn with_member_permissions(mut ix: Interaction, permissions: u64) -> Interaction {
    if ix.payload["member"].is_object() {
        ix.payload["member"]["permissions"] = json!(permissions.to_string());
    }
    ix
}

/// A channel object as `GET /channels/{id}` answers it (`Null` for a
/// channel the fake does not know).
pub(super) fn channel_json(st: &StateInner, channel: u64) -> Value {
    match st.channels.get(&channel) {
        Some(ChannelKind::Dm { recipient }) => json!({
            "id": channel.to_string(),
            "type": 1,
            "last_message_id": last_message_id(st, channel),
            "flags": 0,
            "recipients": [recipient],
        }),
        Some(ChannelKind::Guild { guild_id }) => json!({
            "id": channel.to_string(),
            "type": 0,
            "guild_id": guild_id.to_string(),
            "name": format!("channel-{}", channel % 10_000),
            "position": 0,
            "permission_overwrites": [],
            "parent_id": null,
            "nsfw": false,
            "topic": null,
            "last_message_id": last_message_id(st, channel),
            "rate_limit_per_user": 0,
            "flags": 0,
        }),
        None => Value::Null,
    }
}

fn last_message_id(st: &StateInner, channel: u64) -> Value {
    st.messages
        .iter()
        .filter(|m| m.channel_id == channel && !m.deleted)
        .map(|m| m.id)
        .max()
        .map_or(Value::Null, |id| json!(id.to_string()))
}

/// Discord sends the channels picked in options under `data.resolved.channels`
/// with the invoking member's permissions there.
pub(super) fn resolve_channels(st: &StateInner, data: &mut Value) {
    fn picked(options: &[Value], out: &mut Vec<u64>) {
        for o in options {
            match o["type"].as_u64() {
                Some(1 | 2) => picked(o["options"].as_array().map_or(&[][..], Vec::as_slice), out),
                Some(7) => out.extend(id_str(&o["value"])),
                _ => {}
            }
        }
    }
    let mut ids = Vec::new();
    picked(
        data["data"]["options"]
            .as_array()
            .map_or(&[][..], Vec::as_slice),
        &mut ids,
    );
    if ids.is_empty() {
        return;
    }
    let permissions = data["member"]["permissions"].clone();
    let mut channels = Map::new();
    for id in ids {
        let mut channel = channel_json(st, id);
        if channel.is_null() {
            channel = json!({"id": id.to_string(), "type": 0, "name": format!("channel-{}", id % 10_000)});
        }
        let mut partial = json!({
            "id": channel["id"].clone(),
            "name": channel["name"].clone(),
            "type": channel["type"].clone(),
            "permissions": permissions.clone(),
            "parent_id": channel["parent_id"].clone(),
        });
        if let Some(g) = channel.get("guild_id") {
            partial["guild_id"] = g.clone();
        }
        channels.insert(id.to_string(), partial);
    }
    data["data"]["resolved"] = json!({ "channels": channels });
}

/// Whether the bot may post in `channel` ([`FakeDiscord::deny_bot_in_channel`]).
pub(super) fn check_bot_may_post(st: &StateInner, channel: u64) -> Result<(), Reply> {
    match st.bot_denied.get(&channel) {
        Some(true) => Err(Reply::missing_access()),
        Some(false) => Err(Reply::error(403, 50013, "Missing Permissions")),
        None => Ok(()),
    }
}

/// Whether Discord offers `/name` (`command` as registered) to the member
/// in `interaction`: a command with default member permissions is hidden
/// from members without them (administrators have them all), unless the
/// server opened it to everyone; in DMs it is not limited.
pub(super) fn check_member_may_use(
    st: &StateInner,
    command: &Value,
    name: &str,
    guild: Option<u64>,
    interaction: &Value,
) -> Result<(), String> {
    let opened = guild.is_some_and(|g| st.opened_commands.contains(&(g, name.to_owned())));
    if let Some(needed) = command["default_member_permissions"]
        .as_str()
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|_| !opened)
    {
        let has = interaction["member"]["permissions"]
            .as_str()
            .and_then(|p| p.parse::<u64>().ok());
        if let Some(has) = has {
            if has & PERMISSION_ADMINISTRATOR == 0 && has & needed != needed {
                return Err(format!(
                    "/{name} needs permissions {needed}; the member has {has}, so Discord does not offer it"
                ));
            }
        }
    }
    Ok(())
}
