//! A message to send, and its forms for each way Discord takes one: a
//! poise reply, a channel message, an interaction answer, an edit.

use poise::serenity_prelude as serenity;
use serenity::{
    CreateActionRow, CreateEmbed, CreateInteractionResponseMessage, CreateMessage,
    EditInteractionResponse,
};

use crate::text::{self, replies};

/// A file a message carries: its name, its bytes, and for a picture the
/// words a screen reader says for it.
#[derive(Debug, Clone, Default)]
pub struct Attachment {
    pub name: String,
    pub bytes: Vec<u8>,
    pub alt: Option<String>,
}

impl Attachment {
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Attachment {
            name: name.into(),
            bytes,
            alt: None,
        }
    }

    /// A picture, described for those who cannot see it.
    pub fn picture(name: impl Into<String>, bytes: Vec<u8>, alt: impl Into<String>) -> Self {
        Attachment {
            alt: Some(alt.into()),
            ..Self::new(name, bytes)
        }
    }

    fn into_serenity(self) -> serenity::CreateAttachment {
        let file = serenity::CreateAttachment::bytes(self.bytes, self.name);
        match self.alt {
            Some(alt) => file.description(alt),
            None => file,
        }
    }
}

/// A message to send, whichever way it goes out.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub content: Option<String>,
    pub embeds: Vec<CreateEmbed>,
    pub components: Vec<CreateActionRow>,
    pub ephemeral: bool,
    /// A file to attach.
    pub file: Option<Attachment>,
}

impl Outgoing {
    pub fn text(text: impl Into<String>) -> Self {
        Outgoing {
            content: Some(text.into()),
            ..Default::default()
        }
    }

    pub fn ephemeral(text: impl Into<String>) -> Self {
        Outgoing {
            ephemeral: true,
            ..Self::text(text)
        }
    }

    /// Puts the one-time introduction in front of a person's first answer.
    pub fn with_welcome(mut self, first_time: bool) -> Self {
        if first_time {
            self.content = Some(match self.content.take() {
                Some(c) => format!("{}\n\n{c}", text::WELCOME),
                None => text::WELCOME.to_owned(),
            });
        }
        self
    }

    /// Tells a person whose DMs are closed, in the answer they are reading,
    /// that their reminders are paused (unless the answer says so already).
    pub fn with_dms_closed(mut self, closed: bool) -> Self {
        let said = self
            .content
            .as_deref()
            .is_some_and(|c| c.contains(replies::DMS_CLOSED));
        if closed && !said {
            self.content = Some(match self.content.take() {
                Some(c) => format!("{c}\n\n{}", replies::DMS_CLOSED),
                None => replies::DMS_CLOSED.to_owned(),
            });
        }
        self
    }

    pub fn into_poise(self) -> poise::CreateReply {
        let mut r = poise::CreateReply::default()
            .ephemeral(self.ephemeral)
            .components(self.components);
        if let Some(c) = self.content {
            r = r.content(c);
        }
        for embed in self.embeds {
            r = r.embed(embed);
        }
        if let Some(file) = self.file {
            r = r.attachment(file.into_serenity());
        }
        r
    }

    pub fn into_message(self) -> CreateMessage {
        let mut m = CreateMessage::new()
            .embeds(self.embeds)
            .components(self.components);
        if let Some(c) = self.content {
            m = m.content(c);
        }
        if let Some(file) = self.file {
            m = m.add_file(file.into_serenity());
        }
        m
    }

    pub fn into_interaction(self) -> CreateInteractionResponseMessage {
        let mut m = CreateInteractionResponseMessage::new()
            .embeds(self.embeds)
            .components(self.components)
            .ephemeral(self.ephemeral);
        if let Some(c) = self.content {
            m = m.content(c);
        }
        if let Some(file) = self.file {
            m = m.add_file(file.into_serenity());
        }
        m
    }
}

impl Outgoing {
    /// The answer as an edit of a deferred one, whose visibility it keeps.
    pub fn into_edit(self) -> EditInteractionResponse {
        let mut m = EditInteractionResponse::new()
            .embeds(self.embeds)
            .components(self.components);
        if let Some(c) = self.content {
            m = m.content(c);
        }
        if let Some(file) = self.file {
            m = m.new_attachment(file.into_serenity());
        }
        m
    }
}
