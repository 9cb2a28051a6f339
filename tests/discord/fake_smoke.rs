//! The real serenity/poise client against the fake Discord.

use crate::support::bot::init_tracing;
use crate::support::chat::{assert_no_unexpected, callback, posts_in, WAIT};
use crate::support::fake_discord::{self, FakeDiscord};
use poise::serenity_prelude as serenity;
use serde_json::{json, Value};

use crate::support::bare_bot::{BareBot, Error};
type Ctx<'a> = poise::Context<'a, (), Error>;

const USER: u64 = 1_200_000_000_000_000_001;

/// Answers "pong".
#[poise::command(slash_command)]
async fn ping(ctx: Ctx<'_>) -> Result<(), Error> {
    ctx.say("pong").await?;
    Ok(())
}

async fn on_event(
    framework: poise::FrameworkContext<'_, (), Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let http = &framework.serenity_context.http;
    match event {
        serenity::FullEvent::Message { new_message } if !new_message.author.bot => {
            let text = match new_message.guild_id {
                None => format!("echo: {}", new_message.content),
                Some(_) => format!("guild: [{}]", new_message.content),
            };
            new_message.channel_id.say(http, text).await?;
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(press),
        } => {
            let update = serenity::CreateInteractionResponseMessage::new()
                .content(format!("pressed {}", press.data.custom_id))
                .components(Vec::new());
            press
                .create_response(
                    http,
                    serenity::CreateInteractionResponse::UpdateMessage(update),
                )
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Set things.
#[poise::command(slash_command, subcommands("remind_set"), subcommand_required)]
async fn remind(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

async fn timezone_autocomplete(
    _ctx: Ctx<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let choices = ["Europe/Berlin", "Europe/Lisbon", "America/Bogota"]
        .into_iter()
        .filter(|tz| tz.to_lowercase().contains(&partial.to_lowercase()))
        .map(|tz| serenity::AutocompleteChoice::new(tz, tz))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Set a reminder.
#[poise::command(slash_command, rename = "set")]
async fn remind_set(
    ctx: Ctx<'_>,
    #[description = "Local time, like 07:30"]
    #[max_length = 20]
    time: String,
    #[description = "Timezone"]
    #[autocomplete = "timezone_autocomplete"]
    timezone: Option<String>,
) -> Result<(), Error> {
    ctx.say(format!("set {time} {}", timezone.unwrap_or_default()))
        .await?;
    Ok(())
}

/// Defers, then answers with an ephemeral reply.
#[poise::command(slash_command)]
async fn slow(ctx: Ctx<'_>) -> Result<(), Error> {
    ctx.defer().await?;
    ctx.send(
        poise::CreateReply::default()
            .content("done")
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// Answers with a button.
#[poise::command(slash_command)]
async fn buttons(ctx: Ctx<'_>) -> Result<(), Error> {
    let row =
        serenity::CreateActionRow::Buttons(vec![serenity::CreateButton::new("done").label("Done")]);
    ctx.send(
        poise::CreateReply::default()
            .content("pick")
            .components(vec![row]),
    )
    .await?;
    Ok(())
}

fn http_for(fake: &FakeDiscord) -> serenity::Http {
    serenity::HttpBuilder::new("fake-token")
        .proxy(fake.api_url())
        .ratelimiter_disabled(true)
        .build()
}

type Bot = BareBot;

async fn start_bot(fake: &FakeDiscord) -> Bot {
    BareBot::start(
        &fake.api_url(),
        poise::FrameworkOptions {
            commands: vec![ping(), remind(), slow(), buttons()],
            event_handler: |framework, event| Box::pin(on_event(framework, event)),
            ..Default::default()
        },
        serenity::GatewayIntents::non_privileged(),
    )
    .await
}

/// Starts a fake Discord and this bot on it, and waits until poise
/// registered the commands.
async fn started() -> (FakeDiscord, Bot) {
    init_tracing();
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let commands_path = format!("/api/v10/applications/{}/commands", fake.application_id());
    let put = fake
        .wait_for_call(|c| c.method == "PUT" && c.path == commands_path, WAIT)
        .await;
    assert_eq!(put.status, 200, "{:?}", put.response);
    (fake, bot)
}

fn http_error(err: serenity::Error) -> serenity::ErrorResponse {
    match err {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(resp)) => resp,
        other => panic!("expected an unsuccessful request, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_command_ping_is_answered_with_pong() {
    let (fake, bot) = started().await;

    let identify = fake.wait_for_identify(WAIT).await;
    assert_eq!(
        identify.intents,
        serenity::GatewayIntents::non_privileged().bits()
    );
    let registered = fake.registered_commands(None);
    assert_eq!(registered.len(), 4);
    assert_eq!(registered[0]["name"], "ping");

    let dm = fake.dm_channel_for(USER);
    let ix = fake_discord::slash_command(USER, None, dm, "ping", json!([]));
    assert_eq!(fake.dispatch_interaction(&ix).await, 1);
    let callback = callback(&fake, &ix).await;
    assert_eq!(callback.status, 204);
    assert_eq!(callback.body["type"], 4);
    assert_eq!(callback.body["data"]["content"], "pong");
    let answer = &fake.messages_in(dm)[0];
    assert_eq!(answer.content(), "pong");
    assert_eq!(
        answer.origin,
        fake_discord::Origin::InteractionResponse {
            interaction_id: ix.id
        }
    );

    // A second answer to the same interaction is refused, as on Discord.
    let http = http_for(&fake);
    let again = http
        .create_interaction_response(
            serenity::InteractionId::new(ix.id),
            &ix.token,
            &serenity::CreateInteractionResponse::Acknowledge,
            Vec::new(),
        )
        .await
        .expect_err("second callback");
    let resp = http_error(again);
    assert_eq!(resp.status_code.as_u16(), 400);
    assert_eq!(resp.error.code, 40060);
    assert_no_unexpected(&fake);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_message_reaches_the_event_handler_and_survives_a_resume() {
    let (fake, bot) = started().await;

    let dm = 1_200_000_000_000_000_500;
    let msg = fake_discord::message_create(dm, None, USER, false, "hello", None);
    assert!(msg.get("guild_id").is_none());
    assert_eq!(fake.dispatch("MESSAGE_CREATE", msg).await, 1);
    let sent = posts_in(&fake, dm, 1).await.remove(0);
    assert_eq!(sent.status, 200, "{:?}", sent.response);
    assert_eq!(sent.body["content"], "echo: hello");
    // The fake learnt the DM channel from the event.
    assert_eq!(fake.dm_channel_for(USER), dm);

    // Discord drops the connection; serenity resumes and gets later events.
    fake.disconnect_all();
    fake.wait_for_resumes(1, WAIT).await;
    let msg = fake_discord::message_create(dm, None, USER, false, "again", None);
    fake.dispatch("MESSAGE_CREATE", msg).await;
    fake.wait_for_call(|c| c.body["content"] == "echo: again", WAIT)
        .await;
    assert_eq!(fake.identify_count(), 1);
    assert_eq!(fake.messages_in(dm).len(), 2);
    assert_no_unexpected(&fake);
    bot.stop().await;
}

#[tokio::test]
async fn unexpected_routes_are_recorded_and_nonces_deduplicate() {
    init_tracing();
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake);

    let err = http
        .get_guild(serenity::GuildId::new(42))
        .await
        .expect_err("no such route in the fake");
    assert!(matches!(err, serenity::Error::Http(_)));
    let unexpected = fake.unexpected_calls();
    assert_eq!(unexpected.len(), 1);
    assert_eq!(unexpected[0].path, "/api/v10/guilds/42");
    assert_eq!(unexpected[0].status, 404);

    let channel = serenity::ChannelId::new(fake.dm_channel_for(USER));
    let create = || {
        serenity::CreateMessage::new()
            .content("time for your routine")
            .nonce(serenity::Nonce::String("rem-1-20240501".into()))
            .enforce_nonce(true)
    };
    let first = channel.send_message(&http, create()).await.expect("first");
    let second = channel.send_message(&http, create()).await.expect("second");
    assert_eq!(first.id, second.id);
    let stored = fake.messages_in(channel.get());
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].nonce_repeats, 1);
    assert_eq!(fake.calls_to("POST", "/channels/*/messages").len(), 2);

    // Discord caps a nonce at 25 characters.
    let long = serenity::CreateMessage::new()
        .content("x")
        .nonce(serenity::Nonce::String("0123456789abcdef0123456789".into()))
        .enforce_nonce(true);
    let resp = http_error(
        channel
            .send_message(&http, long)
            .await
            .expect_err("too long"),
    );
    assert_eq!(resp.error.code, 50035);
    assert_eq!(resp.error.errors[0].path, "nonce");
    // Discord's OpenAPI description caps it too: sent on purpose, so taken.
    let refused = fake.take_schema_violations();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].errors[0].starts_with("nonce: "), "{refused:?}");
}

#[tokio::test]
async fn faults_and_form_errors_reach_serenity_as_discord_sends_them() {
    init_tracing();
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake);
    let channel = serenity::ChannelId::new(fake.dm_channel_for(USER));

    fake.fail_next(
        "POST",
        "/channels/*/messages",
        403,
        json!({"message": "Cannot send messages to this user", "code": 50007}),
        1,
    );
    let resp = http_error(channel.say(&http, "hi").await.expect_err("403"));
    assert_eq!(resp.status_code.as_u16(), 403);
    assert_eq!(resp.error.code, 50007);

    // Discord's 429 body has no "code": serenity cannot decode it and
    // reports code -1; the headers (Retry-After) are not kept.
    fake.rate_limit_next("POST", "/channels/*/messages", 0.25, 1);
    let resp = http_error(channel.say(&http, "hi").await.expect_err("429"));
    assert_eq!(resp.status_code.as_u16(), 429);
    assert_eq!(resp.error.code, -1);
    let limited = fake.calls_to("POST", "/channels/*/messages");
    assert_eq!(limited[1].status, 429);

    fake.fail_next(
        "*",
        "/channels/",
        500,
        json!({"message": "500: Internal Server Error", "code": 0}),
        1,
    );
    let resp = http_error(channel.say(&http, "hi").await.expect_err("500"));
    assert_eq!(resp.status_code.as_u16(), 500);
    assert!(fake.messages().is_empty(), "failed calls create nothing");

    let sent = channel.say(&http, "hi").await.expect("faults are used up");
    assert_eq!(sent.content, "hi");
    assert_eq!(sent.author.id.get(), fake.bot_user_id());

    // Discord's limits on messages and commands.
    // serenity checks the length itself (no request); the fake checks too.
    let err = channel
        .say(&http, "x".repeat(2001))
        .await
        .expect_err("too long");
    assert!(matches!(
        err,
        serenity::Error::Model(serenity::ModelError::MessageTooLong(1))
    ));
    let raw = json!({"content": "x".repeat(2001)});
    let resp = http_error(
        http.send_message(channel, Vec::new(), &raw)
            .await
            .expect_err("too long"),
    );
    assert_eq!(resp.error.code, 50035);
    assert_eq!(resp.error.errors[0].path, "content");
    let resp = http_error(
        channel
            .send_message(&http, serenity::CreateMessage::new())
            .await
            .expect_err("empty"),
    );
    assert_eq!(resp.error.code, 50006);
    let resp = http_error(
        serenity::ChannelId::new(999)
            .say(&http, "hi")
            .await
            .expect_err("unknown channel"),
    );
    assert_eq!((resp.status_code.as_u16(), resp.error.code), (404, 10003));

    // Attachments go as multipart/form-data: payload_json plus files[n].
    let upload = serenity::CreateMessage::new()
        .content("your week")
        .add_file(serenity::CreateAttachment::bytes(
            vec![7u8; 1234],
            "week.png",
        ));
    let sent = channel.send_message(&http, upload).await.expect("upload");
    assert_eq!(sent.attachments.len(), 1);
    assert_eq!(sent.attachments[0].filename, "week.png");
    assert_eq!(sent.attachments[0].size, 1234);
    let call = fake.calls().pop().unwrap();
    assert_eq!(call.body["content"], "your week");
    assert_eq!(call.files, vec![("week.png".to_owned(), 1234)]);

    http.set_application_id(serenity::ApplicationId::new(fake.application_id()));
    let bad = vec![serenity::CreateCommand::new("Bad Name").description("x".repeat(101))];
    let resp = http_error(
        serenity::Command::set_global_commands(&http, bad)
            .await
            .expect_err("invalid command"),
    );
    assert_eq!(resp.error.code, 50035);
    let mut paths: Vec<&str> = resp.error.errors.iter().map(|e| e.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["0.description", "0.name"]);
    assert!(fake.unexpected_calls().is_empty());
    // The description is over the schema's limit too (the name's case is a
    // rule the schema does not carry); sent on purpose, so taken. The
    // upload's `attachments[].id` of 0 is no violation.
    let refused = fake.take_schema_violations();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].method, "PUT");
    assert!(
        refused[0]
            .errors
            .iter()
            .all(|e| e.starts_with("0.description: ")),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subcommands_autocomplete_defer_and_buttons() {
    let (fake, bot) = started().await;
    let (guild, channel) = (1_200_000_000_000_000_900, 1_200_000_000_000_000_901);
    let dm = fake.dm_channel_for(USER);

    // A subcommand in a server.
    let set = json!([{"name": "set", "type": 1, "options": [
        {"name": "time", "type": 3, "value": "07:30"}
    ]}]);
    let ix = fake_discord::slash_command(USER, Some((guild, channel)), 0, "remind", set);
    fake.dispatch_interaction(&ix).await;
    let answer = callback(&fake, &ix).await;
    assert_eq!(answer.status, 204);
    assert_eq!(answer.body["data"]["content"], "set 07:30 ");

    // Autocomplete of the timezone while typing, in a DM.
    let typing = json!([{"name": "set", "type": 1, "options": [
        {"name": "time", "type": 3, "value": "07:30"},
        {"name": "timezone", "type": 3, "value": "euro", "focused": true}
    ]}]);
    let ix = fake_discord::autocomplete(USER, None, dm, "remind", typing);
    fake.dispatch_interaction(&ix).await;
    let answer = callback(&fake, &ix).await;
    assert_eq!(answer.status, 204);
    assert_eq!(answer.body["type"], 8);
    assert_eq!(
        answer.body["data"]["choices"].as_array().map(Vec::len),
        Some(2)
    );

    // Defer, then an ephemeral follow-up: Discord shows it publicly, since
    // the (public) defer decided the visibility.
    let ix = fake_discord::slash_command(USER, None, dm, "slow", json!([]));
    fake.dispatch_interaction(&ix).await;
    let followup = fake_discord::followup_path(&ix);
    let call = fake.wait_for_call(|c| c.path == followup, WAIT).await;
    assert_eq!(call.status, 200, "{:?}", call.response);
    assert_eq!(call.body["flags"], 64);
    let deferred = fake.calls_to("POST", &fake_discord::callback_path(&ix));
    assert_eq!(deferred[0].body["type"], 5);
    let shown = fake
        .message(call.response["id"].as_str().unwrap().parse().unwrap())
        .unwrap();
    assert_eq!(shown.content(), "done");
    assert!(!shown.is_ephemeral());

    // A button on the bot's answer, pressed.
    let ix = fake_discord::slash_command(USER, None, dm, "buttons", json!([]));
    fake.dispatch_interaction(&ix).await;
    callback(&fake, &ix).await;
    let with_button = fake.messages_in(dm).last().cloned().unwrap();
    assert_eq!(with_button.content(), "pick");
    let press = fake_discord::button_press(USER, None, dm, with_button.json.clone(), "done");
    fake.dispatch_interaction(&press).await;
    let update = callback(&fake, &press).await;
    assert_eq!(update.status, 204);
    assert_eq!(update.body["type"], 7);
    let updated = fake.message(with_button.id).unwrap();
    assert_eq!(updated.content(), "pressed done");
    assert_eq!(updated.edits, 1);
    assert_no_unexpected(&fake);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guild_messages_without_message_content_intent_arrive_empty_unless_they_ping() {
    let (fake, bot) = started().await;
    let (guild, channel) = (1_200_000_000_000_000_900, 1_200_000_000_000_000_901);
    let messages_path = format!("/api/v10/channels/{channel}/messages");

    let plain = fake_discord::message_create(channel, Some(guild), USER, false, "done", None);
    fake.dispatch("MESSAGE_CREATE", plain).await;
    fake.wait_for_call(
        |c| c.path == messages_path && c.body["content"] == "guild: []",
        WAIT,
    )
    .await;

    // A reply to the bot pings it by default, so the content is there.
    let bots = fake.messages_in(channel)[0].json.clone();
    let reply = fake_discord::message_create(
        channel,
        Some(guild),
        USER,
        false,
        "done",
        Some(bots.clone()),
    );
    fake.dispatch("MESSAGE_CREATE", reply).await;
    fake.wait_for_call(|c| c.body["content"] == "guild: [done]", WAIT)
        .await;

    // The same reply with the ping switched off arrives empty.
    let mut quiet =
        fake_discord::message_create(channel, Some(guild), USER, false, "skip", Some(bots));
    quiet["mentions"] = json!([]);
    fake.dispatch("MESSAGE_CREATE", quiet).await;
    fake.wait_for_calls(|c| c.body["content"] == "guild: []", 2, WAIT)
        .await;
    bot.stop().await;
}

#[tokio::test]
#[should_panic(expected = "is not registered")]
async fn dispatching_an_unregistered_command_panics() {
    let fake = FakeDiscord::start().await;
    let ix = fake_discord::slash_command(USER, None, 1, "nope", json!([]));
    fake.dispatch_interaction(&ix).await;
}

/// A request as any HTTP client would send it (serenity's builders would
/// refuse some of these bodies before sending them): (status, JSON answer).
async fn raw(fake: &FakeDiscord, method: &str, path: &str, body: Value) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let resp = reqwest::Client::new()
        .request(method, format!("{}/api/v10{path}", fake.api_url()))
        .header("authorization", "Bot fake-token")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("the fake answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("answer body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The `_errors` codes Discord's nested `errors` give for `path`
/// (`["embeds", "0", "title"]`).
fn error_codes(answer: &Value, path: &[&str]) -> Vec<String> {
    let mut node = &answer["errors"];
    for key in path {
        node = &node[*key];
    }
    node["_errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| e["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn bodies_discords_openapi_description_refuses_are_refused_and_recorded() {
    init_tracing();
    let fake = FakeDiscord::start().await;
    let dm = fake.dm_channel_for(USER);
    let messages = format!("/channels/{dm}/messages");
    let commands = format!("/applications/{}/commands", fake.application_id());

    // An embed title over 256 characters (the fake's own limits say so too).
    let (status, answer) = raw(
        &fake,
        "POST",
        &messages,
        json!({"embeds": [{"title": "t".repeat(257)}]}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["code"], 50035);
    assert_eq!(answer["message"], "Invalid Form Body");
    assert_eq!(
        error_codes(&answer, &["embeds", "0", "title"]),
        ["BASE_TYPE_MAX_LENGTH"]
    );

    // Type mismatches only the schema knows about: `tts` is a boolean, an
    // embed's `color` an integer, `allowed_mentions.parse` a list.
    let (status, answer) = raw(
        &fake,
        "POST",
        &messages,
        json!({
            "content": "hi",
            "tts": "yes",
            "embeds": [{"title": "t", "color": "red"}],
            "allowed_mentions": {"parse": "users"},
        }),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(error_codes(&answer, &["tts"]), ["BASE_TYPE_BOOLEAN"]);
    assert_eq!(
        error_codes(&answer, &["embeds", "0", "color"]),
        ["NUMBER_TYPE_COERCE"]
    );
    assert_eq!(
        error_codes(&answer, &["allowed_mentions", "parse"]),
        ["LIST_TYPE_CONVERT"]
    );
    assert!(fake.messages().is_empty(), "a refused body creates nothing");

    // A command option of a type Discord does not have.
    let bad_option = json!([{"name": "routine", "description": "Today's routine", "options": [
        {"type": 12, "name": "day", "description": "Which day"}
    ]}]);
    let (status, answer) = raw(&fake, "PUT", &commands, bad_option).await;
    assert_eq!(status, 400, "{answer}");
    assert!(!error_codes(&answer, &["0", "options", "0", "type"]).is_empty());
    assert!(fake.registered_commands(None).is_empty());

    // Documented limits the schema does not carry: 6,000 characters over
    // all embeds; required options first; choices or autocomplete.
    let long = "d".repeat(3500);
    let (status, answer) = raw(
        &fake,
        "POST",
        &messages,
        json!({"embeds": [{"description": long}, {"description": long}]}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        error_codes(&answer, &["embeds"]),
        ["MAX_EMBED_SIZE_EXCEEDED"]
    );
    let options = json!([{"name": "remind", "description": "Reminders", "options": [
        {"type": 1, "name": "set", "description": "Set one", "options": [
            {"type": 3, "name": "zone", "description": "Timezone"},
            {"type": 3, "name": "time", "description": "Time", "required": true,
             "choices": [{"name": "7:30", "value": "07:30"}], "autocomplete": true}
        ]}
    ]}]);
    let (status, answer) = raw(&fake, "PUT", &commands, options).await;
    assert_eq!(status, 400, "{answer}");
    let set_time = ["0", "options", "0", "options", "1"];
    let at = |key: &str| {
        let mut path = set_time.to_vec();
        path.push(key);
        error_codes(&answer, &path)
    };
    assert_eq!(
        at("required"),
        ["APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"]
    );
    assert_eq!(
        at("autocomplete"),
        ["APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_AND_CHOICES"]
    );

    // Each refused body is a violation that fails the test unless taken.
    let refused = fake.schema_violations();
    assert_eq!(refused.len(), 5, "{refused:#?}");
    assert_eq!(
        refused[0].operation,
        "POST /channels/{channel_id}/messages (create_message)"
    );
    assert!(refused[0].errors[0].starts_with("embeds.0.title: "));
    let second = refused[1].errors.join("\n");
    for field in ["tts: ", "embeds.0.color: ", "allowed_mentions.parse: "] {
        assert!(second.contains(field), "{second}");
    }
    assert!(refused[2].errors[0].starts_with("0.options.0.type: "));
    assert!(refused[3].errors[0].starts_with("embeds: "));
    assert_eq!(refused[4].errors.len(), 2, "{:?}", refused[4].errors);
    assert!(fake.describe_calls().contains("0.options.0.type: "));
    assert_eq!(fake.take_schema_violations().len(), 5);
    assert!(fake.schema_violations().is_empty());
}

#[tokio::test]
async fn what_discord_accepts_beyond_its_openapi_description_is_accepted() {
    init_tracing();
    let fake = FakeDiscord::start().await;
    let dm = fake.dm_channel_for(USER);
    let messages = format!("/channels/{dm}/messages");
    let commands = format!("/applications/{}/commands", fake.application_id());

    // Permissions as a decimal string, as serenity sends them.
    let admin_only = json!([{"name": "setup", "description": "Set the server up",
        "default_member_permissions": "32"}]);
    let (status, answer) = raw(&fake, "PUT", &commands, admin_only).await;
    assert_eq!(status, 200, "{answer}");
    // Empty lists for "none".
    let (status, answer) = raw(
        &fake,
        "POST",
        &messages,
        json!({"content": "x", "embeds": [], "components": [], "attachments": []}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    // An upload's placeholder id as an integer, in payload_json.
    let form = reqwest::multipart::Form::new()
        .text(
            "payload_json",
            json!({"content": "your week", "attachments": [{"id": 0, "filename": "week.png"}]})
                .to_string(),
        )
        .part(
            "files[0]",
            reqwest::multipart::Part::bytes(vec![7u8; 64]).file_name("week.png"),
        );
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v10{messages}", fake.api_url()))
        .header("authorization", "Bot fake-token")
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        fake.schema_violations().is_empty(),
        "{:#?}",
        fake.schema_violations()
    );

    // Only those: other strings, or a non-numeric id, are still refused.
    let bad = json!([{"name": "setup", "description": "Set the server up",
        "default_member_permissions": "MANAGE_GUILD"}]);
    let (status, _) = raw(&fake, "PUT", &commands, bad).await;
    assert_eq!(status, 400);
    let (status, answer) = raw(
        &fake,
        "PATCH",
        &format!("{messages}/{}", fake.messages()[0].id),
        json!({"attachments": [{"id": "first"}]}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        error_codes(&answer, &["attachments", "0", "id"]),
        ["NUMBER_TYPE_COERCE"]
    );
    assert_eq!(fake.take_schema_violations().len(), 2);
}

#[tokio::test]
#[should_panic(expected = "refused 1 request body that Discord's OpenAPI description")]
async fn a_violation_nobody_takes_fails_the_test() {
    let fake = FakeDiscord::start().await;
    let dm = fake.dm_channel_for(USER);
    let (status, _) = raw(
        &fake,
        "POST",
        &format!("/channels/{dm}/messages"),
        json!({"content": "hi", "flags": "ephemeral"}),
    )
    .await;
    assert_eq!(status, 400);
    // The fake is dropped here with the violation untaken.
}
