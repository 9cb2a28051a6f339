//! A person's side of the chat with the bot through the fake Discord: slash
//! commands, DMs and button presses, and readers of the answers' JSON.
//!
//! ```ignore
//! let body = command(&fake, ALICE, sub("remind", "set", strings(&[("time", "07:30")]))).await;
//! assert!(ephemeral(&body), "{body}");
//! assert!(text(&body).contains("timezone"), "{body}");
//! let answer = dm(&fake, ALICE, "done").await;
//! ```

use std::time::Duration;

use serde_json::{json, Value};

use super::fake_discord::{self as fake, Call, FakeDiscord, Interaction, StoredMessage};

/// How long a test waits for the bot (an answer, a post, a registration).
pub const WAIT: Duration = Duration::from_secs(10);

/// The bot's bulk overwrite of its slash commands, its last start-up step.
pub fn is_put_commands(c: &Call) -> bool {
    c.method == "PUT" && c.path.ends_with("/commands")
}

/// A slash command as a person fills it in: its name and its options.
#[derive(Debug, Clone)]
pub struct Slash {
    name: String,
    options: Value,
}

/// `/name`, without options.
pub fn slash(name: &str) -> Slash {
    Slash {
        name: name.to_owned(),
        options: json!([]),
    }
}

/// `/group name` with `options` (a JSON list, see [`strings`]).
pub fn sub(group: &str, name: &str, options: Value) -> Slash {
    Slash {
        name: group.to_owned(),
        options: json!([{ "name": name, "type": 1, "options": options }]),
    }
}

/// Text options, `[("time", "07:30")]`, as Discord sends them.
pub fn strings(options: &[(&str, &str)]) -> Value {
    options
        .iter()
        .map(|(name, value)| json!({"name": name, "type": 3, "value": value}))
        .collect()
}

impl Slash {
    /// `user` using it in their DM with the bot.
    pub fn in_dm(self, fake: &FakeDiscord, user: u64) -> Interaction {
        fake::slash_command(
            user,
            None,
            fake.dm_channel_for(user),
            &self.name,
            self.options,
        )
    }

    /// `user` using it in `channel` of `guild`.
    pub fn in_server(self, user: u64, guild: u64, channel: u64) -> Interaction {
        fake::slash_command(user, Some((guild, channel)), 0, &self.name, self.options)
    }
}

/// Sends an interaction and returns the body of its callback (the answer).
pub async fn interact(fake: &FakeDiscord, ix: &Interaction) -> Value {
    fake.dispatch_interaction(ix).await;
    callback(fake, ix).await.body
}

/// Waits for the first answer to `ix` (the call to its callback route).
pub async fn callback(fake: &FakeDiscord, ix: &Interaction) -> Call {
    let path = fake::callback_path(ix);
    fake.wait_for_call(|c| c.method == "POST" && c.path == path, WAIT)
        .await
}

/// `user` uses `slash` in their DM with the bot: the body of the answer.
pub async fn command(fake: &FakeDiscord, user: u64, slash: Slash) -> Value {
    interact(fake, &slash.in_dm(fake, user)).await
}

/// The message the answer to `ix` created.
pub fn answer_to(fake: &FakeDiscord, ix: &Interaction) -> StoredMessage {
    fake.messages()
        .into_iter()
        .find(|m| {
            m.origin
                == fake::Origin::InteractionResponse {
                    interaction_id: ix.id,
                }
        })
        .expect("the answer was posted")
}

/// `user` presses the button `custom_id` on `message` (the message's JSON)
/// in `channel` (of `guild`, or a DM): the body of the answer.
pub async fn press(
    fake: &FakeDiscord,
    user: u64,
    guild: Option<u64>,
    channel: u64,
    message: &Value,
    custom_id: &str,
) -> Value {
    let press = fake::button_press(user, guild, channel, message.clone(), custom_id);
    interact(fake, &press).await
}

/// Sends `text` in `user`'s DM channel, without waiting for an answer.
pub async fn send_dm(fake: &FakeDiscord, user: u64, text: &str) {
    let channel = fake.dm_channel_for(user);
    fake.dispatch(
        "MESSAGE_CREATE",
        fake::message_create(channel, None, user, false, text, None),
    )
    .await;
}

/// Sends `text` in `user`'s DM channel and returns the bot's answer there.
pub async fn dm(fake: &FakeDiscord, user: u64, text: &str) -> String {
    let channel = fake.dm_channel_for(user);
    let before = posts_so_far(fake, channel);
    send_dm(fake, user, text).await;
    let posts = posts_in(fake, channel, before + 1).await;
    posts[before].body["content"]
        .as_str()
        .expect("an answer with text")
        .to_owned()
}

/// Waits for the bot's first `n` posts in `channel`.
pub async fn posts_in(fake: &FakeDiscord, channel: u64, n: usize) -> Vec<Call> {
    let path = format!("{}/channels/{channel}/messages", fake::API);
    fake.wait_for_calls(|c| c.method == "POST" && c.path == path, n, WAIT)
        .await
}

fn posts_so_far(fake: &FakeDiscord, channel: u64) -> usize {
    let path = format!("{}/channels/{channel}/messages", fake::API);
    fake.calls()
        .iter()
        .filter(|c| c.method == "POST" && c.path == path)
        .count()
}

/// An answer's text (an interaction callback's `data.content`), or "".
pub fn text(body: &Value) -> &str {
    body["data"]["content"].as_str().unwrap_or("")
}

/// Is the answer only for the person who asked?
pub fn ephemeral(body: &Value) -> bool {
    body["data"]["flags"].as_u64().unwrap_or(0) & fake::FLAG_EPHEMERAL != 0
}

/// The custom ids of the buttons on a message, row by row.
pub fn button_ids(message: &Value) -> Vec<String> {
    buttons(message, "custom_id")
}

/// The labels of the buttons on a message, row by row.
pub fn button_labels(message: &Value) -> Vec<String> {
    buttons(message, "label")
}

fn buttons(message: &Value, key: &str) -> Vec<String> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b[key].as_str().map(str::to_owned))
        .collect()
}

/// The `name` of each object in a JSON list (commands, options).
pub fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|o| o["name"].as_str().expect("a name"))
        .collect()
}

/// Fails the test if the bot called a route the fake does not know.
pub fn assert_no_unexpected(fake: &FakeDiscord) {
    let unexpected = fake.unexpected_calls();
    assert!(
        unexpected.is_empty(),
        "unexpected REST calls: {unexpected:#?}"
    );
}
